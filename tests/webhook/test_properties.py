"""Property-based: random JSON shapes, sizes and Unicode never make the webhook answer 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.conftest import make_settings
from tests.fakes import FakeMessenger, sign, text_event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
event_keys = st.sampled_from(["type", "message", "source", "replyToken", "timestamp", "webhookEventId",
                              "postback", "deliveryContext", "mode", "text", "userId", "follow"])
events = st.dictionaries(event_keys, json_values, max_size=8) | json_values


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for all examples (hypothesis runs many inputs through it)."""
    db = Path(tmp_path_factory.mktemp("prop")) / "p.db"
    application = create_app(make_settings(f"sqlite:///{db}"), messenger=FakeMessenger())
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(["events", "destination", "x"]),
                               st.lists(events, max_size=4) | json_values, max_size=3) | json_values)
def test_random_signed_json_never_500(app: Flask, payload: object) -> None:
    body = json.dumps(payload).encode()
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code in (200, 400)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=6000))
def test_any_unicode_text_is_answered(app: Flask, text: str) -> None:
    body = json.dumps({"events": [text_event("U" + "c" * 32, text)]}).encode()
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2000))
def test_random_bytes_are_refused_cleanly(app: Flask, body: bytes) -> None:
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code in (200, 400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=300))
def test_text_with_nul_and_surrogates_is_kept(app: Flask, text: str) -> None:
    """Lone surrogates and NUL arrive as JSON escapes; they must not break storage (PostgreSQL refuses NUL)."""
    body = json.dumps({"events": [text_event("U" + "d" * 32, text + "\x00\ud800")]}).encode()
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 200


_event_makers = st.sampled_from(["text", "postback", "follow"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(_event_makers, st.text(max_size=400)), min_size=1, max_size=6))
def test_random_signed_events_are_each_logged_and_answered_once(app: Flask, batch: list[tuple[str, str]]) -> None:
    """Nothing lost: every event of a signed body is stored, handled once, logged once and answered."""
    from sqlalchemy import func, select

    from handlers.models import Interaction
    from handlers.webhook_queue import QueuedEvent
    from tests.fakes import follow_event, postback_event

    makers = {"text": text_event, "postback": postback_event, "follow": lambda user, _text: follow_event(user)}
    events = [makers[kind]("U" + "9" * 32, text) for kind, text in batch]
    body = json.dumps({"destination": "Ubot", "events": events}).encode()
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 200
    app.extensions["iao_worker"].drain()
    ids = [e["webhookEventId"] for e in events]
    messenger = app.extensions["iao"].messenger
    with app.extensions["iao"].sessions() as session:
        logged = session.scalar(select(func.count()).select_from(Interaction).where(
            Interaction.direction == "in", Interaction.webhook_event_id.in_(ids)))
        statuses = set(session.scalars(select(QueuedEvent.status).where(QueuedEvent.webhook_event_id.in_(ids))))
    assert logged == len(events) and statuses == {"done"}
    assert all(messenger.texts_for(e["replyToken"]) for e in events)
    assert messenger.refused == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(min_value=0, max_value=3000), opener=st.sampled_from(["[", '{"a":']),
       count=st.integers(min_value=0, max_value=700))
def test_nesting_and_event_counts_never_500(app: Flask, depth: int, opener: str, count: int) -> None:
    closer = "]" if opener == "[" else "}"
    events = ",".join(['{"type": "x"}'] * count)
    body = ('{"events": [' + events + (", " if events else "") + '{"type": "x", "v": ' + opener * depth + "1"
            + closer * depth + "}]}").encode()
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code in (200, 400)
