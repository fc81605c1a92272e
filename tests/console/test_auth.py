"""Sign-in, CSRF, lock-out, roles and headers: a stranger gets nothing from the console."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.officers import AuditLog, Officer, hash_password, verify_password
from tests.console.conftest import PASSWORD, add_officer, csrf_of, login, token_on


def console_rules(app: Flask) -> list[tuple[str, set[str]]]:
    """Every console URL (with sample ids) and its methods, except the login page and static files."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or rule.endpoint in ("console.login", "console.static"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "tm30-basics")
        rules.append((url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return rules


def test_a_stranger_is_sent_to_login_from_every_console_route(app: Flask, client: FlaskClient) -> None:
    rules = console_rules(app)
    assert len(rules) >= 15
    for url, methods in rules:
        if "GET" in methods:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/console/login"), url
        if "POST" in methods:
            assert client.post(url, data={"text": "x"}).status_code == 400, url  # no CSRF token
            token = csrf_of(client)
            assert client.post(url, data={"csrf_token": token, "text": "x"}).status_code == 403, url


def test_login_page_is_public_and_has_security_headers(client: FlaskClient) -> None:
    response = client.get("/console/login")
    assert response.status_code == 200
    assert "เข้าสู่ระบบ" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    static = client.get("/console/static/console.css")
    assert static.status_code == 200
    static.close()


def test_login_post_without_csrf_token_is_400(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    response = client.post("/console/login", data={"username": "somchai", "password": PASSWORD})
    assert response.status_code == 400
    csrf_of(client)
    bad = client.post("/console/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": "forged"})
    assert bad.status_code == 400
    assert client.get("/console/inbox").status_code == 302


def test_right_password_signs_in_and_rotates_the_session(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    before = csrf_of(client)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/console/inbox"
    page = client.get("/console/inbox")
    assert page.status_code == 200 and "กล่องคำถาม" in page.get_data(as_text=True)
    # a token planted before login is worthless after it: sign-in starts a new session with a new token
    assert client.post("/console/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/console/inbox").status_code == 200
    with app.extensions["iao"].sessions() as db:
        assert db.scalars(select(AuditLog.action).where(AuditLog.action == "login")).all() == ["login"]


def test_wrong_password_gives_a_generic_message(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    wrong = login(client, password="not the password")
    unknown = login(client, username="nobody")
    assert wrong.status_code == unknown.status_code == 401
    message = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert client.get("/console/inbox").status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert len(db.scalars(select(AuditLog).where(AuditLog.action == "login-failed")).all()) == 2


def test_five_failures_lock_the_account_for_fifteen_minutes(app: Flask, client: FlaskClient) -> None:
    officer_id = add_officer(app)
    for _ in range(5):
        assert login(client, password="guess-guess-guess").status_code == 401
    # locked: even the right password is refused, with the same message
    refused = login(client)
    assert refused.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in refused.get_data(as_text=True)
    sessions = app.extensions["iao"].sessions
    with sessions.begin() as db:
        officer = db.get_one(Officer, officer_id)
        assert officer.locked_until is not None
        remaining = officer.locked_until - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)
        officer.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)  # fifteen minutes later
    assert login(client).status_code == 302


def test_next_only_goes_to_local_paths(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                 "http:/evil.example"):
        response = login(client, next=evil)
        assert response.status_code == 302
        assert response.headers["Location"] == "/console/inbox", evil
    assert login(client, next="/console/kb?q=x").headers["Location"] == "/console/kb?q=x"


def test_logout_ends_the_session_even_for_a_copied_cookie(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    login(client)
    with client.session_transaction() as session:
        copied = dict(session)
    token = token_on(client, "/console/inbox")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/inbox").status_code == 302
    with client.session_transaction() as session:
        session.update(copied)  # an attacker replays the old cookie
    assert client.get("/console/inbox").status_code == 302


def test_officers_cannot_open_admin_pages(app: Flask, officer_client: FlaskClient) -> None:
    assert officer_client.get("/console/officers").status_code == 403
    assert officer_client.get("/console/audit").status_code == 403
    token = token_on(officer_client, "/console/inbox")
    response = officer_client.post("/console/export", data={"csrf_token": token, "month": "2026-11",
                                                            "format": "csv", "real_ids": "1"})
    assert response.status_code == 403
    created = officer_client.post("/console/officers", data={"csrf_token": token, "username": "mallory",
                                                             "password": "x" * 12, "role": "admin"})
    assert created.status_code == 403


def test_admin_manages_accounts(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "admin1", role="admin")
    login(client, "admin1")
    token = token_on(client, "/console/officers")
    client.post("/console/officers", data={"csrf_token": token, "username": "nida", "password": "long enough pw",
                                           "role": "officer", "display_name": "<b>นิดา</b>"})
    page = client.get("/console/officers").get_data(as_text=True)
    assert "nida" in page and "&lt;b&gt;นิดา&lt;/b&gt;" in page
    assert "/console/audit" in page
    assert "officer-create" in client.get("/console/audit").get_data(as_text=True)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2", "md5$x$y$z$a$b"])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_hash_is_salted_scrypt() -> None:
    one, two = hash_password("same password"), hash_password("same password")
    assert one != two and one.startswith("scrypt$")
    assert verify_password("same password", one) and not verify_password("same passworD", one)


def test_login_attempts_from_one_address_are_rate_limited(client: FlaskClient) -> None:
    from bot.rate_limits import LOGIN_ATTEMPTS_PER_IP

    statuses = []
    for _ in range(LOGIN_ATTEMPTS_PER_IP + 2):
        token = csrf_of(client)
        statuses.append(client.post("/console/login", data={"username": "nobody", "password": "wrong-password",
                                                              "csrf_token": token}).status_code)
    assert statuses[:LOGIN_ATTEMPTS_PER_IP] == [401] * LOGIN_ATTEMPTS_PER_IP and statuses[-1] == 429
