"""Officers' notice address and duty in the console and the CLI; the inbox says who was told; settings."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import ConfigError, Settings, create_app
from handlers.officers import Officer
from tests.conftest import Line, make_settings
from tests.console.conftest import login, token_on
from tests.fakes import FakeMessenger
from tests.notify.conftest import PASSWORD, QUESTIONS, TUESDAY_10, NoticeConfig, SmtpServer, add_officer, hand_off, tick

ASKER = "U" + "5" * 32


def _officer(app: Flask, username: str) -> Officer:
    with app.extensions["iao"].sessions() as session:
        officer = session.scalars(select(Officer).where(Officer.username == username)).one()
        session.expunge(officer)
        return officer


def test_an_admin_sets_an_officers_address_and_duty_in_the_console(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "admin.one", role="admin")
    target = add_officer(app, "somchai")
    assert login(client, "admin.one", PASSWORD).status_code == 302
    page = client.get("/console/officers").get_data(as_text=True)
    assert 'id="notice-somchai"' in page and "SMTP_HOST" not in page  # notices are on in this app
    token = token_on(client, "/console/officers")

    def post(**form: str) -> str:
        response = client.post(f"/console/officers/{target}", data={"csrf_token": token, "action": "notice", **form},
                               follow_redirects=True)
        return response.get_data(as_text=True)

    assert "อีเมลไม่ถูกต้อง" in post(email="somchai at bangkok", on_duty="1")
    assert "เจ้าหน้าที่เวรต้องมีอีเมล" in post(email="", on_duty="1")
    assert not _officer(app, "somchai").on_duty
    assert "บันทึกแล้ว" in post(email="Somchai@IAO.Example.go.th", on_duty="1")
    officer = _officer(app, "somchai")
    assert (officer.email, officer.on_duty) == ("Somchai@iao.example.go.th", True)
    assert "อยู่เวร" in client.get("/console/officers").get_data(as_text=True)
    post(email="Somchai@iao.example.go.th")  # the box unticked: off duty, address kept
    officer = _officer(app, "somchai")
    assert (officer.email, officer.on_duty) == ("Somchai@iao.example.go.th", False)
    somchai_page = client.get("/console/audit").get_data(as_text=True)
    assert "officer-notice" in somchai_page


def test_an_officer_cannot_set_notices_for_others(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "somchai")
    other = add_officer(app, "malee")
    assert login(client, "somchai", PASSWORD).status_code == 302
    token = token_on(client, "/console/inbox")
    response = client.post(f"/console/officers/{other}", data={"csrf_token": token, "action": "notice",
                                                               "email": "x@iao.example.go.th", "on_duty": "1"})
    assert response.status_code == 403 and not _officer(app, "malee").on_duty


def test_the_inbox_shows_who_was_told_and_when(app: Flask, line: Line, client: FlaskClient,
                                               smtp_server: SmtpServer, notice_config: NoticeConfig) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th", on_duty=True)
    add_officer(app, "malee", email="malee@iao.example.go.th", on_duty=True)
    told = hand_off(app, line, ASKER, QUESTIONS[0], TUESDAY_10)
    assert login(client, "somchai", PASSWORD).status_code == 302
    page = client.get("/console/inbox").get_data(as_text=True)
    assert f'id="told-{told}"' in page and "ยังไม่ได้แจ้งเจ้าหน้าที่เวร" in page
    assert "แจ้งเจ้าหน้าที่เวร 2 ท่านทางอีเมล" in page
    assert tick(app, notice_config, TUESDAY_10 + dt.timedelta(minutes=1)).sent == 2
    page = client.get("/console/inbox").get_data(as_text=True)
    stamp = r"\(\d\d/\d\d/\d{4} \d\d:\d\d\)"  # when the server took the mail, Bangkok time
    assert re.search(f"แจ้งแล้ว: somchai {stamp}", page) and re.search(f"แจ้งแล้ว: malee {stamp}", page)
    assert "ยังไม่ได้แจ้งเจ้าหน้าที่เวร" not in page
    question = client.get(f"/console/inbox/{told}").get_data(as_text=True)
    assert re.search(f"แจ้งแล้ว: somchai {stamp}", question)


def test_the_console_says_when_notices_are_off(database_url: str, messenger: FakeMessenger, kb_dir: Path) -> None:
    app = create_app(make_settings(database_url, knowledge_dir=kb_dir), messenger=messenger)
    try:
        add_officer(app, "admin.one", role="admin")
        client = app.test_client()
        assert login(client, "admin.one", PASSWORD).status_code == 302
        for path in ("/console/inbox", "/console/officers"):
            page = client.get(path).get_data(as_text=True)
            assert "การแจ้งเตือน" in page and "ปิดอยู่" in page and "SMTP_HOST" in page, path
        result = app.test_cli_runner().invoke(args=["notify", "send-due"])
        assert result.exit_code != 0 and "SMTP_HOST" in result.output
    finally:
        app.extensions["iao_worker"].stop()
        app.extensions["iao"].engine.dispose()


@pytest.fixture
def kb_dir() -> Path:
    from tests.conftest import SMALL_KB

    return SMALL_KB


def test_officer_commands_set_list_and_send(app: Flask, line: Line, smtp_server: SmtpServer) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-officer", "somchai", "--password-stdin", "--email", "somchai@iao.example.go.th",
                               "--on-duty"], input="a long officer password\n")
    assert made.exit_code == 0, made.output
    add_officer(app, "malee")
    refused = runner.invoke(args=["officer", "set", "malee", "--on-duty"])
    assert refused.exit_code != 0 and "ต้องมีอีเมล" in refused.output
    ok = runner.invoke(args=["officer", "set", "malee", "--email", "malee@iao.example.go.th", "--on-duty"])
    assert ok.exit_code == 0 and "malee: on duty, e-mail malee@iao.example.go.th" in ok.output
    listed = json.loads(runner.invoke(args=["officer", "list", "--json"]).output)
    assert [(r["username"], r["on_duty"]) for r in listed] == [("malee", True), ("somchai", True)]
    off = runner.invoke(args=["officer", "set", "malee", "--no-email"])
    assert off.exit_code == 0 and "malee: off duty, e-mail -" in off.output

    hand_off(app, line, ASKER, QUESTIONS[0], dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    sent = runner.invoke(args=["notify", "send-due", "--json"])
    assert sent.exit_code == 0, sent.output
    report = json.loads(sent.output)
    from handlers.chat.office_hours import is_open

    if is_open(dt.datetime.now(dt.UTC)):  # the command runs on the real clock
        assert report["sent"] == 1 and len(smtp_server.sink.to("somchai@iao.example.go.th")) == 1
    else:
        assert report["sent"] == 0 and report["held"] == 1 and smtp_server.sink.received == []


BASE = {"IAO_ENV": "development"}


def test_notices_are_off_without_smtp_host() -> None:
    settings = Settings.from_env(BASE)
    assert settings.smtp is None and settings.notices is None


def test_smtp_settings_are_read_with_their_defaults() -> None:
    settings = Settings.from_env({**BASE, "SMTP_HOST": "smtp.bangkok.go.th", "MAIL_FROM": "@IAO <iao@bangkok.go.th>",
                                  "CONSOLE_BASE_URL": "https://iao.bangkok.go.th/", "SMTP_USERNAME": "iao",
                                  "SMTP_PASSWORD": "s3cret"})
    assert settings.smtp is not None
    assert (settings.smtp.port, settings.smtp.security, settings.smtp.username) == (587, "starttls", "iao")
    assert settings.notices == NoticeConfig(mail_from="@IAO <iao@bangkok.go.th>",
                                            console_url="https://iao.bangkok.go.th")
    implicit = Settings.from_env({**BASE, "SMTP_HOST": "h", "SMTP_SECURITY": "ssl", "MAIL_FROM": "iao@bangkok.go.th",
                                  "CONSOLE_BASE_URL": "https://iao.bangkok.go.th"})
    assert implicit.smtp is not None and implicit.smtp.port == 465


@pytest.mark.parametrize(("extra", "named"), [
    ({}, "MAIL_FROM"),
    ({"MAIL_FROM": "iao@bangkok.go.th"}, "CONSOLE_BASE_URL"),
    ({"MAIL_FROM": "not an address", "CONSOLE_BASE_URL": "https://x.go.th"}, "MAIL_FROM"),
    ({"MAIL_FROM": "iao@bangkok.go.th", "CONSOLE_BASE_URL": "x.go.th"}, "CONSOLE_BASE_URL"),
    ({"MAIL_FROM": "iao@bangkok.go.th", "CONSOLE_BASE_URL": "https://x.go.th", "SMTP_PORT": "0"}, "SMTP_PORT"),
    ({"MAIL_FROM": "iao@bangkok.go.th", "CONSOLE_BASE_URL": "https://x.go.th", "SMTP_SECURITY": "tls"},
     "SMTP_SECURITY"),
    ({"MAIL_FROM": "iao@bangkok.go.th", "CONSOLE_BASE_URL": "https://x.go.th", "SMTP_USERNAME": "iao"},
     "SMTP_PASSWORD"),
])
def test_a_missing_or_bad_mail_setting_is_named(extra: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env({**BASE, "SMTP_HOST": "smtp.bangkok.go.th", **extra})


def test_an_officer_goes_on_and_off_duty_from_the_inbox(app: Flask, client: FlaskClient) -> None:
    add_officer(app, "somchai", email="somchai@iao.example.go.th")
    add_officer(app, "noaddress")
    assert login(client, "somchai", PASSWORD).status_code == 302
    page = client.get("/console/inbox").get_data(as_text=True)
    assert "ท่านไม่ได้อยู่เวร" in page and "ยังไม่มีเจ้าหน้าที่เวรที่มีอีเมล" in page
    token = token_on(client, "/console/inbox")
    on = client.post("/console/me/duty", data={"csrf_token": token, "on_duty": "1"}, follow_redirects=True)
    assert "ท่านอยู่เวรแล้ว" in on.get_data(as_text=True) and _officer(app, "somchai").on_duty
    assert "แจ้งเจ้าหน้าที่เวร 1 ท่านทางอีเมล" in on.get_data(as_text=True)
    off = client.post("/console/me/duty", data={"csrf_token": token, "on_duty": "0"}, follow_redirects=True)
    assert "ออกจากเวรแล้ว" in off.get_data(as_text=True) and not _officer(app, "somchai").on_duty
    assert client.post("/console/me/duty", data={"on_duty": "1"}).status_code in (400, 403)  # no CSRF token
    client.post("/console/logout", data={"csrf_token": token})
    assert login(client, "noaddress", PASSWORD).status_code == 302
    token = token_on(client, "/console/inbox")
    refused = client.post("/console/me/duty", data={"csrf_token": token, "on_duty": "1"}, follow_redirects=True)
    assert "ต้องมีอีเมล" in refused.get_data(as_text=True) and not _officer(app, "noaddress").on_duty
