"""Issue 11's 429 bug: LINE refusing a push with "You have reached your monthly limit." is quota exhausted.

Through the real SDK and linesim (fault injection): the reason LINE gives survives the one error mapper, the tip
is held (not retried every 15 minutes as a rate limit), and officers are told, on the tips page and in the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from bot.line.messenger import LineMessenger
from handlers.chat.replies import Message
from handlers.clock import bangkok_day, utcnow
from handlers.inbox import service as inbox
from handlers.inbox.service import HandoffAnswer, HandoffResolution
from handlers.models import District, Interaction, LineUser
from handlers.ports import QUOTA_EXHAUSTED_TH, DeliveryError
from handlers.tips.models import Broadcast, Notice, SendAttempt
from handlers.tips.schedule import create_tip, schedule
from handlers.tips.sending import SendPolicy, send_due
from tests.broadcast.conftest import TOKEN, Db, Sim
from tests.conftest import make_settings
from tests.console.conftest import add_officer, login

PUSH = "/v2/bot/message/push"
MONTHLY_LIMIT = {"message": "You have reached your monthly limit."}
FAST = SendPolicy(backoff=0.01)


@pytest.fixture
def console(db: Db, sim: Sim, line: LineMessenger) -> Iterator[FlaskClient]:
    """The console on the same database, its LINE client on the simulator, signed in as an officer."""
    app: Flask = create_app(make_settings(db.url, line_api_base_url=sim.url, line_channel_access_token=TOKEN),
                            messenger=line)
    add_officer(app)
    client = app.test_client()
    assert login(client).status_code == 302
    yield client
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def _one_representative(db: Db, sim: Sim) -> str:
    """A single district representative, so a tip for the districts goes out as one push."""
    user = sim.client.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    with db.sessions.begin() as session:
        district = session.scalars(select(District.id).order_by(District.id)).first()
        session.add(LineUser(line_user_id=user, district_id=district, is_follower=True,
                             district_registered_at=utcnow() - dt.timedelta(days=3)))
    return user


def test_the_mapper_keeps_lines_reason_and_tells_quota_from_rate_limit(sim: Sim, line: LineMessenger) -> None:
    user = sim.client.add_user("staff", follow=True)["userId"]
    sim.client.set_fault(PUSH, status=429, body=MONTHLY_LIMIT)
    sim.client.set_fault(PUSH, status=429, body={"message": "The API rate limit has been exceeded. Try again later."})
    sim.client.set_fault(PUSH, status=400, body={"message": "The request body has 1 error(s)",
                                                 "details": [{"message": "May not be empty", "property": "to"}]})
    outcomes = []
    for n in range(3):
        with pytest.raises(DeliveryError) as caught:
            line.push(user, [Message("ทดสอบ")], f"00000000-0000-4000-8000-00000000000{n}")
        outcomes.append((caught.value.outcome, caught.value.status, caught.value.retryable, caught.value.reason))
    assert outcomes == [
        ("quota_exhausted", 429, False, "You have reached your monthly limit."),
        ("rate_limited", 429, True, "The API rate limit has been exceeded. Try again later."),
        ("rejected", 400, False, "The request body has 1 error(s)"),
    ]
    assert caught.value.details == ("to: May not be empty",)


def test_a_pushed_tip_refused_for_the_monthly_limit_is_held_and_officers_are_told(
        db: Db, sim: Sim, line: LineMessenger, console: FlaskClient) -> None:
    user = _one_representative(db, sim)
    with db.sessions.begin() as session:
        tip = create_tip(session, "เกร็ด: แจ้ง ตม.30 ภายใน 24 ชั่วโมง", audience="districts")
        send_id = schedule(session, [tip], utcnow() - dt.timedelta(minutes=1), audience="districts").id
    sim.client.set_fault(PUSH, status=429, body=MONTHLY_LIMIT)  # LINE's count is ahead of its quota figure

    report = send_due(db.sessions, line, policy=FAST)
    assert report.held == [send_id] and report.later == []  # before the fix: later (a rate limit)
    assert [r["status"] for r in sim.client.requests(path=PUSH)] == [429]
    with db.sessions() as session:
        row = session.get_one(Broadcast, send_id)
        attempts = list(session.scalars(select(SendAttempt.outcome)))
        notices = list(session.scalars(select(Notice)))
    assert row.status == "held_for_quota" and row.method == "push"
    assert attempts == ["quota"]
    assert QUOTA_EXHAUSTED_TH in (row.reason or "") and "monthly limit" in (row.reason or "")
    [notice] = notices
    assert notice.kind == "held_for_quota" and QUOTA_EXHAUSTED_TH in notice.text

    # a rate limit would come back in 15 minutes; a used-up quota is not tried again then
    later = send_due(db.sessions, line, now=utcnow() + dt.timedelta(minutes=16), policy=FAST)
    assert later.sent == [] and len(sim.client.requests(path=PUSH)) == 1

    page = console.get("/console/tips").get_data(as_text=True)
    assert QUOTA_EXHAUSTED_TH in page and "You have reached your monthly limit." in page
    assert sim.client.messages(user) == []


def test_an_officer_answer_refused_for_the_monthly_limit_goes_back_to_the_inbox_at_once(
        db: Db, sim: Sim, line: LineMessenger, console: FlaskClient) -> None:
    user = sim.client.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    now = utcnow()
    with db.sessions.begin() as session:
        asker = LineUser(line_user_id=user, is_follower=True)
        session.add(asker)
        session.flush()
        question = Interaction(occurred_at=now, bkk_day=bangkok_day(now), user_id=asker.id, direction="in",
                               kind="text", text="ชาวต่างชาติขอใบขับขี่สากลที่เขตได้ไหม", handoff=True)
        session.add(question)
        session.flush()
        question_id = question.id
    officer_id = 1
    sim.client.set_fault(PUSH, status=429, body=MONTHLY_LIMIT)

    answer = inbox.answer_question(db.sessions, line, question_id=question_id, officer_id=officer_id,
                                   text="ติดต่อกรมการขนส่งทางบก 1584", mode="push")
    assert answer.status == "undelivered" and answer.attempts == 1  # not 10 tries over 8.5 hours
    assert QUOTA_EXHAUSTED_TH in (answer.error or "") and "monthly limit" in (answer.error or "")
    with db.sessions() as session:
        assert session.get(HandoffResolution, question_id) is None  # back in the inbox
        assert session.scalars(select(HandoffAnswer.status)).all() == ["undelivered"]
    assert inbox.retry_due_answers(db.sessions, line, now=utcnow() + dt.timedelta(days=1)) == 0

    page = console.get("/console/inbox").get_data(as_text=True)
    assert f"/console/inbox/{question_id}" in page and "ส่งไม่ถึงผู้ใช้" in page
