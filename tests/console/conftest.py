"""Console fixtures: an app whose knowledge base is a writable copy, officers, and a signed-in client."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from handlers.models import Interaction
from handlers.officers import create_officer
from tests.conftest import SMALL_KB, Line, make_settings
from tests.fakes import FakeFetcher, FakeMessenger, postback_event, text_event

PASSWORD = "correct horse battery"
ASKER = "U" + "c" * 32
HANDED_OFF = "ชาวต่างชาติขอใบอนุญาตขับขี่สากลที่เขตได้ไหม"  # nothing in the small KB answers this


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the small test knowledge base (edits must not touch the repository)."""
    target = tmp_path / "kb"
    shutil.copytree(SMALL_KB, target)
    return target


@pytest.fixture
def app(database_url: str, messenger: FakeMessenger, kb_dir: Path, fetcher: FakeFetcher) -> Iterator[Flask]:
    """The app on a fresh database with the writable knowledge base."""
    application = create_app(make_settings(database_url, knowledge_dir=kb_dir), messenger=messenger,
                             fetcher=fetcher)
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


def add_officer(app: Flask, username: str = "somchai", *, role: str = "officer", password: str = PASSWORD) -> int:
    """Create an officer account directly in the database; returns its id."""
    with app.extensions["iao"].sessions.begin() as session:
        return create_officer(session, username, password, role=role).id


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of the client's session (fetching the login page makes one)."""
    page = client.get("/console/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match:
        return match.group(1)
    with client.session_transaction() as session:
        return str(session["csrf_token"])


def token_on(client: FlaskClient, path: str) -> str:
    """The CSRF token printed in a signed-in page's forms."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str = "somchai", password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    """Sign in through the form, as a browser would."""
    token = csrf_of(client)
    return client.post("/console/login", data={"username": username, "password": password, "csrf_token": token,
                                               **extra})


@pytest.fixture
def officer_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as an ordinary officer."""
    add_officer(app)
    assert login(client).status_code == 302
    return client


def hand_off(app: Flask, line: Line, user: str = ASKER, text: str = HANDED_OFF) -> int:
    """A user asks something for an officer (handed over by the bot, or by the "ask an officer" button)."""
    assert line.post(text_event(user, text)) == 200
    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.text == text, Interaction.direction == "in")
                              .order_by(Interaction.id.desc())).first()
        assert row is not None
        question_id, handed = row.id, row.handoff
    if not handed:
        assert line.post(postback_event(user, f"action=officer&q={question_id}")) == 200
    with sessions() as session:
        assert session.get_one(Interaction, question_id).handoff
    return question_id
