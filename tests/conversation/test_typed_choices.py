"""LINE PC shows no quick replies: typed numbers, "ถามเจ้าหน้าที่" and survey scores do what the buttons do."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from handlers.chat import prompts
from handlers.chat.prompts import ChatPrompt, officer_request, typed_number
from handlers.chat.satisfaction import SurveyResponse
from handlers.clock import utcnow
from handlers.inbox.service import open_items
from handlers.models import Interaction, LineUser
from knowledge.matcher import Decision
from tests.conftest import Line
from tests.fakes import postback_event, text_event

USER = "U" + "c" * 32
VAGUE = "ขอถามเรื่องคนต่างด้าวหน่อย"


@pytest.mark.parametrize(("text", "number"), [("1", 1), ("๒", 2), (" 3 ", 3), ("ข้อ 2", 2), ("๑.", 1),
                                              ("2 ค่ะ", 2), ("ตม.30", None), ("1 2", None), ("", None)])
def test_typed_number(text: str, number: int | None) -> None:
    assert typed_number(text) == number


@pytest.mark.parametrize(("text", "wants"), [
    ("ถามเจ้าหน้าที่", "only"), ("ติดต่อเจ้าหน้าที่ค่ะ", "only"), ("Officer", "only"),
    ("ขอคุยกับเจ้าหน้าที่ ครับ", "only"), ("ถามเจ้าหน้าที่ เรื่องวีซ่าคู่สมรสต่ออายุ", "with-text"),
    ("เจ้าหน้าที่เขตต้องทำอะไร", None), ("ตม.30 คืออะไร", None)])
def test_officer_request(text: str, wants: str | None) -> None:
    assert officer_request(text) == wants


def _suggest_for(app: Flask, text: str) -> None:
    """Make the matcher unsure about `text`: a "did you mean" with the small knowledge base's entries."""
    conversation = app.extensions["iao"].conversation
    kb = conversation.kb
    real = conversation.decide
    choices = (kb.get("tm30-basics"), kb.get("migrant-pink-card-lost"), kb.get("embassy-contact"))

    def decide(asked: str) -> Decision:
        if asked == text:
            return Decision("suggest", choices[0], 0.5, tuple((e, 0.5) for e in choices), asked)
        return real(asked)

    conversation.decide = decide  # type: ignore[method-assign]


def _ask(line: Line, text: str) -> list[str]:
    event = text_event(USER, text)
    assert line.post(event) == 200
    return line.replies(event)


def _rows(app: Flask, *where: Any) -> list[Interaction]:
    with app.extensions["iao"].sessions() as session:
        return list(session.scalars(select(Interaction).where(Interaction.direction == "in", *where)
                                    .order_by(Interaction.id)))


@pytest.mark.parametrize("typed", ["2", "๒"])
def test_a_typed_number_picks_that_did_you_mean_option(line: Line, app: Flask, typed: str) -> None:
    _suggest_for(app, VAGUE)
    offer = _ask(line, VAGUE)[0]
    assert "1. " in offer and "พิมพ์หมายเลข 1–3" in offer and "ถามเจ้าหน้าที่" in offer
    answer = _ask(line, typed)[0]
    assert "บัตรใหม่" in answer  # option 2: the lost pink card, not the off-topic reply
    picked = _rows(app, Interaction.entry_id == "migrant-pink-card-lost")
    assert picked and picked[-1].outcome == "menu-answer"
    # the choice is used up: the same number typed again is not a choice any more
    again = _ask(line, typed)[0]
    assert "บัตรใหม่" not in again


def test_a_number_outside_the_list_says_what_can_be_typed_and_keeps_the_list(line: Line, app: Flask) -> None:
    _suggest_for(app, VAGUE)
    _ask(line, VAGUE)
    assert "1 ถึง 3" in _ask(line, "7")[0]
    assert "24 ชั่วโมง" in _ask(line, "1")[0]  # the list was kept: option 1 is TM.30


def test_the_choice_survives_a_restart_because_it_is_in_the_database(line: Line, app: Flask) -> None:
    _suggest_for(app, VAGUE)
    _ask(line, VAGUE)
    with app.extensions["iao"].sessions() as session:
        assert session.scalars(select(ChatPrompt)).one().kind == "suggest"
    app.extensions["iao"].conversation._decisions.clear()
    assert "24 ชั่วโมง" in _ask(line, "1")[0]


