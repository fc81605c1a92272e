"""Fixtures: the simulator and a tiny bot receiver, both on real loopback ports."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent
from werkzeug.serving import BaseWSGIServer, make_server

from linesim import create_app
from linesim.client import SimClient

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


@dataclass
class Server:
    """A WSGI app served in a background thread."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Return the base URL without a trailing slash (the SDK wants none)."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(app: Flask) -> Server:
    """Serve an app on an ephemeral loopback port with werkzeug's threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Server(server, thread)


@dataclass
class Bot:
    """What the fake bot received, plus where it replies."""

    url: str = ""
    sim_url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    rejected: int = 0


def make_bot_app(bot: Bot) -> Flask:
    """A minimal line-bot-sdk v3 receiver: verifies signatures, echoes 'echo ...' texts via reply."""
    app = Flask("fake_bot")
    parser = WebhookParser(SECRET)

    @app.post("/callback")
    def callback() -> str:
        body = request.get_data(as_text=True)
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            bot.rejected += 1
            abort(400)
        bot.bodies.append(request.get_json())
        bot.events.extend(events)
        for event in events:
            if (isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent)
                    and event.message.text.startswith("echo ")):
                with ApiClient(Configuration(host=bot.sim_url, access_token=TOKEN)) as client:
                    MessagingApi(client).reply_message(ReplyMessageRequest(
                        reply_token=event.reply_token, messages=[TextMessage(text=event.message.text[5:])]))
        return "OK"

    return app


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[Server, Server, Bot]]:
    """Start the fake bot, then the simulator pointing its webhook at it."""
    bot = Bot()
    bot_server = serve(make_bot_app(bot))
    bot.url = bot_server.url + "/callback"
    sim_server = serve(create_app(channel_secret=SECRET, access_token=TOKEN, webhook_url=bot.url))
    bot.sim_url = sim_server.url
    yield sim_server, bot_server, bot
    sim_server.stop()
    bot_server.stop()


@pytest.fixture()
def sim(servers: tuple[Server, Server, Bot]) -> SimClient:
    """A SimClient on a freshly reset simulator."""
    client = SimClient(servers[0].url)
    client.reset()
    return client


@pytest.fixture()
def bot(servers: tuple[Server, Server, Bot]) -> Bot:
    """The fake bot's record, emptied for this test."""
    record = servers[2]
    record.bodies.clear()
    record.events.clear()
    record.rejected = 0
    return record


@pytest.fixture()
def api(servers: tuple[Server, Server, Bot]) -> Iterator[MessagingApi]:
    """A real line-bot-sdk MessagingApi pointed at the simulator."""
    with ApiClient(Configuration(host=servers[0].url, access_token=TOKEN)) as client:
        yield MessagingApi(client)
