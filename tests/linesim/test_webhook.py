"""Webhooks built by /_sim/send: LINE's shape, a signature the SDK accepts, state changes."""

from __future__ import annotations

import re

from linebot.v3.webhooks import (
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)

from linesim import create_app
from linesim.client import SimClient
from linesim.webhook import sign
from tests.linesim.conftest import SECRET, Bot, serve

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def test_signature_matches_sdk_test_vector() -> None:
    assert sign("channel_secret", b"bodybodybodybody") == "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="


def test_text_event_is_signed_and_shaped_like_line(sim: SimClient, bot: Bot) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก")["userId"]
    res = sim.send_text(uid, "ขอแบบฟอร์ม", timestamp=1700000000000)
    assert res["status"] == 200
    assert bot.rejected == 0
    body = bot.bodies[-1]
    assert re.match(r"^U[0-9a-f]{32}$", body["destination"])
    event = body["events"][0]
    assert set(event) == {"type", "message", "webhookEventId", "deliveryContext", "timestamp", "source",
                          "replyToken", "mode"}
    assert event["message"]["type"] == "text" and event["message"]["quoteToken"]
    assert ULID.match(event["webhookEventId"]) and event["webhookEventId"] == res["webhookEventId"]
    assert event["timestamp"] == 1700000000000
    assert event["replyToken"] == res["replyToken"]
    parsed = bot.events[-1]
    assert isinstance(parsed, MessageEvent) and isinstance(parsed.message, TextMessageContent)
    assert parsed.message.text == "ขอแบบฟอร์ม"
    assert parsed.source.user_id == uid
    assert parsed.delivery_context.is_redelivery is False


def test_event_types_parse_into_sdk_classes(sim: SimClient, bot: Bot) -> None:
    uid = sim.add_user("เขตบางรัก")["userId"]
    sim.follow(uid)
    sim.send_postback(uid, "action=faq&id=3", display_text="วีซ่า")
    sim.send_sticker(uid)
    sim.send_image(uid)
    sim.unfollow(uid)
    sim.follow(uid)
    sim.join()
    kinds = [type(e) for e in bot.events]
    assert kinds == [FollowEvent, PostbackEvent, MessageEvent, MessageEvent, UnfollowEvent, FollowEvent,
                     JoinEvent]
    assert bot.events[0].follow.is_unblocked is False
    assert bot.events[1].postback.data == "action=faq&id=3"
    assert isinstance(bot.events[2].message, StickerMessageContent)
    assert isinstance(bot.events[3].message, ImageMessageContent)
    assert "replyToken" not in bot.bodies[4]["events"][0]
    assert bot.events[5].follow.is_unblocked is True
    assert bot.events[6].source.group_id.startswith("C")


def test_follow_and_unfollow_change_follower_state(sim: SimClient, bot: Bot) -> None:
    uid = sim.add_user("a")["userId"]
    assert sim.state()["followers"] == 0
    sim.follow(uid)
    assert sim.state()["followers"] == 1
    sim.unfollow(uid)
    state = sim.state()
    assert state["followers"] == 0 and state["followerStats"]["blocks"] == 1


def test_redelivery_keeps_event_id_and_reply_token(sim: SimClient, bot: Bot) -> None:
    uid = sim.add_user("a")["userId"]
    first = sim.send_text(uid, "hello")
    again = sim.redeliver(first["webhookEventId"])
    assert again["webhookEventId"] == first["webhookEventId"]
    assert again["replyToken"] == first["replyToken"]
    assert [e.delivery_context.is_redelivery for e in bot.events] == [False, True]
    assert bot.events[0].message.id == bot.events[1].message.id


def test_raw_events_are_sent_unchanged(sim: SimClient, bot: Bot) -> None:
    event = {"type": "unfollow", "mode": "active", "timestamp": 1462629479859,
             "source": {"type": "user", "userId": "U206d25c2ea6bd87c17655609a1c37cb8"},
             "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR", "deliveryContext": {"isRedelivery": False}}
    assert sim.send_raw([event])["status"] == 200
    assert bot.bodies[-1]["events"] == [event]


def test_wrong_secret_is_rejected_by_the_bot(servers: tuple, bot: Bot) -> None:
    other = serve(create_app(channel_secret="not-" + SECRET, access_token="t", webhook_url=bot.url))
    try:
        client = SimClient(other.url)
        uid = client.add_user("a")["userId"]
        assert client.send_text(uid, "hi")["status"] == 400
        assert bot.rejected == 1
        assert client.webhooks()[-1]["status"] == 400
    finally:
        other.stop()


def test_unreachable_webhook_reports_none(sim: SimClient) -> None:
    sim.config(webhook_url="http://127.0.0.1:9/callback")
    uid = sim.add_user("a")["userId"]
    res = sim.send_text(uid, "hi")
    assert res["status"] is None and res["error"]
