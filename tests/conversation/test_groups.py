"""Groups and rooms: @IAO speaks only when mentioned, asks no district, and never lets a person's data in."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from handlers.chat.conversation import PRIVATE_CHAT_TH
from handlers.inbox.service import HandoffAnswer, answer_question, open_items
from handlers.models import Interaction, LineUser
from handlers.officers import create_officer
from tests.conftest import Line
from tests.fakes import base_event, event_id, follow_event, postback_event, text_event

USER = "U" + "d" * 32
GROUP = "C" + "1" * 32
ROOM = "R" + "2" * 32
BOT = "U" + "b" * 32


def in_chat(event: dict[str, Any], chat: str = GROUP) -> dict[str, Any]:
    """The same event sent from inside a group (C…) or a room (R…)."""
    kind = "room" if chat.startswith("R") else "group"
    event["source"] = {"type": kind, f"{kind}Id": chat, "userId": USER}
    return event


def mention(text: str, chat: str = GROUP) -> dict[str, Any]:
    """A text that mentions @IAO, shaped as LINE sends it (a mention object with isSelf)."""
    tag = "@IAO"
    event = in_chat(text_event(USER, f"{tag} {text}"), chat)
    event["message"]["mention"] = {"mentionees": [
        {"index": 0, "length": len(tag), "type": "user", "userId": BOT, "isSelf": True}]}
    return event


def join(chat: str = GROUP) -> dict[str, Any]:
    kind = "room" if chat.startswith("R") else "group"
    event = base_event("join", USER)
    event["source"] = {"type": kind, f"{kind}Id": chat}
    return event


def users(app: Flask) -> int:
    with app.extensions["iao"].sessions() as session:
        return session.scalar(select(func.count()).select_from(LineUser))


@pytest.mark.parametrize("chat", [GROUP, ROOM])
def test_join_greets_and_says_how_to_ask_and_how_to_remove(line: Line, chat: str) -> None:
    event = join(chat)
    assert line.post(event) == 200
    greeting = " ".join(line.replies(event))
    assert "แท็ก @IAO" in greeting and "ออกจากกลุ่ม" in greeting and "แชตส่วนตัว" in greeting


def test_a_case_naming_one_mission_is_answered_in_the_group_with_the_missions_card(line: Line) -> None:
    event = mention("คนญี่ปุ่นมาพักบ้านเช่าในเขต เจ้าบ้านต้องแจ้ง ตม.30 ภายในกี่ชั่วโมงคะ แล้วต้องติดต่อสถานทูตญี่ปุ่นด้วยไหม")
    assert line.post(event) == 200
    texts = line.replies(event)
    assert len(texts) == 2 and "24 ชั่วโมง" in texts[0] and "177 ถนนวิทยุ" in texts[1]


@pytest.mark.parametrize("chat", [GROUP, ROOM])
def test_unmentioned_messages_get_no_answer_and_are_not_stored(line: Line, app: Flask, chat: str) -> None:
    event = in_chat(text_event(USER, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง"), chat)
    assert line.post(event) == 200
    assert line.replies(event) == []
    with app.extensions["iao"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert users(app) == 0


@pytest.mark.parametrize("chat", [GROUP, ROOM])
def test_a_mention_is_answered_without_asking_the_group_for_a_district(line: Line, app: Flask, chat: str) -> None:
    event = mention("ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง", chat)
    assert line.post(event) == 200
    texts = line.replies(event)
    assert len(texts) == 1 and "24 ชั่วโมง" in texts[0]
    assert not any("สำนักงานเขตใด" in t or "ระบุสำนักงานเขต" in t for t in texts)
    assert users(app) == 0  # no LINE user made for a group member
    with app.extensions["iao"].sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.direction == "in")).one()
    assert row.entry_id == "tm30-basics" and row.text is None and row.user_id is None


def test_the_sdk_mention_without_is_self_is_not_a_mention_of_the_bot(line: Line) -> None:
    event = mention("ตม.30 คืออะไร")
    event["message"]["mention"]["mentionees"][0]["isSelf"] = False
    line.post(event)
    assert line.replies(event) == []


def test_an_unanswerable_question_in_a_group_points_to_the_private_chat_not_an_officer(line: Line,
                                                                                      app: Flask) -> None:
    for text in ("ถามเจ้าหน้าที่", "วันนี้ฝนจะตกไหม ร้านกาแฟแถวนี้ร้านไหนอร่อย"):
        event = mention(text)
        line.post(event)
        assert "แชตส่วนตัว" in line.replies(event)[0]
    tap = in_chat(postback_event(USER, "action=officer&q=1"))
    line.post(tap)
    assert "แชตส่วนตัว" in line.replies(tap)[0]
    with app.extensions["iao"].sessions() as session:
        assert open_items(session) == []


def test_district_and_survey_taps_in_a_group_ask_nothing_personal(line: Line) -> None:
    for data in ("action=district-group&group=กลุ่มกรุงเทพกลาง", "action=change-district", "action=survey&score=5"):
        tap = in_chat(postback_event(USER, data))
        line.post(tap)
        texts = line.replies(tap)
        assert texts == [PRIVATE_CHAT_TH]  # no district buttons, no survey: only the way to the private chat


def test_a_held_officer_answer_is_never_released_into_a_group(line: Line, app: Flask) -> None:
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    question = text_event(USER, "ถามเจ้าหน้าที่ ขอเอกสารรับรองการเป็นโสดของชาวลาว")
    line.post(question)
    services = app.extensions["iao"]
    with services.sessions.begin() as session:
        officer = create_officer(session, "somchai", "correct-horse-battery-staple-9")
        officer_id = officer.id
    with services.sessions() as session:
        question_id = open_items(session)[0].question.id
    answer_question(services.sessions, line.messenger, question_id=question_id, officer_id=officer_id,
                    text="ข้อมูลส่วนตัวของคุณสมชาย: นัดรับเอกสารวันจันทร์", mode="held")
    in_group = mention("ตม.30 คืออะไร")
    line.post(in_group)
    assert not any("คุณสมชาย" in t for t in line.replies(in_group))
    private = text_event(USER, "ขอบคุณค่ะ")
    line.post(private)
    assert any("คุณสมชาย" in t for t in line.replies(private))  # it goes to the person's own chat
    with services.sessions() as session:
        assert session.scalars(select(HandoffAnswer.status)).one() == "delivered"


@pytest.mark.parametrize("chat", [GROUP, ROOM])
def test_leave_on_request(line: Line, chat: str) -> None:
    event = mention("ออกจากกลุ่ม", chat)
    line.post(event)
    assert "ขอบคุณ" in line.replies(event)[0]
    assert line.messenger.left == [("room" if chat == ROOM else "group", chat)]


def test_leave_word_without_mention_does_nothing(line: Line) -> None:
    line.post(in_chat(text_event(USER, "ออกจากกลุ่ม")))
    assert line.messenger.left == []


def test_the_event_id_still_deduplicates_group_events(line: Line) -> None:
    eid = event_id()
    first = mention("ตม.30 คืออะไร")
    first["webhookEventId"] = eid
    line.post(first)
    again = mention("ตม.30 คืออะไร")
    again["webhookEventId"] = eid
    line.post(again)
    assert line.replies(again) == []
