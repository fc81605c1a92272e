"""Issue 13 end to end: the real bot, its real line-bot-sdk client, and linesim as LINE and the LINE app."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from bot.line.messenger import LineMessenger
from linesim.client import SimClient, readable_text
from tests.conftest import make_settings
from tests.linesim.conftest import TOKEN, Server, serve


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object],
            sim: SimClient) -> Iterator[tuple[Flask, Server]]:
    """The real bot with the SDK pointed at linesim, served on loopback, linesim's webhook pointed at it."""
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_channel_access_token=TOKEN),
                     messenger=LineMessenger(TOKEN, sim_url))
    server = serve(app)
    sim.config(webhook_url=server.url + "/callback")
    yield app, server
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def texts_after(sim: SimClient, chat: str, seen: int, *, wait: float = 20.0) -> list[str]:
    """What the user reads of the messages delivered to a chat after the first `seen` deliveries (a text's
    text, a card's texts and labels; waits for at least one delivery)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        deliveries = sim.messages(chat)
        if len(deliveries) > seen:
            time.sleep(0.2)  # let a multi-message reply land whole
            return [readable_text(m) for d in sim.messages(chat)[seen:] for m in d["messages"]]
        time.sleep(0.05)
    return []


def test_typed_numbers_work_without_quick_replies(bot_app: tuple[Flask, Server], sim: SimClient) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(uid, "เมนู")
    menu = texts_after(sim, uid, 0)
    assert menu and "พิมพ์หมายเลข" in menu[0]
    sim.send_text(uid, "๑")  # a Thai digit, as typed on LINE PC
    listing = texts_after(sim, uid, 1)
    assert listing and "พิมพ์หมายเลข 1–" in listing[0]
    sim.send_text(uid, "ถามเจ้าหน้าที่")
    handed = texts_after(sim, uid, 2)
    assert handed and "ส่งเรื่องให้เจ้าหน้าที่" in handed[0]
    assert all(d["via"] == "reply" for d in sim.messages(uid)) and sim.state()["consumption"] == 0


def test_a_group_through_the_sdk_mention_only_and_leave(bot_app: tuple[Flask, Server], sim: SimClient) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    group = sim.join()["events"][0]["source"]["groupId"]
    greeting = texts_after(sim, group, 0)
    assert greeting and "แท็ก @IAO" in greeting[0]
    sim.send_text(uid, "ตม.30 คืออะไร", groupId=group)  # the group's own talk: no answer
    sim.send_text(uid, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง", groupId=group, mention=True)
    answer = texts_after(sim, group, 1)
    assert len(answer) == 1 and "24 ชั่วโมง" in answer[0]
    assert len(sim.messages(group)) == 2  # the unmentioned message got nothing
    assert sim.messages(uid) == []  # nothing went to the member's own chat either
    sim.send_text(uid, "ออกจากกลุ่ม", groupId=group, mention=True)
    goodbye = texts_after(sim, group, 2)
    assert goodbye and "ขอบคุณ" in goodbye[0]
    deadline = time.monotonic() + 10
    while not sim.requests(path=f"/v2/bot/group/{group}/leave") and time.monotonic() < deadline:
        time.sleep(0.05)
    leaves = sim.requests(path=f"/v2/bot/group/{group}/leave")
    assert [r["status"] for r in leaves] == [200]
    assert sim.state()["consumption"] == 0
