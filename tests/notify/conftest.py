"""A real SMTP server (aiosmtpd) on loopback, and an app that sends its hand-off notices to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from handlers.models import Interaction
from handlers.notify.service import NoticeConfig, NoticeReport, send_due_notices
from handlers.notify.smtp import SmtpConfig
from handlers.officers import create_officer, set_notice_contact
from tests.conftest import Line, make_settings
from tests.fakes import FakeMessenger, postback_event, text_event
from tests.smtpd import SmtpServer, smtp_server_running

MAIL_FROM = "@IAO <iao-noreply@bangkok.go.th>"
CONSOLE_URL = "https://iao.example.go.th"
PASSWORD = "correct horse battery"
BKK = dt.timezone(dt.timedelta(hours=7))
# A Tuesday, in and out of IAO office hours (08.30–16.30 Bangkok time).
TUESDAY_10 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BKK)
TUESDAY_20 = dt.datetime(2026, 12, 1, 20, 0, tzinfo=BKK)
WEDNESDAY_0831 = dt.datetime(2026, 12, 2, 8, 31, tzinfo=BKK)
QUESTIONS = (  # nothing in the small test knowledge base answers these: each is handed to an officer
    "ชาวต่างชาติขอใบอนุญาตขับขี่สากลที่เขตได้ไหม",
    "ถามเจ้าหน้าที่ เรื่องชาวต่างชาติขอเปลี่ยนชื่อสกุลตามสามีต้องใช้เอกสารอะไร",
    "ถามเจ้าหน้าที่ เรื่องชาวต่างชาติขอหนังสือรับรองถิ่นที่อยู่จากเขตได้หรือไม่",
    "ถามเจ้าหน้าที่ เรื่องคนต่างด้าวขอเลขบ้านใหม่ต้องทำอย่างไร",
)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd listening on 127.0.0.1 for the duration of one test."""
    with smtp_server_running() as server:
        yield server


def smtp_config(server: SmtpServer) -> SmtpConfig:
    """A plain loopback connection to the test server."""
    return SmtpConfig(host=server.host, port=server.port, security="none", timeout=10)


@pytest.fixture
def notice_config() -> NoticeConfig:
    return NoticeConfig(mail_from=MAIL_FROM, console_url=CONSOLE_URL)


@pytest.fixture
def app(database_url: str, messenger: FakeMessenger, smtp_server: SmtpServer) -> Iterator[Flask]:
    """The app with notices on, pointed at the loopback SMTP server."""
    settings = make_settings(database_url, smtp=smtp_config(smtp_server), mail_from=MAIL_FROM,
                             console_base_url=CONSOLE_URL)
    application = create_app(settings, messenger=messenger)
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


def add_officer(app: Flask, username: str, *, email: str | None = None, on_duty: bool = False,
                role: str = "officer", active: bool = True) -> int:
    """An account with its notice address and duty flag, as the console or `officer set` would set them."""
    with app.extensions["iao"].sessions.begin() as session:
        officer = create_officer(session, username, PASSWORD, role=role)
        if email or on_duty:
            set_notice_contact(session, None, officer.id, email=email, on_duty=on_duty, via="test")
        officer.active = active
        return officer.id


def ms(moment: dt.datetime) -> int:
    """A LINE event timestamp."""
    return int(moment.timestamp() * 1000)


def hand_off(app: Flask, line: Line, user: str, text: str, at: dt.datetime) -> int:
    """A district user's question at `at` that the bot hands over (tapping "ถามเจ้าหน้าที่" if it answered)."""
    assert line.post(text_event(user, text, timestamp_ms=ms(at))) == 200
    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.text == text, Interaction.direction == "in")
                              .order_by(Interaction.id.desc())).first()
        assert row is not None
        question_id, handed = row.id, row.handoff
    if not handed:
        assert line.post(postback_event(user, f"action=officer&q={question_id}",
                                        timestamp_ms=ms(at + dt.timedelta(seconds=5)))) == 200
    with sessions() as session:
        assert session.get_one(Interaction, question_id).handoff
    return question_id


def tick(app: Flask, config: NoticeConfig, now: dt.datetime) -> NoticeReport:
    """One run of the minute job at a fixed clock."""
    services = app.extensions["iao"]
    return send_due_notices(services.sessions, services.mailer, config, now=now)


def body(message: EmailMessage) -> str:
    """The decoded plain-text body."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())

