"""The SQL an everyday question costs, from the webhook's insert to the reply marked sent (issue 11, Deliver 7).

Each statement is a round trip and, on SQLite, time under the one write lock; the pipeline benchmark showed
them as most of an event's cost besides matching. These tests hold the count, so a change that adds a read
back, a per-row flush or a second mark shows here before it shows in the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from tests.conftest import Line
from tests.fakes import postback_event, text_event

USER = "U" + "5" * 32


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test holds this list (BEGIN and COMMIT are not counted)."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split())[:120])

    engine = app.extensions["iao"].engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _registered(line: Line) -> None:
    """A user who picked a district and asked once before (the usual state of a user)."""
    line.post(text_event(USER, "บางรัก"))
    line.post(text_event(USER, "ตม.30 คืออะไร"))


def test_an_answered_question_costs_at_most_thirteen_statements(line: Line, statements: list[str]) -> None:
    _registered(line)
    statements.clear()
    question = text_event(USER, "ชาวต่างชาติจดทะเบียนสมรสใช้เอกสารอะไรบ้าง")
    line.post(question)
    assert line.replies(question)
    assert len(statements) <= 13, "\n".join(statements)
    assert not any(s.startswith("SELECT webhook_queue") for s in statements)  # the payload came in memory
    assert sum(s.startswith("UPDATE interactions") for s in statements) == 1  # one mark, held answers none


def test_a_menu_tap_costs_no_survey_lookup(line: Line, statements: list[str]) -> None:
    _registered(line)
    statements.clear()
    line.post(postback_event(USER, "action=menu"))
    line.post(text_event(USER, "เมนู"))
    assert not any("satisfaction_surveys" in s for s in statements), "\n".join(statements)
