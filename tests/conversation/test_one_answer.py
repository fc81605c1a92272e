"""Answering a question has one implementation: `flask ask` and the LINE conversation both call
Conversation.find_answer (the directory of missions first, then the matcher), so they never disagree."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from handlers.chat.conversation import Conversation, Found
from handlers.models import Interaction
from tests.conftest import Line
from tests.fakes import follow_event, text_event

USER = "U" + "a" * 32
QUESTIONS = [
    "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง",  # the knowledge base
    "สถานทูตญี่ปุ่น เบอร์โทร",  # the directory of missions (seeded rows)
    "สถานทูตลาว เบอร์อะไรคะ",  # a country the directory does not hold: an officer answers
    "สูตรต้มยำกุ้ง",  # neither
]


def ask(app: Flask, question: str) -> dict[str, object]:
    """What `flask ask --json` prints for one question."""
    with app.app_context():  # the `flask` command pushes one for every command; the test runner does not
        result = app.test_cli_runner().invoke(args=["ask", "--json", question])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.mark.parametrize("question", QUESTIONS)
def test_flask_ask_and_the_chat_give_the_same_answer(app: Flask, line: Line, question: str) -> None:
    printed = ask(app, question)  # seeds the shipped missions into an empty table, as init-db does
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    line.post(text_event(USER, question))
    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.text == question)).one()
    assert (row.outcome, row.entry_id) == (printed["outcome"], printed["entry_id"])
    expected = {QUESTIONS[0]: "answer", QUESTIONS[1]: "answer", QUESTIONS[2]: "handoff", QUESTIONS[3]: "off_topic"}
    assert row.outcome == expected[question]
    if question == QUESTIONS[1]:
        assert str(row.entry_id).startswith("mission:")  # the directory answered, not the knowledge base


def test_both_callers_go_through_find_answer(app: Flask, line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = Conversation.find_answer

    def counting(self: Conversation, session: object, text: str) -> Found:
        calls.append(text)
        return original(self, session, text)  # type: ignore[arg-type]

    monkeypatch.setattr(Conversation, "find_answer", counting)
    ask(app, QUESTIONS[0])
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    line.post(text_event(USER, QUESTIONS[1]))
    assert calls == [QUESTIONS[0], QUESTIONS[1]]


STORY = "คนญี่ปุ่นมาพักบ้านเช่าในเขต เจ้าบ้านต้องแจ้ง ตม.30 ภายในกี่ชั่วโมงคะ แล้วต้องติดต่อสถานทูตญี่ปุ่นด้วยไหม"


def test_a_case_naming_one_mission_gets_the_answer_and_the_missions_card(app: Flask, line: Line) -> None:
    printed = ask(app, STORY)
    assert (printed["outcome"], printed["entry_id"]) == ("answer", "tm30-basics")  # the case, from the base
    assert printed["mission"] == "mission:jp-embassy-bangkok"  # and the embassy's card follows
    assert "177 ถนนวิทยุ" in str(printed["answer"])
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    event = text_event(USER, STORY)
    line.post(event)
    texts = line.replies(event)
    assert len(texts) >= 2 and "177 ถนนวิทยุ" in texts[1] and "177 ถนนวิทยุ" not in texts[0]
    sent = [m for token, ms in line.messenger.replies if token == event["replyToken"] for m in ms]
    assert sent[1].quick_replies == sent[0].quick_replies  # LINE shows only the last message's quick replies
    with app.extensions["iao"].sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.text == STORY)).one()
    assert (row.outcome, row.entry_id) == ("answer", "tm30-basics")


def test_a_short_request_for_contacts_stays_the_directorys(app: Flask) -> None:
    printed = ask(app, "สถานทูตญี่ปุ่นอยู่ไหน ขอเบอร์โทรด้วยค่ะ")
    assert printed["entry_id"] == "mission:jp-embassy-bangkok" and "mission" not in printed


def test_a_case_naming_a_mission_the_directory_lacks_is_still_answered(app: Flask, line: Line) -> None:
    story = "คนเปรูมาพักบ้านเช่าในเขต เจ้าบ้านต้องแจ้ง ตม.30 ภายในกี่ชั่วโมงคะ แล้วต้องติดต่อสถานทูตเปรูด้วยไหม"
    printed = ask(app, story)
    assert (printed["outcome"], printed["entry_id"]) == ("answer", "tm30-basics") and "mission" not in printed
    assert ask(app, "สถานทูตเปรู เบอร์อะไรคะ")["outcome"] == "handoff"  # only the contacts: an officer answers
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    event = text_event(USER, story)
    line.post(event)
    assert any("24 ชั่วโมง" in t for t in line.replies(event))
