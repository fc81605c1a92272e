"""Finding #9: LINE slow but delivering (answers after the client's read timeout): the user gets the answer once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.line.messenger import LineMessenger
from handlers.models import Interaction
from linesim.client import SimClient
from tests.conftest import make_settings
from tests.linesim.conftest import TOKEN, Server, serve

READ_TIMEOUT = 0.5


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object]) -> Iterator[tuple[Flask, Server]]:
    """The real bot, its real LINE client pointed at linesim with a short read timeout, served on loopback."""
    sim_url = servers[0].url
    messenger = LineMessenger(TOKEN, sim_url, timeout=(2.0, READ_TIMEOUT))
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_channel_access_token=TOKEN),
                     messenger=messenger)
    server = serve(app)
    yield app, server
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def _deliveries(app: Flask) -> list[str | None]:
    with app.extensions["iao"].sessions() as session:
        return list(session.scalars(select(Interaction.delivery).where(Interaction.direction == "out")))


def test_a_reply_that_timed_out_but_was_delivered_is_not_pushed_again(bot_app: tuple[Flask, Server],
                                                                     sim: SimClient) -> None:
    app, server = bot_app
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.config(webhook_url=server.url + "/callback", slow=READ_TIMEOUT * 2)
    assert sim.send_text(uid, "ตม.30 คืออะไร")["status"] == 200
    deadline = time.monotonic() + 30
    while (not _deliveries(app) or "pending" in _deliveries(app)) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(READ_TIMEOUT * 3)  # let linesim finish answering the slow calls
    sim.config(slow=0)
    deliveries = sim.messages(uid)
    assert len(deliveries) == 1, [d["via"] for d in deliveries]  # delivered once, no duplicate push
    assert deliveries[0]["via"] == "reply" and sim.state()["consumption"] == 0  # no quota spent
    assert set(_deliveries(app)) == {"uncertain"}  # recorded: LINE may have delivered, never confirmed
