"""Fixtures: the LINE simulator (120 friends, quota 300) served on loopback, and a database per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from bot.line.messenger import LineMessenger
from handlers.db import make_engine, make_session_factory, upgrade_schema
from linesim import create_app as create_sim
from linesim.client import SimClient

TOKEN = "test-access-token"  # tests.conftest.make_settings uses the same token
SECRET = "test-channel-secret"
FRIENDS = 120
QUOTA = 300


@dataclass
class Sim:
    """A running simulator: its URL and admin client."""

    url: str
    client: SimClient


@pytest.fixture(scope="session")
def sim_server() -> Iterator[str]:
    """linesim in-process with werkzeug on an ephemeral port (120 synthetic friends, quota 300)."""
    app = create_sim(channel_secret=SECRET, access_token=TOKEN, webhook_url=None, monthly_quota=QUOTA,
                     followers=FRIENDS)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sim(sim_server: str) -> Sim:
    """The simulator, reset to 120 friends, quota 300 and no usage."""
    client = SimClient(sim_server)
    client.reset()
    return Sim(sim_server, client)


@pytest.fixture
def line(sim: Sim) -> LineMessenger:
    """The real LineMessenger on the simulator, with a short read timeout for the timeout tests."""
    return LineMessenger(TOKEN, sim.url, timeout=(2.0, 0.5))


@dataclass
class Db:
    """A migrated database: engine and session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    """A fresh database at every migration head (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    yield Db(database_url, engine, make_session_factory(engine))
    engine.dispose()
