"""Issue 13 item 4 end to end: a signed webhook through the real bot and SDK against linesim; the answer arrives
as a Flex card with its parts, and tapping its buttons (👍, a related topic, English) does what they say."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.line.messenger import LineMessenger
from handlers.models import Interaction
from linesim.client import SimClient, readable_text
from tests.conftest import SMALL_KB, make_settings
from tests.linesim.conftest import TOKEN, Server, serve

QUESTION = "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """The small knowledge base, with an English answer and a related (draft) topic on the TM.30 entry."""
    folder = tmp_path / "kb"
    shutil.copytree(SMALL_KB, folder)
    path = folder / "immigration.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tm30 = next(e for e in data["entries"] if e["id"] == "tm30-basics")
    tm30["answer_en"] = "The host or landlord reports a foreigner's stay to Immigration within 24 hours."
    tm30["related"] = ["embassy-contact"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object], sim: SimClient,
            knowledge: Path) -> Iterator[Flask]:
    """The real bot, its SDK pointed at linesim, served on loopback; linesim's webhook pointed at it."""
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_channel_access_token=TOKEN,
                                   knowledge_dir=knowledge),
                     messenger=LineMessenger(TOKEN, sim_url))
    server = serve(app)
    sim.config(webhook_url=server.url + "/callback")
    yield app
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def delivered_after(sim: SimClient, user: str, seen: int, *, wait: float = 20.0) -> list[dict[str, Any]]:
    """The message objects the bot delivered to a user after the first `seen` deliveries."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if len(sim.messages(user)) > seen:
            time.sleep(0.2)  # let a multi-message reply land whole
            return [m for d in sim.messages(user)[seen:] for m in d["messages"]]
        time.sleep(0.05)
    return []


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's footer buttons by label: their postback actions."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button":
                found[node["action"]["label"]] = node["action"]
            walk(node.get("contents"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card["contents"]["footer"])
    return found


def inbound(app: Flask, *where: Any) -> list[Interaction]:
    with app.extensions["iao"].sessions() as session:
        return list(session.scalars(select(Interaction).where(Interaction.direction == "in", *where)
                                    .order_by(Interaction.id)))


def test_the_answer_is_a_card_and_its_thumbs_up_is_recorded(bot_app: Flask, sim: SimClient) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(uid, "บางรัก")
    assert "บางรัก" in readable_text(delivered_after(sim, uid, 0)[0])
    sim.send_text(uid, QUESTION)
    reply = delivered_after(sim, uid, 1)
    assert len(reply) == 1 and reply[0]["type"] == "flex"
    card = reply[0]
    assert card["altText"].startswith("คำตอบจาก @IAO เรื่อง การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)")
    assert len(card["altText"]) <= 400
    bubble = card["contents"]
    assert bubble["type"] == "bubble" and {"header", "body", "footer"} <= set(bubble)
    assert "การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)" in readable_text({"type": "flex", "contents": {
        "type": "bubble", "header": bubble["header"]}})
    body = readable_text({"type": "flex", "contents": {"type": "bubble", "body": bubble["body"]}})
    assert "24 ชั่วโมง" in body and "ที่มา: สำนักงานตรวจคนเข้าเมือง" in body
    assert "พิมพ์หมายเลข 1 เพื่อดูเรื่องที่เกี่ยวข้อง" in body and "ถามเจ้าหน้าที่" in body  # what can be typed, for LINE PC
    assert "อยู่ระหว่างตรวจสอบ" not in readable_text(card)  # an approved entry has no badge
    tap = buttons(card)
    assert {"👍 ตรงคำถาม", "👎 ไม่ตรง", "English version", "ถามเจ้าหน้าที่"} <= set(tap)
    assert "1. ติดต่อสถานทูตต่างประเทศ" in tap
    assert all(a["type"] == "postback" for a in tap.values())
    sent = sim.requests(path="/v2/bot/message/reply")[-1]
    assert sent["status"] == 200 and sent["json"]["messages"][0]["type"] == "flex"

    thumbs = tap["👍 ตรงคำถาม"]
    sim.send_postback(uid, thumbs["data"], display_text=thumbs["displayText"])
    thanks = delivered_after(sim, uid, 2)
    assert thanks and "ขอบคุณสำหรับความคิดเห็น" in readable_text(thanks[0])
    question = inbound(bot_app, Interaction.kind == "text", Interaction.text == QUESTION)[-1]
    votes = inbound(bot_app, Interaction.kind == "feedback")
    assert [(v.outcome, v.entry_id, v.in_reply_to_id) for v in votes] == [("feedback-up", "tm30-basics",
                                                                             question.id)]
    assert sim.state()["consumption"] == 0  # every message went by the free reply


def test_typed_number_related_tap_and_english_from_the_card(bot_app: Flask, sim: SimClient) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตสาทร", follow=True)["userId"]
    sim.send_text(uid, "สาทร")
    delivered_after(sim, uid, 0)
    sim.send_text(uid, QUESTION)
    card = delivered_after(sim, uid, 1)[0]
    sim.send_text(uid, "๑")  # typed on LINE PC: the related topic the card numbers 1
    related = delivered_after(sim, uid, 2)
    assert related and related[0]["type"] == "flex"
    assert "ติดต่อสถานทูตต่างประเทศ" in readable_text(related[0])
    assert "อยู่ระหว่างตรวจสอบ" in readable_text(related[0])  # that entry is a draft: the badge shows
    assert "English version" not in buttons(related[0])  # it has no English
    english = buttons(card)["English version"]
    sim.send_postback(uid, english["data"], display_text=english["displayText"])
    answer = delivered_after(sim, uid, 3)
    assert answer and answer[0]["type"] == "flex"
    assert "within 24 hours" in readable_text(answer[0]) and "ฉบับภาษาไทย" in buttons(answer[0])
    sim.send_text(uid, "ถามเจ้าหน้าที่")  # typed after a card: handed over, not matched
    handed = delivered_after(sim, uid, 4)
    assert handed and "ส่งเรื่องให้เจ้าหน้าที่" in readable_text(handed[0])
    assert inbound(bot_app, Interaction.outcome == "ask-officer")
