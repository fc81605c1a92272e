"""Platform-neutral events: what bot/ turns LINE webhook events into before handlers see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class EventMeta:
    """What every inbound event carries: LINE's event id and time, who sent it, how to reply."""

    event_id: str | None
    occurred_at: dt.datetime
    user_id: str | None
    reply_token: str | None = None
    redelivery: bool = False
    chat_type: str = "user"  # "user" (one-to-one), "group" or "room": where a reply goes
    chat_id: str | None = None  # the group or room id; None in a one-to-one chat

    @property
    def shared(self) -> bool:
        """Whether the chat has other people in it: nothing personal may be said there."""
        return self.chat_type != "user"


@dataclass(frozen=True)
class TextReceived:
    """A text message typed by a user."""

    meta: EventMeta
    text: str  # in a group or room, without the "@IAO" mention itself
    mentioned: bool = False  # the message mentions @IAO (LINE's mention object with isSelf)


@dataclass(frozen=True)
class PostbackReceived:
    """A tap on a quick reply, rich menu or button that carries postback data."""

    meta: EventMeta
    data: str


@dataclass(frozen=True)
class Followed:
    """The user added @IAO as a friend (or unblocked it)."""

    meta: EventMeta


@dataclass(frozen=True)
class Unfollowed:
    """The user blocked @IAO; LINE gives no reply token."""

    meta: EventMeta


@dataclass(frozen=True)
class Joined:
    """@IAO was added to a group or room."""

    meta: EventMeta


@dataclass(frozen=True)
class FetchedContent:
    """What the worker got from LINE's data host for a message, before the event's transaction: bytes or why not.

    `error` is a short reason without personal data ("too-large", "timeout", "HTTP 404", "external provider").
    """

    data: bytes | None
    error: str | None = None
    size: int | None = None  # bytes LINE announced or sent, when known


@dataclass(frozen=True)
class MediaReceived:
    """A non-text message (sticker, image, video, audio, file, location) the bot cannot read."""

    meta: EventMeta
    message_type: str
    message_id: str | None = None  # LINE's message id: the key of its content on the data host
    provider: str = "line"  # contentProvider.type: "line" (content API) or "external" (the sender's own URL)
    file_name: str | None = None  # a file message's name, as the sender's device gave it
    file_size: int | None = None  # a file message's declared size in bytes
    fetched: FetchedContent | None = None  # filled in by the worker outside the transaction


@dataclass(frozen=True)
class OtherEvent:
    """Any event type @IAO does not act on (join, leave, beacon, unsend, ...): logged and skipped."""

    meta: EventMeta
    event_type: str


BotEvent = TextReceived | PostbackReceived | Followed | Unfollowed | Joined | MediaReceived | OtherEvent