def test_typed_ask_officer_hands_over_the_previous_question(line: Line, app: Flask) -> None:
    _suggest_for(app, VAGUE)
    _ask(line, VAGUE)
    reply = _ask(line, "ถามเจ้าหน้าที่")[0]
    assert "ส่งเรื่องให้เจ้าหน้าที่" in reply
    question = _rows(app, Interaction.text == VAGUE)[0]
    assert question.handoff
    with app.extensions["iao"].sessions() as session:
        items = open_items(session)
    assert [i.question.id for i in items] == [question.id]  # the question, not an entry, not a second item


@pytest.mark.parametrize("word", ["ติดต่อเจ้าหน้าที่", "officer", "ขอคุยกับเจ้าหน้าที่"])
def test_typed_officer_words_right_after_an_answer_hand_that_question_over(line: Line, app: Flask,
                                                                           word: str) -> None:
    _ask(line, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง")
    assert "ส่งเรื่องให้เจ้าหน้าที่" in _ask(line, word)[0]
    assert _rows(app, Interaction.text == "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง")[0].handoff


def test_typed_officer_request_with_a_question_hands_over_the_message_itself(line: Line, app: Flask) -> None:
    text = "ถามเจ้าหน้าที่ ชาวต่างชาติขอสำเนาทะเบียนบ้านแทนเจ้าบ้านได้ไหม"
    assert "ส่งเรื่องให้เจ้าหน้าที่" in _ask(line, text)[0]
    with app.extensions["iao"].sessions() as session:
        items = open_items(session)
    assert [i.text for i in items] == [text]


def test_typed_officer_request_alone_with_nothing_before_is_handed_over_with_context(line: Line,
                                                                                   app: Flask) -> None:
    assert "ส่งเรื่องให้เจ้าหน้าที่" in _ask(line, "ถามเจ้าหน้าที่")[0]
    with app.extensions["iao"].sessions() as session:
        assert len(open_items(session)) == 1


def test_typed_score_answers_the_pending_survey(line: Line, app: Flask) -> None:
    up = postback_event(USER, "action=feedback&v=up&q=1&e=tm30-basics")
    line.post(up)
    offer = line.replies(up)[1]
    assert "พิมพ์ตัวเลข 1 ถึง 5" in offer
    thanks = _ask(line, "๔")[0]
    assert "บันทึกความพึงพอใจ 4" in thanks and "ข้าม" in thanks
    assert "ขอบคุณที่ตอบแบบสอบถาม" in _ask(line, "ข้าม")[0]
    with app.extensions["iao"].sessions() as session:
        row = session.scalars(select(SurveyResponse)).one()
    assert row.score == 4 and row.comment == ""


def test_a_typed_number_picks_a_menu_category_and_then_an_entry(line: Line, app: Flask) -> None:
    menu = _ask(line, "เมนู")[0]
    assert "พิมพ์หมายเลข" in menu
    listing = _ask(line, "1")[0]
    assert "พิมพ์หมายเลข 1–" in listing
    first_title = listing.split("\n")[0].split(". ", 1)[1]
    answer_rows_before = len(_rows(app, Interaction.outcome == "menu-answer"))
    _ask(line, "1")
    after = _rows(app, Interaction.outcome == "menu-answer")
    assert len(after) == answer_rows_before + 1
    kb = app.extensions["iao"].conversation.kb
    assert kb.get(after[-1].entry_id).title_th == first_title


def test_a_stale_list_is_not_picked_from(line: Line, app: Flask) -> None:
    _suggest_for(app, VAGUE)
    _ask(line, VAGUE)
    _ask(line, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง")  # a new question replaces the list
    _ask(line, "2")
    assert not _rows(app, Interaction.entry_id == "migrant-pink-card-lost", Interaction.outcome == "menu-answer")


def test_a_prompt_read_then_replaced_or_dropped_in_one_transaction_is_not_kept_from_memory(app: Flask) -> None:
    """remember() and forget() are single Core statements; a prompt the transaction already loaded must follow."""
    now = utcnow()
    with app.extensions["iao"].sessions.begin() as session:
        user = LineUser(line_user_id="U" + "d" * 32)
        session.add(user)
        session.flush()
        prompts.remember(session, user, "suggest", ["action=entry&id=a"], now)
        first = prompts.current(session, user, now)
        assert first is not None and prompts.options_of(first) == ["action=entry&id=a"]
        prompts.remember(session, user, "suggest", ["action=entry&id=b"], now)
        second = prompts.current(session, user, now)
        assert second is not None and prompts.options_of(second) == ["action=entry&id=b"]
        prompts.forget(session, user)
        assert prompts.current(session, user, now) is None
