"""End to end: the English Club reminder goes out through the real line-bot-sdk to linesim (the tips send path,
retry key and quota), and the register button's signed postback webhook registers the user once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.line.messenger import LineMessenger
from handlers.clock import BANGKOK
from handlers.club import service
from handlers.club.models import ClubRegistration, ClubSession
from handlers.tips.models import Broadcast, SendAttempt
from handlers.tips.sending import SendPolicy, send_due
from linesim.client import SimClient
from tests.conftest import make_settings
from tests.linesim.conftest import TOKEN, Server, serve, servers, sim  # noqa: F401  (fixtures)
from tests.linesim.test_line_channel import texts_after

pytestmark = pytest.mark.e2e
LINK = "https://meet.example.org/english-club-friday"


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object],  # noqa: F811
            sim: SimClient) -> Iterator[Flask]:  # noqa: F811
    """The real bot with the SDK pointed at linesim, linesim's webhook pointed at it."""
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_channel_access_token=TOKEN),
                     messenger=LineMessenger(TOKEN, sim_url))
    server = serve(app)
    sim.config(webhook_url=server.url + "/callback")
    yield app
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def test_reminder_through_the_sdk_and_a_signed_postback_registers_once(bot_app: Flask,
                                                                        sim: SimClient) -> None:  # noqa: F811
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(uid, "เขต บางรัก")
    assert "บางรัก" in " ".join(texts_after(sim, uid, 0))
    seen = len(sim.messages(uid))
    sessions = bot_app.extensions["iao"].sessions
    now = dt.datetime.now(dt.UTC)
    day = (now + dt.timedelta(days=7)).astimezone(BANGKOK).date()
    with sessions.begin() as db:
        row = service.create_session(db, service.SessionInput(day.isoformat(), "ภาษาอังกฤษที่เคาน์เตอร์ทะเบียน",
                                                              LINK, "13:30", "45"), by="test")
        send_id = service.schedule_reminder(db, row, now + dt.timedelta(minutes=10), now=now).id
        session_id = row.id
    consumed = sim.state()["consumption"]

    report = send_due(sessions, bot_app.extensions["iao"].messenger, now=now + dt.timedelta(minutes=11),
                      policy=SendPolicy(backoff=0))
    assert report.sent == [send_id]
    deliveries = sim.messages(uid)[seen:]
    assert [d["via"] for d in deliveries] == ["broadcast"]
    reminder = deliveries[0]["messages"][0]
    assert service.date_th(day) in reminder["text"]
    items = reminder["quickReply"]["items"]
    action = items[0]["action"]
    assert action["type"] == "postback" and parse_qs(action["data"]) == {"action": ["club-register"],
                                                                          "s": [str(session_id)]}
    with sessions() as db:
        send = db.get(Broadcast, send_id)
        assert send is not None and send.status == "sent" and send.retry_key
        assert [a.retry_key for a in db.scalars(select(SendAttempt).where(SendAttempt.broadcast_id == send_id))] \
            == [send.retry_key]
        assert sim.state()["consumption"] == consumed + (send.messages_consumed or 0) > consumed

    seen = len(sim.messages(uid))
    sim.send_postback(uid, action["data"], display_text=action.get("displayText"))  # linesim signs the webhook
    confirmation = texts_after(sim, uid, seen)
    assert confirmation and "ลงทะเบียนเข้าร่วม English Club Friday แล้วค่ะ" in confirmation[0]
    assert f"{service.date_th(day)} เวลา 13.30 น." in confirmation[0] and LINK in confirmation[0]
    assert "สำนักงานเขตบางรัก" in confirmation[0]
    seen = len(sim.messages(uid))
    sim.send_postback(uid, action["data"])
    again = texts_after(sim, uid, seen)
    assert again and "ไว้แล้ว" in again[0] and LINK in again[0]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sessions() as db:
            registered = list(db.scalars(select(ClubRegistration).where(ClubRegistration.session_id == session_id)))
        if registered:
            break
        time.sleep(0.05)
    assert len(registered) == 1
    with sessions() as db:
        assert db.get(ClubSession, session_id).reminder_broadcast_id == send_id  # type: ignore[union-attr]
    # the confirmations went by the free reply API: only the reminder cost quota
    assert [d["via"] for d in sim.messages(uid)[-2:]] == ["reply", "reply"]
