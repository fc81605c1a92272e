"""Finding #4: a database failure must not write the raw event (LINE userId, message text) to the log."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.conftest import Line
from tests.fakes import body_of, sign, text_event

USER = "U" + "7" * 32
SECRET_TEXT = "ทะเบียนบ้านของนายสมชาย เลขที่ 99/1"


def _drop(app: Flask, table: str) -> None:
    engine = app.extensions["iao"].engine
    cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {table}{cascade}"))


def test_a_failed_event_is_logged_by_id_without_user_or_text(line: Line, app: Flask,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _drop(app, "line_users")  # storing works, handling fails inside SQLAlchemy with the userId bound
    line.post(text_event(USER, SECRET_TEXT))
    logged = caplog.text
    assert "could not be handled" in logged  # the failure itself is logged, by queue row
    assert USER not in logged and SECRET_TEXT not in logged


def test_a_failed_store_is_logged_without_the_body(client: FlaskClient, app: Flask,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    engine = app.extensions["iao"].engine
    _drop(app, "webhook_queue")
    with engine.begin() as conn:  # the queue refuses every row: the insert fails with the payload bound
        conn.execute(text("CREATE TABLE webhook_queue (id INTEGER PRIMARY KEY, webhook_event_id VARCHAR(64), "
                          "payload TEXT, status VARCHAR(16), attempts INTEGER, received_at TIMESTAMP, "
                          "CHECK (length(payload) < 0))"))
    body = body_of(text_event(USER, SECRET_TEXT))
    assert client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)}).status_code == 503
    logged = caplog.text
    assert "could not be stored" in logged
    assert USER not in logged and SECRET_TEXT not in logged
