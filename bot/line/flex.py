"""Answer cards as LINE Flex bubbles, drawn with the SDK's own models, or None where LINE would refuse one.

Handlers say what a card holds (`handlers.chat.replies.AnswerCard`); this decides how LINE shows it. LINE's limits
(Messaging API reference, "Flex Message", developers.line.biz/en/reference/messaging-api/#flex-message, read
2026-12-01): altText at most 1,500 characters; "The maximum size of JSON data that defines a bubble is 30 KB";
a flex button's label at most 40 characters, a postback's data and displayText 300 ("Action objects"). The
card's altText is kept to 400 (handlers.limits.CARD_ALT_TEXT_MAX) and its labels to 20 by the values
themselves; the size is measured here, on the JSON the SDK actually sends.
"""

from __future__ import annotations

import json

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexComponent,
    FlexMessage,
    FlexSeparator,
    FlexText,
    PostbackAction,
)

from handlers.chat.replies import AnswerCard, QuickReply
from handlers.limits import ALT_TEXT_MAX, BUBBLE_JSON_MAX, FLEX_LABEL_MAX, utf16_len

HEADER_COLOR = "#0B5394"  # the IAO blue of the console
BADGE_COLOR = "#B45F06"
MUTED = "#666666"


def bubble_size(bubble: FlexBubble) -> int:
    """Bytes of JSON the SDK sends for a bubble: escaped ASCII, so a Thai letter counts 6 (the larger reading)."""
    return len(json.dumps(bubble.to_dict(), separators=(",", ":")).encode("utf-8"))


COMPONENT_JSON_MAX = 400  # bytes of JSON a component of card_bubble takes besides its texts (keys, styles)


def size_bound(card: AnswerCard) -> int:
    """An upper bound on bubble_size(card_bubble(card)) computed from the card's texts alone.

    Escaped JSON spends at most 6 bytes per UTF-16 unit ("\\uXXXX"); every component's keys and styles stay
    under COMPONENT_JSON_MAX. When the bound fits, the exact (costly: the SDK's models to dicts) measure is
    skipped; tests/unit/test_answer_cards.py checks the bound never undercounts.
    """
    texts = [card.title, card.badge, card.body, card.source, card.note, card.hint, "เรื่องที่เกี่ยวข้อง"]
    buttons = card.buttons()
    texts += [t for b in buttons for t in (b.label, b.data or "", b.display_text or "")]
    components = 12 + 2 * len(buttons)  # boxes, texts, separator, badge; a button and its action
    return 6 * sum(utf16_len(t) for t in texts) + COMPONENT_JSON_MAX * components


def _button(reply: QuickReply, style: str, color: str | None = None) -> FlexButton:
    """A card button that posts back what the quick reply with the same label would."""
    action = PostbackAction(label=reply.label, data=reply.data or "", displayText=reply.display_text)
    return FlexButton(action=action, style=style, height="sm", color=color)


def _text(text: str, **style: object) -> FlexText:
    """A wrapped text component."""
    return FlexText(text=text, wrap=True, **style)


def card_bubble(card: AnswerCard) -> FlexBubble:
    """The card's bubble: header (title, badge), body (answer, source, note, what to type), footer (buttons)."""
    header: list[FlexComponent] = [_text(card.title, weight="bold", size="lg", color="#FFFFFF")]
    if card.badge:
        header.append(FlexBox(layout="baseline", margin="sm", contents=[
            _text(f"⚠ {card.badge}", size="xs", weight="bold", color="#FFFFFF")],
            backgroundColor=BADGE_COLOR, cornerRadius="md", paddingAll="4px"))
    body: list[FlexComponent] = [_text(card.body, size="sm")] if card.body else []  # LINE refuses an empty text
    if card.source:
        body += [FlexSeparator(margin="lg"), _text(card.source, size="xs", color=MUTED, margin="md")]
    if card.note:
        body.append(_text(card.note, size="xs", color=BADGE_COLOR, margin="sm"))
    if card.hint:
        body.append(_text(card.hint, size="xs", color=MUTED, margin="lg"))
    footer: list[FlexComponent] = []
    if card.feedback:
        footer.append(FlexBox(layout="horizontal", spacing="sm",
                              contents=[_button(b, "secondary") for b in card.feedback]))
    if card.related:
        footer.append(_text("เรื่องที่เกี่ยวข้อง", size="xs", color=MUTED, margin="md"))
        footer += [_button(b, "link") for b in card.related]
    if card.language:
        footer.append(_button(card.language, "link"))
    if card.officer:
        footer.append(_button(card.officer, "primary", HEADER_COLOR))
    return FlexBubble(
        header=FlexBox(layout="vertical", contents=header, backgroundColor=HEADER_COLOR, paddingAll="lg"),
        body=FlexBox(layout="vertical", contents=body),
        footer=FlexBox(layout="vertical", spacing="sm", contents=footer) if footer else None,
    )


def card_message(card: AnswerCard) -> FlexMessage | None:
    """The card as a Flex message, or None when LINE would refuse it (then the text goes instead)."""
    if not card.alt_text or utf16_len(card.alt_text) > ALT_TEXT_MAX:
        return None
    if any(not b.label or utf16_len(b.label) > FLEX_LABEL_MAX or not b.data for b in card.buttons()):
        return None
    bubble = card_bubble(card)
    if size_bound(card) > BUBBLE_JSON_MAX and bubble_size(bubble) > BUBBLE_JSON_MAX:
        return None
    return FlexMessage(altText=card.alt_text, contents=bubble)
