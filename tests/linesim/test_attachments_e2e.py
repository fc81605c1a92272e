"""Issue 13.1 end to end: a signed image webhook from linesim, the real SDK's blob API, stored, in the inbox."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.line.content import LineContentFetcher
from bot.line.messenger import LineMessenger
from handlers.inbox.attachments import FAILED, STORED, Attachment
from handlers.models import Interaction
from linesim.client import SimClient
from tests.conftest import make_settings
from tests.console.conftest import add_officer, login
from tests.images import PDF, png
from tests.linesim.conftest import TOKEN, Server, serve

PHOTO = png(8, 5, (10, 120, 200))


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object],
            sim: SimClient) -> Iterator[Flask]:
    """The real bot: its Messaging API and its content downloads both go through the SDK to linesim."""
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_api_data_url=sim_url,
                                   line_channel_access_token=TOKEN), messenger=LineMessenger(TOKEN, sim_url))
    server = serve(app)
    sim.config(webhook_url=server.url + "/callback")
    yield app
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def _wait_for(app: Flask, count: int, wait: float = 20.0) -> list[Attachment]:
    """The stored attachments once `count` exist (the worker handles events after the webhook's 200)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with app.extensions["iao"].sessions() as db:
            rows = list(db.scalars(select(Attachment).order_by(Attachment.id)))
        if len(rows) >= count:
            return rows
        time.sleep(0.05)
    return []


def _texts(sim: SimClient, user: str, count: int, wait: float = 20.0) -> list[str]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and len(sim.texts(user)) < count:
        time.sleep(0.05)
    return sim.texts(user)


def test_a_signed_image_webhook_is_downloaded_stored_and_shown_in_the_inbox(bot_app: Flask, sim: SimClient) -> None:
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sent = sim.send_image(user, PHOTO, "image/png")
    assert sent["status"] == 200
    message_id = sent["events"][0]["message"]["id"]
    (row,) = _wait_for(bot_app, 1)
    assert row.status == STORED and row.content_type == "image/png" and row.size == len(PHOTO)
    fetches = sim.requests(path=f"/v2/bot/message/{message_id}/content")
    assert [(r["method"], r["status"], r["authorized"]) for r in fetches] == [("GET", 200, True)]
    reply = _texts(sim, user, 1)
    assert reply and "ได้รับรูปภาพของท่านแล้ว" in reply[0]
    assert sim.state()["consumption"] == 0  # told by the free reply

    browser = bot_app.test_client()
    add_officer(bot_app)
    assert login(browser).status_code == 302
    inbox = browser.get("/console/inbox").get_data(as_text=True)
    assert f'src="/console/attachments/{row.id}"' in inbox and "(ผู้ใช้ส่งรูปภาพ)" in inbox
    image = browser.get(f"/console/attachments/{row.id}")
    assert image.status_code == 200 and image.data == PHOTO and image.mimetype == "image/png"


def test_a_file_message_through_the_sdk(bot_app: Flask, sim: SimClient) -> None:
    user = sim.add_user("เจ้าหน้าที่เขตปทุมวัน", follow=True)["userId"]
    event = sim.send_file(user, PDF, "หนังสือรับรอง.pdf", "application/pdf")["events"][0]
    assert event["message"]["fileName"] == "หนังสือรับรอง.pdf" and event["message"]["fileSize"] == len(PDF)
    (row,) = _wait_for(bot_app, 1)
    assert row.status == STORED and row.content_type == "application/pdf" and row.file_name == "หนังสือรับรอง.pdf"


def test_a_slow_data_host_times_out_and_the_message_still_reaches_an_officer(
        database_url: str, servers: tuple[Server, Server, object], sim: SimClient) -> None:
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_api_data_url=sim_url,
                                   line_channel_access_token=TOKEN), messenger=LineMessenger(TOKEN, sim_url),
                     fetcher=LineContentFetcher(TOKEN, sim_url, 10 * 1024 * 1024, timeout=(1.0, 0.5)))
    server = serve(app)
    try:
        sim.config(webhook_url=server.url + "/callback")
        user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
        sim.config(slow=1.5)  # every /v2 call answered after 1.5 s: longer than the 0.5 s read timeout
        sim.send_image(user, PHOTO, "image/png")
        (row,) = _wait_for(app, 1)
        sim.config(slow=0.0)
        assert row.status == FAILED and "Timeout" in (row.reason or ""), row.reason
        with app.extensions["iao"].sessions() as db:
            assert db.get_one(Interaction, row.interaction_id).handoff
    finally:
        server.stop()
        app.extensions["iao_worker"].stop()
        app.extensions["iao"].engine.dispose()


def test_the_capped_sdk_client_stops_at_the_limit_and_maps_line_errors(servers: tuple[Server, Server, object],
                                                                      sim: SimClient) -> None:
    sim_url = servers[0].url
    user = sim.add_user("ผู้ทดสอบ")["userId"]
    big = sim.send_image(user, png(300, 300) + b"\x00" * 5000, "image/png")["events"][0]["message"]["id"]
    small = sim.send_image(user, PHOTO, "image/png")["events"][0]["message"]["id"]
    fetcher = LineContentFetcher(TOKEN, sim_url, max_bytes=2048)
    assert fetcher.fetch(big).error == "too-large"
    assert fetcher.fetch(small).data == PHOTO
    assert fetcher.fetch("999999999999999999").error == "HTTP 404"  # LINE answers 404 for an unknown id
    assert LineContentFetcher("wrong-token", sim_url, 2048).fetch(small).error == "HTTP 401"


def test_a_body_without_a_length_is_cut_off_at_the_cap_not_read_whole() -> None:
    """A chunked answer (no Content-Length) stops being read past the cap: the sender never gets to the end."""
    from flask import Response

    sent: list[int] = []
    streamer = Flask("chunked")

    @streamer.get("/v2/bot/message/<message_id>/content")
    def chunked(message_id: str) -> Response:
        def body():  # type: ignore[no-untyped-def]
            for i in range(400):  # 400 x 64 KB = 25 MB if read whole
                sent.append(i)
                yield PHOTO[:8] + b"\x00" * (64 * 1024 - 8) if i == 0 else b"\x00" * (64 * 1024)
        return Response(body(), mimetype="image/png")

    server = serve(streamer)
    try:
        result = LineContentFetcher(TOKEN, server.url, max_bytes=256 * 1024).fetch("1")
        assert result.error == "too-large" and result.data is None
        time.sleep(0.3)
        assert len(sent) < 100, len(sent)  # the connection was dropped long before 25 MB
        assert LineContentFetcher(TOKEN, server.url, max_bytes=30 * 1024 * 1024).fetch("2").size == 400 * 64 * 1024
    finally:
        server.stop()
