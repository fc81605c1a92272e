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
