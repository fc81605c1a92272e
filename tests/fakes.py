"""Hand-written fakes that record what happened, so tests assert on state rather than calls."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.chat.events import FetchedContent
from handlers.chat.replies import Message
from handlers.ports import DeliveryError, Profile, Quota

SECRET = "test-channel-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    """X-Line-Signature for a body, as LINE computes it (HMAC-SHA256, base64)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def utf16_units(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def seen_by_user(message: Message) -> str:
    """The words of one message as LINE shows it: rendered by bot/ (a card, or its text), read like linesim."""
    from bot.line.messenger import to_line_message  # the real renderer, so tests see what LINE receives
    from linesim.client import readable_text

    return readable_text(json.loads(json.dumps(to_line_message(message))))


def line_refusals(messages: Sequence[Message]) -> list[str]:
    """What LINE's Messaging API would refuse in these messages (its documented limits), as property names."""
    problems = [] if 1 <= len(messages) <= 5 else ["messages: 1 to 5"]
    for i, message in enumerate(messages):
        if not message.text or utf16_units(message.text) > 5000:
            problems.append(f"messages[{i}].text")
        if len(message.quick_replies) > 13:
            problems.append(f"messages[{i}].quickReply.items")
        card = message.card
        if card is not None and (not card.alt_text or utf16_units(card.alt_text) > 1500):
            problems.append(f"messages[{i}].altText")
        for j, button in enumerate(card.buttons() if card is not None else ()):
            if not button.label or utf16_units(button.label) > 40 or not button.data or utf16_units(button.data) > 300 \
                    or (button.display_text is not None and utf16_units(button.display_text) > 300):
                problems.append(f"messages[{i}].contents.footer.contents[{j}].action")
        for j, button in enumerate(message.quick_replies):
            where = f"messages[{i}].quickReply.items[{j}].action"
            limits = (("label", button.label, 20), ("displayText", button.display_text, 300),
                      ("data", button.data, 300), ("text", button.text, 300))
            problems += [f"{where}.{name}" for name, value, limit in limits
                         if value is not None and (utf16_units(value) > limit or (name == "label" and not value))]
    return problems


@dataclass
class FakeMessenger:
    """Records replies and pushes; can be told to fail the next calls like LINE would.

    Like LINE, it refuses (HTTP 400) any message beyond LINE's limits, so an oversized string cannot pass a test.
    """

    replies: list[tuple[str, list[Message]]] = field(default_factory=list)
    pushes: list[tuple[str, list[Message], str]] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    fail_next: list[DeliveryError] = field(default_factory=list)
    multicasts: list[tuple[list[str], list[Message], str]] = field(default_factory=list)
    broadcasts: list[tuple[list[Message], str]] = field(default_factory=list)
    quota_limit: int | None = 300
    quota_used: int = 0
    followers: int | None = 0
    refused: list[tuple[str, list[str]]] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)

    def leave(self, chat_type: str, chat_id: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.left.append((chat_type, chat_id))

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self._check(messages, "reply")
        self.replies.append((reply_token, list(messages)))

    def push(self, line_user_id: str, messages: Sequence[Message], retry_key: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self._check(messages, "push")
        self.pushes.append((line_user_id, list(messages), retry_key))

    def _check(self, messages: Sequence[Message], what: str) -> None:
        refused = line_refusals(messages)
        if refused:
            self.refused.append((what, refused))
            raise DeliveryError(f"LINE {what} failed with HTTP 400: {', '.join(refused)}", status=400)

    def profile(self, line_user_id: str) -> Profile | None:
        return self.profiles.get(line_user_id)

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self._check(messages, "multicast")
        if any(key == retry_key for _, _, key in self.multicasts):
            return  # LINE answers 409: already accepted
        self.multicasts.append((list(line_user_ids), list(messages), retry_key))
        self.quota_used += len(set(line_user_ids))

    def broadcast(self, messages: Sequence[Message], retry_key: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self._check(messages, "broadcast")
        if any(key == retry_key for _, key in self.broadcasts):
            return  # LINE answers 409: already accepted
        self.broadcasts.append((list(messages), retry_key))
        self.quota_used += self.followers or 0

    def quota(self) -> Quota:
        return Quota(self.quota_limit, self.quota_used)

    def followers_reach(self) -> int | None:
        return self.followers

    def texts_for(self, reply_token: str) -> list[str]:
        """What the user reads of the reply sent with one token: each message as bot/ sends it to LINE (an
        answer card's texts and labels, or a text message's text), read as linesim's chat page shows it."""
        return [seen_by_user(m) for token, ms in self.replies if token == reply_token for m in ms]


@dataclass
class FakeFetcher:
    """LINE's content API as a dict: message id -> bytes; an unknown id answers 404 like LINE; records calls."""

    contents: dict[str, bytes] = field(default_factory=dict)
    fail_next: list[str] = field(default_factory=list)  # reasons, e.g. "ReadTimeoutError"
    calls: list[str] = field(default_factory=list)
    max_bytes: int = 10 * 1024 * 1024

    def fetch(self, message_id: str) -> FetchedContent:
        self.calls.append(message_id)
        if self.fail_next:
            return FetchedContent(None, self.fail_next.pop(0))
        if message_id not in self.contents:
            return FetchedContent(None, "HTTP 404")
        data = self.contents[message_id]
        if len(data) > self.max_bytes:  # the real fetcher stops reading there
            return FetchedContent(None, "too-large", len(data))
        return FetchedContent(data, None, len(data))


_counter = itertools.count(1)


def event_id() -> str:
    """A fresh ULID-shaped webhookEventId."""
    return f"01TEST{next(_counter):020d}"


def base_event(kind: str, user_id: str, *, timestamp_ms: int | None = None, reply: bool = True,
               webhook_event_id: str | None = None) -> dict[str, Any]:
    """The common envelope of a LINE webhook event from a user."""
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": webhook_event_id or event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply:
        event["replyToken"] = f"rt-{next(_counter)}"
    return event


def text_event(user_id: str, text: str, **kw: Any) -> dict[str, Any]:
    """A text message event."""
    event = base_event("message", user_id, **kw)
    event["message"] = {"type": "text", "id": str(next(_counter)), "quoteToken": "q", "text": text}
    return event


def postback_event(user_id: str, data: str, **kw: Any) -> dict[str, Any]:
    """A postback event (a quick reply or rich-menu tap)."""
    event = base_event("postback", user_id, **kw)
    event["postback"] = {"data": data}
    return event


def follow_event(user_id: str, **kw: Any) -> dict[str, Any]:
    """A follow (add friend) event."""
    event = base_event("follow", user_id, **kw)
    event["follow"] = {"isUnblocked": False}
    return event


def media_event(user_id: str, kind: str = "image", *, message_id: str | None = None, file_name: str = "doc.pdf",
                file_size: int = 0, provider: str = "line", **kw: Any) -> dict[str, Any]:
    """An image, video, audio or file message event, shaped as LINE sends it."""
    event = base_event("message", user_id, **kw)
    message: dict[str, Any] = {"type": kind, "id": message_id or str(10**17 + next(_counter)), "quoteToken": "q"}
    if kind in ("image", "video", "audio"):
        message["contentProvider"] = {"type": provider} if provider == "line" else {
            "type": "external", "originalContentUrl": "https://example.invalid/x.jpg",
            "previewImageUrl": "https://example.invalid/p.jpg"}
        if kind != "image":
            message["duration"] = 1000
    else:
        message.update(fileName=file_name, fileSize=file_size)
    event["message"] = message
    return event


def body_of(*events: dict[str, Any]) -> bytes:
    """A webhook request body holding these events."""
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()
