"""Claim and answer once: an officer takes a question, others see who has it, and a second answer is a choice."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Line
from tests.console.conftest import add_officer, hand_off, login, token_on
from tests.fakes import FakeMessenger


def _post(client: FlaskClient, question_id: int, action: str, **data: str) -> str:
    token = token_on(client, f"/console/inbox/{question_id}")
    response = client.post(f"/console/inbox/{question_id}/{action}", data={"csrf_token": token, **data},
                           follow_redirects=True)
    return html.unescape(response.get_data(as_text=True))


def _second(app: Flask) -> FlaskClient:
    add_officer(app, "malee")
    other = app.test_client()
    assert login(other, "malee").status_code == 302
    return other


def test_a_claim_shows_who_has_the_question_to_everyone(app: Flask, officer_client: FlaskClient,
                                                        line: Line) -> None:
    question_id = hand_off(app, line)
    assert "ท่านรับเรื่องนี้ไว้" in _post(officer_client, question_id, "claim")
    other = _second(app)
    inbox = other.get("/console/inbox").get_data(as_text=True)
    assert "somchai รับเรื่องแล้ว" in inbox
    page = other.get(f"/console/inbox/{question_id}").get_data(as_text=True)
    assert "เจ้าหน้าที่ somchai รับเรื่องนี้ไว้แล้ว" in page


def test_another_officer_cannot_claim_or_answer_without_choosing_to(app: Flask, officer_client: FlaskClient,
                                                                   line: Line, messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    _post(officer_client, question_id, "claim")
    other = _second(app)
    # a plain claim form without take_over (e.g. a stale page): refused
    token = token_on(other, f"/console/inbox/{question_id}")
    refused = other.post(f"/console/inbox/{question_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "รับเรื่องนี้แล้ว" in html.unescape(refused.get_data(as_text=True))
    page = _post(other, question_id, "answer", text="คำตอบของมาลี", mode="push")
    assert "รับเรื่องนี้ไว้" in page and messenger.pushes == []
    _post(other, question_id, "answer", text="คำตอบของมาลี", mode="push", take_over="1")
    assert len(messenger.pushes) == 1
    # the claimant's own answer now needs the explicit "send an additional answer" choice
    _post(officer_client, question_id, "answer", text="คำตอบของสมชาย", mode="push")
    assert len(messenger.pushes) == 1


def test_taking_over_and_releasing(app: Flask, officer_client: FlaskClient, line: Line) -> None:
    question_id = hand_off(app, line)
    _post(officer_client, question_id, "claim")
    other = _second(app)
    assert "ท่านรับเรื่องนี้ไว้" in _post(other, question_id, "claim", take_over="1")
    assert "เจ้าหน้าที่ malee รับเรื่องนี้ไว้แล้ว" in html.unescape(
        officer_client.get(f"/console/inbox/{question_id}").get_data(as_text=True))
    assert "ปล่อยได้เฉพาะเรื่องที่ท่านรับไว้" in _post(officer_client, question_id, "release")
    _post(other, question_id, "release")
    assert "รับเรื่องนี้</button>" in other.get(f"/console/inbox/{question_id}").get_data(as_text=True)


def test_answering_claims_the_question_for_whoever_answered(app: Flask, officer_client: FlaskClient,
                                                           line: Line, messenger: FakeMessenger) -> None:
    question_id = hand_off(app, line)
    _post(officer_client, question_id, "answer", text="คำตอบ", mode="held")
    other = _second(app)
    page = html.unescape(other.get(f"/console/inbox/{question_id}").get_data(as_text=True))
    assert "เจ้าหน้าที่ somchai รับเรื่องนี้ไว้แล้ว" in page


def test_canned_replies_from_the_knowledge_base_are_offered_escaped(app: Flask, officer_client: FlaskClient,
                                                                   line: Line) -> None:
    question_id = hand_off(app, line, text="ขอทำบัตรชมพูใหม่ แรงงานพม่าบัตรหาย ต้องไปที่ไหน")
    page = officer_client.get(f"/console/inbox/{question_id}").get_data(as_text=True)
    assert 'id="canned-migrant-pink-card-lost"' in page
    assert "คำตอบสำเร็จรูปจากคลังความรู้" in page
    start = page.index('id="canned-migrant-pink-card-lost"')
    button = page[start:page.index(">", start)]
    assert "บัตรใหม่" in html.unescape(button) and "<" not in button.split("data-text=", 1)[1]
