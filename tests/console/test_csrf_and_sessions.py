"""Flask-WTF's CSRF check refuses in Thai and changes nothing; Flask-Login's session ends with its version."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.inbox.service import HandoffResolution
from handlers.officers import AuditLog, Officer
from tests.conftest import Line
from tests.console.conftest import PASSWORD, add_officer, hand_off, login, token_on

REFUSED = "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าคอนโซล"


def test_a_post_without_the_token_is_refused_in_thai_and_changes_nothing(app: Flask, officer_client: FlaskClient,
                                                                        line: Line) -> None:
    question_id = hand_off(app, line)
    response = officer_client.post(f"/console/inbox/{question_id}/resolve", data={"note": "ปิด"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert REFUSED in page and "CSRF" not in page and "Bad Request" not in page
    assert response.headers["X-Frame-Options"] == "DENY"  # the refusal is a console page, with its headers
    with app.extensions["iao"].sessions() as db:
        assert db.get(HandoffResolution, question_id) is None
        assert not db.scalars(select(AuditLog).where(AuditLog.action == "resolve")).all()
    token = token_on(officer_client, f"/console/inbox/{question_id}")
    assert officer_client.post(f"/console/inbox/{question_id}/resolve",
                               data={"note": "ปิด", "csrf_token": token}).status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert db.get(HandoffResolution, question_id) is not None


def test_a_forged_token_or_another_sessions_token_is_refused(app: Flask, officer_client: FlaskClient) -> None:
    add_officer(app, "admin.one", role="admin")
    admin = app.test_client()
    assert login(admin, "admin.one").status_code == 302
    theirs = token_on(officer_client, "/console/inbox")  # a valid token, of somebody else's session
    for token in ("forged", theirs, theirs[:-2] + "xx"):
        response = admin.post("/console/officers", data={"csrf_token": token, "username": "mallory.x",
                                                         "password": "correct horse battery 2", "role": "admin"})
        assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(Officer).where(Officer.username == "mallory.x")) is None


def test_the_session_names_the_officer_and_the_version(app: Flask, officer_client: FlaskClient) -> None:
    with app.extensions["iao"].sessions() as db:
        officer = db.scalars(select(Officer).where(Officer.username == "somchai")).one()
    with officer_client.session_transaction() as session:
        assert session["_user_id"] == f"{officer.id}:{officer.session_version}"  # Flask-Login's key


def test_logout_ends_every_session_of_the_officer(app: Flask, officer_client: FlaskClient) -> None:
    other_desk = app.test_client()
    assert login(other_desk).status_code == 302
    assert other_desk.get("/console/inbox").status_code == 200
    token = token_on(officer_client, "/console/inbox")
    assert officer_client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert officer_client.get("/console/inbox").status_code == 302
    assert other_desk.get("/console/inbox").status_code == 302  # the same officer at another desk, too
    assert login(other_desk).status_code == 302 and other_desk.get("/console/inbox").status_code == 200


def test_a_password_reset_or_a_disabled_account_ends_the_officers_sessions(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "admin.one", role="admin")
    target = add_officer(app, "somchai")
    assert login(client, "admin.one").status_code == 302
    desk = app.test_client()
    assert login(desk).status_code == 302 and desk.get("/console/inbox").status_code == 200
    token = token_on(client, "/console/officers")
    client.post(f"/console/officers/{target}", data={"csrf_token": token, "action": "password",
                                                     "password": "a new long passphrase"})
    assert desk.get("/console/inbox").status_code == 302
    assert login(desk, password=PASSWORD).status_code == 401
    assert login(desk, password="a new long passphrase").status_code == 302
    assert desk.get("/console/inbox").status_code == 200
    client.post(f"/console/officers/{target}", data={"csrf_token": token, "action": "disable"})
    assert desk.get("/console/inbox").status_code == 302
    assert desk.post("/console/inbox/1/resolve", data={"csrf_token": token_on(desk, "/console/login")}) \
        .status_code == 403
    assert client.get("/console/inbox").status_code == 200  # the admin's own session is untouched


def test_a_session_older_than_a_working_day_is_signed_out(app: Flask, officer_client: FlaskClient) -> None:
    assert officer_client.get("/console/inbox").status_code == 200
    with officer_client.session_transaction() as session:
        session["since"] = int(time.time()) - 12 * 3600 - 1
    response = officer_client.get("/console/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")


def test_overlong_login_fields_are_refused_like_a_wrong_password(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    response = login(client, username="somchai" + " " * 200)
    assert response.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    assert login(client, password=PASSWORD + "x" * 400).status_code == 401
