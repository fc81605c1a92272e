"""Findings #5, #6 and #17: an officer's answer reaches the user whole and once, or officers are told."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from handlers.inbox import service as inbox
from handlers.inbox.service import HandoffAnswer
from handlers.models import Interaction
from handlers.ports import DeliveryError
from tests.conftest import Line
from tests.console.conftest import ASKER, hand_off, token_on
from tests.fakes import FakeMessenger, text_event, utf16_units

ANSWER_A = ("ก" * 2990) + " ตอบเรื่องแรก"  # ~3,000 characters each, as in the probe
ANSWER_B = ("ข" * 2990) + " ตอบเรื่องสอง"


def _answer(client: FlaskClient, question_id: int, text: str, mode: str, **extra: str) -> None:
    token = token_on(client, f"/console/inbox/{question_id}")
    client.post(f"/console/inbox/{question_id}/answer", data={"csrf_token": token, "mode": mode, "text": text,
                                                             **extra})


def _statuses(app: Flask) -> list[str]:
    with app.extensions["iao"].sessions() as db:
        return list(db.scalars(select(HandoffAnswer.status).order_by(HandoffAnswer.id)))


def _officer_texts(messenger: FakeMessenger) -> str:
    return "\n".join(m.text for _, ms in messenger.replies for m in ms if m.text.startswith(inbox.ANSWER_HEADING))


def test_two_long_held_answers_arrive_whole_in_separate_messages(app: Flask, officer_client: FlaskClient,
                                                                 line: Line, messenger: FakeMessenger) -> None:
    first, second = hand_off(app, line), hand_off(app, line, text="ขอถามอีกเรื่องที่ระบบตอบไม่ได้ค่ะ")
    _answer(officer_client, first, ANSWER_A, "held")
    _answer(officer_client, second, ANSWER_B, "held")
    messenger.replies.clear()
    nudge = text_event(ASKER, "สวัสดีค่ะ")
    assert line.post(nudge) == 200
    assert messenger.refused == [], "LINE refused the reply"
    [(_, sent)] = messenger.replies
    assert 2 < len(sent) <= 5 and all(utf16_units(m.text) <= 5000 for m in sent)
    delivered = _officer_texts(messenger)
    assert ANSWER_A in delivered and ANSWER_B in delivered  # split, never cut
    assert _statuses(app) == ["delivered", "delivered"]


def test_held_answers_refused_by_line_are_not_marked_delivered(app: Flask, officer_client: FlaskClient,
                                                               line: Line, messenger: FakeMessenger) -> None:
    _answer(officer_client, hand_off(app, line), "ติดต่อกรมการขนส่งทางบก 1584", "held")
    for _ in range(4):  # three reply tries and the push fallback all fail
        messenger.fail_next.append(DeliveryError("LINE failed with HTTP 400", status=400))
    line.post(text_event(ASKER, "สวัสดีค่ะ"))
    assert _statuses(app) == ["held"]  # still waiting for the next free reply
    messenger.fail_next.clear()
    nudge = text_event(ASKER, "ขอบคุณค่ะ")
    line.post(nudge)
    assert "1584" in "".join(line.replies(nudge)) and _statuses(app) == ["delivered"]


def test_a_held_answer_is_not_pushed_by_the_lost_reply_sweep(app: Flask, officer_client: FlaskClient,
                                                             line: Line, messenger: FakeMessenger) -> None:
    _answer(officer_client, hand_off(app, line), "ติดต่อกรมการขนส่งทางบก 1584", "held")
    with app.extensions["iao"].sessions.begin() as db:  # the answer has waited for the user for an hour
        db.execute(update(Interaction).where(Interaction.answered_by == "officer").values(
            occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    app.extensions["iao_worker"].sweep()
    assert messenger.pushes == [] and _statuses(app) == ["held"]


def _age_answers(app: Flask, by: dt.timedelta) -> None:
    with app.extensions["iao"].sessions.begin() as db:
        for answer in db.scalars(select(HandoffAnswer)):
            answer.created_at -= by


def test_a_failed_push_is_retried_with_backoff_until_delivered(app: Flask, officer_client: FlaskClient,
                                                               line: Line, messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    for _ in range(4):  # LINE fails for a while (the probe's ~1.3 s, four calls)
        messenger.fail_next.append(DeliveryError("LINE push failed with HTTP 503", status=503, retryable=True))
    _answer(officer_client, question_id, "คำตอบจากเจ้าหน้าที่", "push")
    assert _statuses(app) == ["failed"]
    worker = app.extensions["iao_worker"]
    worker.sweep()  # not due yet: nothing is tried
    assert len(messenger.fail_next) == 3
    for _ in range(4):
        _age_answers(app, dt.timedelta(hours=1))
        worker.sweep()
    assert _statuses(app) == ["sent"]
    [(to, _, key)] = messenger.pushes
    with app.extensions["iao"].sessions() as db:
        assert to == ASKER and db.scalars(select(HandoffAnswer)).one().retry_key == key


def test_after_the_last_try_officers_see_the_answer_as_undelivered(app: Flask, officer_client: FlaskClient,
                                                                   line: Line, messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    messenger.fail_next.extend(DeliveryError("LINE push failed with HTTP 500", status=500, retryable=True)
                               for _ in range(inbox.PUSH_ATTEMPTS + 3))
    _answer(officer_client, question_id, "คำตอบที่ส่งไม่ถึง", "push")
    worker = app.extensions["iao_worker"]
    for _ in range(inbox.PUSH_ATTEMPTS + 2):
        _age_answers(app, dt.timedelta(days=1))
        worker.sweep()
    assert _statuses(app) == ["undelivered"] and messenger.pushes == []
    with app.extensions["iao"].sessions() as db:
        assert db.scalars(select(HandoffAnswer)).one().attempts == inbox.PUSH_ATTEMPTS
    page = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "ส่งไม่ถึงผู้ใช้" in page and f"/console/inbox/{question_id}" in page.split("<h2>คำตอบล่าสุด")[0]


def test_answering_a_closed_question_three_times_pushes_once(app: Flask, officer_client: FlaskClient,
                                                             line: Line, messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    for _ in range(3):
        _answer(officer_client, question_id, "คำตอบเดิม", "push")
    assert len(messenger.pushes) == 1
    page = officer_client.get(f"/console/inbox/{question_id}").get_data(as_text=True)
    assert "ตอบแล้ว" in page or "ปิดแล้ว" in page
    _answer(officer_client, question_id, "คำตอบเพิ่มเติม", "push", again="1")  # an explicit choice
    assert len(messenger.pushes) == 2
