"""Answer cards as LINE Flex bubbles in the Messaging API's own JSON, or None where LINE would refuse one.

Handlers say what a card holds (`handlers.chat.replies.AnswerCard`); this decides how LINE shows it. LINE's limits
(Messaging API reference, "Flex Message", developers.line.biz/en/reference/messaging-api/#flex-message, read
2026-12-01): altText at most 1,500 characters; "The maximum size of JSON data that defines a bubble is 30 KB";
a flex button's label at most 40 characters, a postback's data and displayText 300 ("Action objects"). The
card's altText is kept to 400 (handlers.limits.CARD_ALT_TEXT_MAX) and its labels to 20 by the values
themselves; the size is measured here, on the JSON that is sent.

The bubble is built as plain JSON rather than through the SDK's pydantic models: building those models and
turning them back into dicts took half of a reply's CPU (issue 11). tests/unit/test_answer_cards.py checks that
every card and text read into the SDK's models gives back exactly this JSON, so LINE receives what it would
from the SDK.
"""

from __future__ import annotations

import json
from typing import Any

from handlers.chat.replies import AnswerCard, QuickReply
from handlers.limits import ALT_TEXT_MAX, BUBBLE_JSON_MAX, FLEX_LABEL_MAX, utf16_len

LineJson = dict[str, Any]  # one object of the Messaging API's JSON (a message, a component, an action)

HEADER_COLOR = "#0B5394"  # the IAO blue of the console
BADGE_COLOR = "#B45F06"
MUTED = "#666666"


def bubble_size(bubble: LineJson) -> int:
    """Bytes of JSON sent for a bubble: escaped ASCII (json.dumps' default), so a Thai letter counts 6."""
    return len(json.dumps(bubble, separators=(",", ":")).encode("utf-8"))


COMPONENT_JSON_MAX = 400  # bytes of JSON a component of card_bubble takes besides its texts (keys, styles)


def size_bound(card: AnswerCard) -> int:
    """An upper bound on bubble_size(card_bubble(card)) computed from the card's texts alone.

    Escaped JSON spends at most 6 bytes per UTF-16 unit ("\\uXXXX"); every component's keys and styles stay
    under COMPONENT_JSON_MAX. When the bound fits, the exact measure (a JSON dump of the whole bubble) is
    skipped; tests/unit/test_answer_cards.py checks the bound never undercounts.
    """
    texts = [card.title, card.badge, card.body, card.source, card.note, card.hint, "เรื่องที่เกี่ยวข้อง"]
    buttons = card.buttons()
    texts += [t for b in buttons for t in (b.label, b.data or "", b.display_text or "")]
    components = 12 + 2 * len(buttons)  # boxes, texts, separator, badge; a button and its action
    return 6 * sum(utf16_len(t) for t in texts) + COMPONENT_JSON_MAX * components


def postback(reply: QuickReply) -> LineJson:
    """A postback action carrying the reply's data (displayText only where the reply has one)."""
    action: LineJson = {"type": "postback", "label": reply.label, "data": reply.data or ""}
    if reply.display_text is not None:
        action["displayText"] = reply.display_text
    return action


def _button(reply: QuickReply, style: str, color: str | None = None) -> LineJson:
    """A card button that posts back what the quick reply with the same label would."""
    button: LineJson = {"type": "button", "style": style, "action": postback(reply), "height": "sm"}
    if color is not None:
        button["color"] = color
    return button


def _text(text: str, **style: str) -> LineJson:
    """A wrapped text component."""
    return {"type": "text", "text": text, **style, "wrap": True}


def _box(layout: str, contents: list[LineJson], **style: str) -> LineJson:
    """A box component."""
    return {"type": "box", "layout": layout, "contents": contents, **style}


def card_bubble(card: AnswerCard) -> LineJson:
    """The card's bubble: header (title, badge), body (answer, source, note, what to type), footer (buttons)."""
    header = [_text(card.title, size="lg", color="#FFFFFF", weight="bold")]
    if card.badge:
        header.append(_box("baseline", [_text(f"⚠ {card.badge}", size="xs", color="#FFFFFF", weight="bold")],
                           margin="sm", backgroundColor=BADGE_COLOR, cornerRadius="md", paddingAll="4px"))
    body = [_text(card.body, size="sm")] if card.body else []  # LINE refuses an empty text
    if card.source:
        body += [{"type": "separator", "margin": "lg"}, _text(card.source, size="xs", color=MUTED, margin="md")]
    if card.note:
        body.append(_text(card.note, size="xs", color=BADGE_COLOR, margin="sm"))
    if card.hint:
        body.append(_text(card.hint, size="xs", color=MUTED, margin="lg"))
    footer: list[LineJson] = []
    if card.feedback:
        footer.append(_box("horizontal", [_button(b, "secondary") for b in card.feedback], spacing="sm"))
    if card.related:
        footer.append(_text("เรื่องที่เกี่ยวข้อง", size="xs", color=MUTED, margin="md"))
        footer += [_button(b, "link") for b in card.related]
    if card.language:
        footer.append(_button(card.language, "link"))
    if card.officer:
        footer.append(_button(card.officer, "primary", HEADER_COLOR))
    bubble: LineJson = {"type": "bubble",
                        "header": _box("vertical", header, backgroundColor=HEADER_COLOR, paddingAll="lg"),
                        "body": _box("vertical", body)}
    if footer:
        bubble["footer"] = _box("vertical", footer, spacing="sm")
    return bubble


def card_message(card: AnswerCard) -> LineJson | None:
    """The card as a Flex message, or None when LINE would refuse it (then the text goes instead)."""
    if not card.alt_text or utf16_len(card.alt_text) > ALT_TEXT_MAX:
        return None
    if any(not b.label or utf16_len(b.label) > FLEX_LABEL_MAX or not b.data for b in card.buttons()):
        return None
    bubble = card_bubble(card)
    if size_bound(card) > BUBBLE_JSON_MAX and bubble_size(bubble) > BUBBLE_JSON_MAX:
        return None
    return {"type": "flex", "altText": card.alt_text, "contents": bubble}
