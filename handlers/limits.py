"""LINE's limits on every string that becomes a message or an action, measured as LINE measures them.

LINE counts UTF-16 code units (an emoji outside the Basic Multilingual Plane counts 2), so a check in
Python code points lets through text that LINE refuses. Everything built for LINE passes through here.
"""

from __future__ import annotations

import unicodedata

TEXT_MAX = 5000  # one text message
MESSAGES_PER_CALL = 5  # messages in one reply or push
QUICK_REPLY_MAX = 13  # quick-reply buttons on one message
LABEL_MAX = 20  # a quick-reply or postback action's label
DISPLAY_TEXT_MAX = 300  # a postback action's displayText
DATA_MAX = 300  # a postback action's data
ACTION_TEXT_MAX = 300  # a message action's text
# LINE's Messaging API reference, "Flex Message" (developers.line.biz/en/reference/messaging-api/#flex-message,
# read 2026-12-01): altText "Max character limit: 1500"; "The maximum size of JSON data that defines a bubble
# is 30 KB" (a carousel: 50 KB, at most 12 bubbles); a text component has no length limit of its own (only
# the bubble's size). Action labels: 20 on quick replies, 40 on a flex button ("Specifications of the
# label", #action-object-label-spec); this bot keeps every label to 20 so one button fits both.
ALT_TEXT_MAX = 1500  # a template or flex message's altText
BUBBLE_JSON_MAX = 30_000  # bytes of JSON for one bubble: "30 KB" read as the smaller 30,000
FLEX_LABEL_MAX = 40  # a flex button action's label
CARD_ALT_TEXT_MAX = 400  # this bot's answer cards: notifications and the chat list show only the start
CARD_TITLE_MAX = 200  # a card's title (entry titles are far shorter; a guard, not a layout rule)
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """The length of `text` as LINE counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _prefix(text: str, units: int) -> str:
    """The longest prefix within `units` UTF-16 units that does not end before a combining mark."""
    used, end = 0, 0
    for end, char in enumerate(text):  # noqa: B007 - `end` is read after the loop
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > units:
            break
        used += size
    else:
        return text
    while end > 0 and unicodedata.category(text[end]) in ("Mn", "Mc", "Me"):
        end -= 1  # a Thai vowel or tone mark stays with its consonant
    return text[:end]


def fit(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """`text` cut to at most `limit` UTF-16 units, the cut marked with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    return _prefix(text, limit - utf16_len(ellipsis)) + ellipsis


def split(text: str, limit: int = TEXT_MAX) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, broken at a paragraph, line or space where possible."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = _prefix(rest, limit)
        cut = max(head.rfind("\n\n"), head.rfind("\n"), head.rfind(" "))
        if cut < len(head) // 2:  # no good break in the second half: cut hard, never lose text
            cut = len(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [""]
