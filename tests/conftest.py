"""Shared fixtures: an app per test on a fresh database, a fake LINE, and signed posts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import Settings, create_app
from tests.fakes import SECRET, FakeFetcher, FakeMessenger, body_of, sign

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

SHARED = Path(__file__).resolve().parents[2] / "shared"
SMALL_KB = Path(__file__).resolve().parent / "data" / "kb"


def _postgres_url() -> str | None:
    """The PostgreSQL server for database tests (`.ci/run` starts one and sets TEST_DATABASE_URL)."""
    return os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a new schema-free PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = _postgres_url()
    if not url:
        if os.environ.get("IAO_REQUIRE_POSTGRES"):
            pytest.fail("TEST_DATABASE_URL is not set but IAO_REQUIRE_POSTGRES is")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it)")
    name = f"iao_test_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Test settings: a known channel secret and no real LINE host."""
    values: dict[str, Any] = dict(
        line_channel_secret=SECRET,
        line_channel_access_token="test-access-token",
        secret_key="test-secret-key",
        database_url=database_url,
        line_api_base_url="http://127.0.0.1:9",  # nothing listens: a real call would fail loudly
        line_api_data_url="http://127.0.0.1:9",
        environment="test",
        knowledge_dir=SMALL_KB,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def messenger() -> FakeMessenger:
    """The fake LINE Messaging API the app sends through."""
    return FakeMessenger()


@pytest.fixture
def fetcher() -> FakeFetcher:
    """The fake content API the worker downloads photos and files from."""
    return FakeFetcher()


@pytest.fixture
def app(database_url: str, messenger: FakeMessenger, fetcher: FakeFetcher) -> Iterator[Flask]:
    """The app on a fresh database (SQLite, and PostgreSQL when available)."""
    application = create_app(make_settings(database_url), messenger=messenger, fetcher=fetcher)
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client."""
    return app.test_client()


class Line:
    """Posts signed webhook bodies to the app, like LINE does."""

    def __init__(self, client: FlaskClient, messenger: FakeMessenger) -> None:
        self.client = client
        self.messenger = messenger

    def post(self, *events: dict[str, Any], secret: str = SECRET) -> int:
        """Send events in one signed body and wait until the app has handled them; returns the HTTP status."""
        body = body_of(*events)
        response = self.client.post("/callback", data=body, headers={
            "X-Line-Signature": sign(body, secret), "Content-Type": "application/json"})
        self.client.application.extensions["iao_worker"].drain()
        return response.status_code

    def replies(self, event: dict[str, Any]) -> list[str]:
        """The texts the bot replied to one event."""
        return self.messenger.texts_for(event["replyToken"])


@pytest.fixture
def line(client: FlaskClient, messenger: FakeMessenger) -> Line:
    """Signed webhook posting against the app."""
    return Line(client, messenger)
