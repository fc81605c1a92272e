"""Findings #16 and #13: a signed body with 50,000 events or nested 990 deep is refused cleanly, at once."""

from __future__ import annotations

import json
import logging
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.line.webhook import MAX_EVENTS_PER_BODY, MAX_JSON_DEPTH
from handlers.webhook_queue import QueuedEvent
from tests.conftest import Line
from tests.fakes import body_of, sign, text_event

USER = "U" + "e" * 32


def _post(client: FlaskClient, body: bytes) -> int:
    return client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)}).status_code


def _queued(app: Flask) -> int:
    with app.extensions["iao"].sessions() as session:
        return int(session.scalar(select(func.count()).select_from(QueuedEvent)) or 0)


def test_fifty_thousand_events_are_refused_and_a_real_question_is_not_delayed(
        line: Line, client: FlaskClient, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    flood = json.dumps({"destination": "Ubot", "events": [{"type": "x"}] * 50_000}).encode()
    started = time.monotonic()
    status = _post(client, flood)
    assert status == 400
    assert time.monotonic() - started < 5  # refused after parsing, before storing anything
    assert _queued(app) == 0
    flood_lines = [r for r in caplog.records if r.name.startswith(("bot", "handlers"))]
    assert len(flood_lines) <= 2 and "50000 events" in caplog.text  # one clear line, not 50,000
    question = text_event(USER, "ตม.30 คืออะไร")
    assert line.post(question) == 200
    assert line.replies(question)  # answered: nothing queued ahead of it


def test_a_body_at_the_cap_is_taken_whole(line: Line, app: Flask) -> None:
    events = [text_event(USER, f"คำถาม {i}", reply=False) for i in range(MAX_EVENTS_PER_BODY)]
    assert line.post(*events) == 200
    assert _queued(app) == MAX_EVENTS_PER_BODY


def _nested(depth: int) -> object:
    value: object = "ลึก"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [990, 5000, 100_000])
def test_a_deeply_nested_signed_body_is_refused_not_500(client: FlaskClient, app: Flask, depth: int) -> None:
    body = ('{"events": [{"type": "message", "x": ' + "[" * depth + "1" + "]" * depth + "}]}").encode()
    assert _post(client, body) == 400
    assert _queued(app) == 0


def test_one_deep_event_is_skipped_and_its_neighbours_kept(line: Line, app: Flask,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    good = text_event(USER, "บัตรสีชมพูหายทำยังไง")
    deep = text_event(USER, "x")
    deep["message"]["extra"] = _nested(MAX_JSON_DEPTH + 5)
    body = body_of(good, deep)
    assert line.client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)}).status_code == 200
    app.extensions["iao_worker"].drain()
    assert line.replies(good) and not line.replies(deep)
    assert "nested deeper than" in caplog.text
