"""Finding #11: the login limiter sees the real client behind the configured proxy; weak passwords are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import ConfigError, Settings, create_app
from bot.rate_limits import LOGIN_ATTEMPTS_PER_IP
from handlers.officers import AccountError, AuditLog, check_password_rules
from tests.conftest import make_settings
from tests.console.conftest import PASSWORD, add_officer, csrf_of, login, token_on
from tests.fakes import FakeMessenger

ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def proxied_app(database_url: str, kb_dir: Path) -> Iterator[Flask]:
    """The app as deployed behind one HTTPS reverse proxy (PROXY_FIX_X_FOR=1)."""
    application = create_app(make_settings(database_url, knowledge_dir=kb_dir, proxy_fix_x_for=1),
                             messenger=FakeMessenger())
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


def _hammer(client: FlaskClient, forwarded_for: str | None, times: int) -> list[int]:
    statuses = []
    for i in range(times):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        token = csrf_of(client)
        statuses.append(client.post("/console/login", headers=headers, data={
            "username": "nobody", "password": f"wrong-password-{i}", "csrf_token": token}).status_code)
    return statuses


def test_behind_the_proxy_one_attacker_does_not_lock_out_the_office(proxied_app: Flask) -> None:
    add_officer(proxied_app)
    attacker = proxied_app.test_client()
    assert _hammer(attacker, ATTACKER, LOGIN_ATTEMPTS_PER_IP + 1)[-1] == 429
    officer = proxied_app.test_client()
    token = csrf_of(officer)
    response = officer.post("/console/login", headers={"X-Forwarded-For": OFFICE}, data={
        "username": "somchai", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    with proxied_app.extensions["iao"].sessions() as db:
        addresses = set(db.scalars(select(AuditLog.remote_addr)))
    assert addresses == {ATTACKER, OFFICE}  # the audit log names the real clients, not the proxy


def test_without_a_configured_proxy_a_forged_header_is_ignored(app: Flask, client: FlaskClient) -> None:
    statuses = [s for i in range(LOGIN_ATTEMPTS_PER_IP + 1) for s in _hammer(client, f"192.0.2.{i}", 1)]
    assert statuses[-1] == 429  # rotating X-Forwarded-For does not dodge the limit


def test_the_proxy_setting_is_read_from_the_environment() -> None:
    env = {"IAO_ENV": "test", "PROXY_FIX_X_FOR": "1"}
    assert Settings.from_env(env).proxy_fix_x_for == 1
    assert Settings.from_env({"IAO_ENV": "test"}).proxy_fix_x_for == 0
    with pytest.raises(ConfigError, match="PROXY_FIX_X_FOR"):
        Settings.from_env({"IAO_ENV": "test", "PROXY_FIX_X_FOR": "many"})


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "password12", "aaaaaaaaaaaaaaaa", "password1234",
                                      "Password123456!", "123456789012", "qwertyuiop1234", "somchai12345678",
                                      "iloveyou12345", "abcabcabcabc"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(AccountError):
        check_password_rules(password, username="somchai")


@pytest.mark.parametrize("password", ["correct horse battery", "ส้มตำไม่ใส่ปูปลาร้า", "Kh0n-Kaen-r1ver-night"])
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    check_password_rules(password, username="somchai")


def test_create_officer_refuses_the_username_as_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["create-officer", "nida.kanda", "--password-stdin"],
                                          input="nida.kanda\n")
    assert result.exit_code != 0
    result = app.test_cli_runner().invoke(args=["create-officer", "nida.kanda", "--password-stdin"],
                                          input="nida.kanda-2026!\n")
    assert result.exit_code != 0 and "ชื่อผู้ใช้" in result.output


def test_the_admin_password_reset_form_applies_the_policy(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "admin.one", role="admin")
    target = add_officer(app, "somchai")
    assert login(client, "admin.one").status_code == 302
    token = token_on(client, "/console/officers")
    client.post(f"/console/officers/{target}", data={"csrf_token": token, "action": "password",
                                                     "password": "password1234"})
    client.post("/console/officers", data={"csrf_token": token, "username": "weak.one", "role": "officer",
                                           "password": "aaaaaaaaaaaa"})
    assert login(app.test_client(), "somchai").status_code == 302  # the old password still works
    assert login(app.test_client(), "weak.one", "aaaaaaaaaaaa").status_code == 401
