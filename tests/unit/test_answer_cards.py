"""Answer cards: what handlers put on a card, how bot/ draws it as a Flex bubble, and when the text goes instead."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linebot.v3.messaging import FlexMessage, TextMessage

from bot.line.flex import bubble_size, card_bubble, card_message, size_bound
from bot.line.messenger import to_line_message
from handlers.chat.answers import BADGE_TH, answer_message
from handlers.limits import BUBBLE_JSON_MAX, CARD_ALT_TEXT_MAX, utf16_len
from knowledge.base import Entry, Source
from linesim.client import readable_text
from linesim.validation import flex_details, validate_messages
from tests.fakes import line_refusals

THAI = re.compile(r"[\u0e00-\u0e7f]")


def entry(**changes: object) -> Entry:
    """A small approved entry; tests change what they need."""
    base = Entry(
        id="tm30-basics", category="immigration", kind="faq",
        title_th="การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)", title_en="TM.30 residence notification",
        questions_th=("ตม.30 คืออะไร",), questions_en=(), answer_th="เจ้าบ้านแจ้งภายใน 24 ชั่วโมง",
        answer_en=None, sources=(Source(agency="สำนักงานตรวจคนเข้าเมือง", ref=None, url=None, seed=None),),
        related=(), reviewed_on=dt.date(2026, 11, 21), status="approved", file="immigration.yaml",
    )
    return dataclasses.replace(base, **changes)


def wire(message: dict | None) -> dict:
    """The message as it goes on the wire (through JSON, as the SDK's client sends it)."""
    assert message is not None
    return json.loads(json.dumps(message))


def sdk_reads_the_same(message: dict) -> bool:
    """The SDK's own models, read from this JSON, give back exactly this JSON: nothing LINE's schema lacks,
    nothing lost (the bot builds plain JSON instead of the models; bot.line.flex says why)."""
    model = {"flex": FlexMessage, "text": TextMessage}[message["type"]]
    return model.from_dict(message).to_dict() == message


def test_a_card_has_title_answer_source_feedback_and_an_officer() -> None:
    message = answer_message(entry(), 7)
    card = message.card
    assert card is not None
    assert (card.title, card.body) == ("การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)", "เจ้าบ้านแจ้งภายใน 24 ชั่วโมง")
    assert card.source == "ที่มา: สำนักงานตรวจคนเข้าเมือง" and card.badge == "" and card.language is None
    votes = [parse_qs(b.data or "") for b in card.feedback]
    assert [(v["action"], v["v"], v["q"], v["e"]) for v in votes] == [
        (["feedback"], ["up"], ["7"], ["tm30-basics"]), (["feedback"], ["down"], ["7"], ["tm30-basics"])]
    assert card.officer is not None and card.officer.data == "action=officer&q=7"
    flex = to_line_message(message)
    assert flex["type"] == "flex" and sdk_reads_the_same(flex)
    sent = wire(flex)
    assert sent["altText"] == card.alt_text and sent["contents"]["type"] == "bubble"
    assert {"header", "body", "footer"} <= set(sent["contents"])
    seen = readable_text(sent)
    for part in (card.title, card.body, card.source, "👍 ตรงคำถาม", "👎 ไม่ตรง", "ถามเจ้าหน้าที่"):
        assert part in seen
    buttons = [c for c in _walk(sent["contents"]["footer"]) if c.get("type") == "button"]
    assert all(b["action"]["type"] == "postback" for b in buttons)
    assert {b["action"]["data"] for b in buttons} == {b.data for b in card.buttons()}
    assert validate_messages([sent]) == [] and flex_details(sent["contents"]) == []  # linesim takes it


def test_the_text_says_the_same_and_what_can_be_typed() -> None:
    related = (entry(id="tm30-online", title_th="แจ้ง ตม.30 ออนไลน์"), entry(id="tm47", title_th="รายงานตัว 90 วัน"))
    message = answer_message(entry(related=("tm30-online", "tm47")), 7, related=related)
    assert message.text.startswith("การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)\n\nเจ้าบ้านแจ้งภายใน 24 ชั่วโมง")
    assert "ที่มา: สำนักงานตรวจคนเข้าเมือง" in message.text
    assert "เรื่องที่เกี่ยวข้อง:\n1. แจ้ง ตม.30 ออนไลน์\n2. รายงานตัว 90 วัน" in message.text
    assert "พิมพ์หมายเลข 1–2" in message.text and "พิมพ์ \"ถามเจ้าหน้าที่\"" in message.text
    assert message.card is not None and message.card.hint in message.text
    assert [b.label for b in message.card.related] == ["1. แจ้ง ตม.30 ออนไลน์", "2. รายงานตัว 90 วัน"]  # 40 on a card
    quick = [b.label for b in message.quick_replies if b.data and "action=entry" in b.data]
    assert quick == ["1. แจ้ง ตม.30 ออนไล…", "2. รายงานตัว 90 วัน"]  # a quick reply takes 20
    assert [b.data for b in message.card.related] == ["action=entry&id=tm30-online", "action=entry&id=tm47"]
    assert message.card.hint in readable_text(wire(card_message(message.card)))  # the card says it too


def test_a_near_tie_runner_up_comes_first_and_keeps_the_question() -> None:
    runner_up = entry(id="tm30-online", title_th="แจ้ง ตม.30 ออนไลน์")
    message = answer_message(entry(), 9, also=(runner_up,))
    assert message.card is not None
    assert message.card.related[0].label.startswith("1. หรือ:")
    assert message.card.related[0].data == "action=entry&id=tm30-online&q=9"


def test_a_draft_entry_carries_the_under_review_badge_and_an_approved_one_does_not() -> None:
    draft = answer_message(entry(status="draft"), 1)
    assert draft.card is not None and draft.card.badge == BADGE_TH == "อยู่ระหว่างตรวจสอบ"
    assert "อยู่ระหว่างตรวจสอบ" in draft.card.alt_text
    header = wire(card_message(draft.card))["contents"]["header"]
    assert any("อยู่ระหว่างตรวจสอบ" in (c.get("text") or "") for c in _walk(header))
    assert "ตรวจทาน" in draft.text  # the fallback text keeps its under-review note
    approved = answer_message(entry(), 1)
    assert approved.card is not None and approved.card.badge == ""
    assert not any("ตรวจสอบ" in (c.get("text") or "") for c in _walk(wire(card_message(approved.card))["contents"]))


def test_the_english_button_is_there_only_when_the_entry_has_english() -> None:
    thai_only = answer_message(entry(), 1)
    assert thai_only.card is not None and thai_only.card.language is None
    assert not any("English" in b.label for b in thai_only.quick_replies)
    assert "English" not in readable_text(wire(card_message(thai_only.card)))
    both = answer_message(entry(answer_en="The host reports within 24 hours."), 1)
    assert both.card is not None and both.card.language is not None
    assert both.card.language.data == "action=entry&id=tm30-basics&lang=en"
    assert "English version" in readable_text(wire(card_message(both.card)))
    english = answer_message(entry(answer_en="The host reports within 24 hours."), 1, english=True)
    assert english.card is not None and english.card.body == "The host reports within 24 hours."
    assert english.card.title == "TM.30 residence notification" and english.card.source.startswith("Source: ")
    assert english.card.language is not None and english.card.language.data.endswith("lang=th")


def test_alt_text_is_thai_names_the_topic_and_stays_within_400() -> None:
    long_answer = "ก" * 6000
    for message in (answer_message(entry(), 1), answer_message(entry(answer_th=long_answer), 1),
                    answer_message(entry(answer_en="English " * 900), 1, english=True)):
        assert message.card is not None
        alt = message.card.alt_text
        assert alt.startswith("คำตอบจาก @IAO เรื่อง การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)")
        assert THAI.search(alt) and 0 < utf16_len(alt) <= CARD_ALT_TEXT_MAX


def test_a_card_too_big_for_a_bubble_goes_as_its_text() -> None:
    huge = answer_message(entry(answer_th="ข้อความ " * 1200), 3)  # 9,600 Thai letters: > 30 KB as JSON
    assert huge.card is not None
    assert bubble_size(card_bubble(huge.card)) > BUBBLE_JSON_MAX and card_message(huge.card) is None
    sent = to_line_message(huge)
    assert sent["type"] == "text" and sent["text"] == huge.text and sdk_reads_the_same(sent)
    assert any(i["action"]["label"] == "ถามเจ้าหน้าที่" for i in sent["quickReply"]["items"])
    assert line_refusals([huge]) == []
    fits = answer_message(entry(answer_th="ข้อความ " * 500), 3)  # 4,000: fits
    assert fits.card is not None and to_line_message(fits)["type"] == "flex"


def test_the_size_limit_is_measured_at_least_as_strictly_as_linesim() -> None:
    """Right under the bot's limit the card goes as a card, and linesim (measuring as LINE) accepts it."""
    low, high = 100, 6000
    while low < high:  # the longest body the bot still sends as a card
        mid = (low + high + 1) // 2
        card = answer_message(entry(answer_th="ข" * mid), 1).card
        assert card is not None
        low, high = (mid, high) if card_message(card) is not None else (low, mid - 1)
    card = answer_message(entry(answer_th="ข" * low), 1).card
    assert card is not None
    flex = card_message(card)
    assert flex is not None and flex_details(wire(flex)["contents"]) == []


@settings(max_examples=40, deadline=None)
@given(title=st.text(min_size=0, max_size=400), body=st.text(min_size=1, max_size=3000),
       related=st.lists(st.text(min_size=1, max_size=60), max_size=4))
def test_any_entry_gives_a_card_line_accepts_or_a_text_it_accepts(title: str, body: str, related: list[str]) -> None:
    topics = tuple(entry(id=f"r{i}", title_th=t) for i, t in enumerate(related))
    message = answer_message(entry(title_th=title, answer_th=body), 5, related=topics)
    assert line_refusals([message]) == []
    sent = to_line_message(message)
    data = wire(sent)
    assert sdk_reads_the_same(sent) and validate_messages([data]) == []
    if sent["type"] == "flex":
        assert flex_details(data["contents"]) == []


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=400), body=st.text(min_size=1, max_size=3000),
       related=st.lists(st.text(min_size=1, max_size=60), max_size=4), draft=st.booleans())
def test_the_cheap_size_bound_never_undercounts_the_json_the_sdk_sends(title: str, body: str, related: list[str],
                                                                        draft: bool) -> None:
    """card_message skips the exact measure when the bound fits: the bound must be at least the real size."""
    topics = tuple(entry(id=f"r{i}", title_th=t) for i, t in enumerate(related))
    card = answer_message(entry(title_th=title, answer_th=body, status="draft" if draft else "approved"), 5,
                          related=topics).card
    assert card is not None
    assert size_bound(card) >= bubble_size(card_bubble(card))


def _walk(node: object) -> list[dict]:
    """Every component under a flex node."""
    found: list[dict] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


@pytest.mark.parametrize("status", ["approved", "draft"])
def test_a_card_in_a_group_says_how_to_ask_there(status: str) -> None:
    message = answer_message(entry(status=status), 1, shared=True)
    assert message.card is not None and "แท็ก @IAO" in message.card.hint and "พิมพ์หมายเลข" not in message.card.hint
