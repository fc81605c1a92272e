"""The inbox: a handed-off question appears, and an officer's answer reaches the user by push or by reply."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.inbox.service import HandoffAnswer, HandoffResolution, pending_answers_for
from handlers.models import Interaction, LineUser
from handlers.officers import AuditLog
from handlers.ports import DeliveryError
from tests.conftest import Line
from tests.console.conftest import ASKER, HANDED_OFF, hand_off, token_on
from tests.fakes import FakeMessenger, postback_event, text_event


def test_handed_off_question_is_listed_with_user_and_waiting_time(app: Flask, officer_client: FlaskClient,
                                                                  line: Line) -> None:
    question_id = hand_off(app, line)
    page = officer_client.get("/console/inbox").get_data(as_text=True)
    assert HANDED_OFF in page
    assert "รอ " in page and "นาที" in page
    assert f"/console/inbox/{question_id}" in page
    detail = officer_client.get(f"/console/inbox/{question_id}").get_data(as_text=True)
    assert HANDED_OFF in detail and "ส่งทันที" in detail
    expected = "เหลือ 300" if hasattr(app.extensions["iao"].messenger, "quota") else "เหลือ ไม่ทราบ"
    assert expected in detail  # this month's push quota, as the messenger reports it


def test_officer_answer_is_pushed_with_a_retry_key_and_logged(app: Flask, officer_client: FlaskClient, line: Line,
                                                              messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    token = token_on(officer_client, f"/console/inbox/{question_id}")
    response = officer_client.post(f"/console/inbox/{question_id}/answer", data={
        "csrf_token": token, "mode": "push", "text": "ใบขับขี่สากลออกโดยกรมการขนส่งทางบก ไม่ใช่สำนักงานเขตค่ะ"})
    assert response.status_code == 302
    assert len(messenger.pushes) == 1
    to, messages, retry_key = messenger.pushes[0]
    assert to == ASKER and "กรมการขนส่งทางบก" in messages[0].text
    assert len(retry_key) == 36  # a UUID, as LINE requires
    with app.extensions["iao"].sessions() as db:
        answer = db.scalars(select(HandoffAnswer)).one()
        assert answer.status == "sent" and answer.retry_key == retry_key
        out = db.get_one(Interaction, answer.interaction_id)
        assert (out.direction, out.answered_by, out.in_reply_to_id, out.delivery) == ("out", "officer", question_id,
                                                                                      "sent")
        assert db.get(HandoffResolution, question_id) is not None
        assert db.scalars(select(AuditLog.target).where(AuditLog.action == "answer")).all() == [
            f"question:{question_id}"]
    assert HANDED_OFF not in officer_client.get("/console/inbox").get_data(as_text=True).split("คำตอบล่าสุด")[0]


def test_failed_push_keeps_its_key_and_a_retry_reuses_it(app: Flask, officer_client: FlaskClient, line: Line,
                                                         messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    token = token_on(officer_client, "/console/inbox")
    messenger.fail_next.append(DeliveryError("LINE push failed with HTTP 500", status=500, retryable=True))
    officer_client.post(f"/console/inbox/{question_id}/answer", data={"csrf_token": token, "mode": "push",
                                                                      "text": "คำตอบ"})
    assert messenger.pushes == []
    with app.extensions["iao"].sessions() as db:
        answer = db.scalars(select(HandoffAnswer)).one()
        assert answer.status == "failed" and answer.retry_key
        key, answer_id = answer.retry_key, answer.id
    assert "ส่งไม่สำเร็จ" in officer_client.get("/console/inbox").get_data(as_text=True)
    officer_client.post(f"/console/answers/{answer_id}/retry", data={"csrf_token": token})
    assert [k for _, _, k in messenger.pushes] == [key]
    with app.extensions["iao"].sessions() as db:
        assert db.get_one(HandoffAnswer, answer_id).status == "sent"


def test_held_answer_goes_out_free_with_the_next_reply(app: Flask, officer_client: FlaskClient, line: Line,
                                                       messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/answer", data={"csrf_token": token, "mode": "held",
                                                                      "text": "ติดต่อกรมการขนส่งทางบก 1584"})
    assert messenger.pushes == []
    sessions = app.extensions["iao"].sessions
    with sessions.begin() as db:
        user = db.scalars(select(LineUser).where(LineUser.line_user_id == ASKER)).one()
        messages, line_ids = pending_answers_for(db, user)
        assert len(messages) == 1 and "1584" in messages[0].text and "เจ้าหน้าที่" in messages[0].text
        assert pending_answers_for(db, user) == ([], ())  # handed to one reply only
        db.rollback()  # that reply was never sent: the answer is still held
    nudge = text_event(ASKER, "สวัสดีค่ะ")
    line.post(nudge)
    assert any("1584" in text for text in line.replies(nudge))
    with sessions() as db:
        answer = db.scalars(select(HandoffAnswer)).one()
        assert answer.status == "delivered" and answer.delivered_at is not None
        out = db.get_one(Interaction, answer.interaction_id)
        assert (out.answered_by, out.in_reply_to_id, out.delivery) == ("officer", question_id, "sent")
    assert pending_answers_for(sessions(), None) == ([], ())


def test_ask_officer_postback_and_resolve_without_answer(app: Flask, officer_client: FlaskClient,
                                                         line: Line) -> None:
    assert line.post(text_event(ASKER, "ขอคุยกับเจ้าหน้าที่เรื่องเอกสารแปล")) == 200
    assert line.post(postback_event(ASKER, "action=officer")) == 200
    page = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "ถามเจ้าหน้าที่" in page and "เอกสารแปล" in page  # the bare request shows what the user typed before
    with app.extensions["iao"].sessions() as db:
        question_id = db.scalars(select(Interaction.id).where(Interaction.handoff.is_(True))).all()[-1]
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/resolve", data={"csrf_token": token, "note": "ซ้ำ"})
    assert f"/console/inbox/{question_id}\"" not in officer_client.get("/console/inbox").get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.get_one(HandoffResolution, question_id).how == "closed"
        assert "resolve" in db.scalars(select(AuditLog.action)).all()


def test_user_text_is_escaped_everywhere(app: Flask, officer_client: FlaskClient, line: Line) -> None:
    evil = f"<script>alert('x')</script> {HANDED_OFF}"
    question_id = hand_off(app, line, text=evil)
    for path in ("/console/inbox", f"/console/inbox/{question_id}", "/console/conversations?q=script"):
        page = officer_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;" in page, path


def test_empty_answer_is_refused(app: Flask, officer_client: FlaskClient, line: Line,
                                 messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/answer", data={"csrf_token": token, "mode": "push",
                                                                      "text": "   "})
    assert messenger.pushes == []
    assert "กรุณาพิมพ์คำตอบ" in officer_client.get(f"/console/inbox/{question_id}").get_data(as_text=True)
