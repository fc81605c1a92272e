"""LINE webhook JSON -> handlers.events: the only place that knows LINE's event shapes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from handlers.events import (
    BotEvent,
    EventMeta,
    Followed,
    MediaReceived,
    OtherEvent,
    PostbackReceived,
    TextReceived,
    Unfollowed,
)

log = logging.getLogger(__name__)


def clean(text: str) -> str:
    """Make user text storable everywhere: no NUL (PostgreSQL refuses it), no lone surrogates."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _meta(raw: dict[str, Any]) -> EventMeta:
    """Fields every event has, read from the raw JSON so a malformed event still gets logged."""
    timestamp = raw.get("timestamp")
    if isinstance(timestamp, int | float) and 0 < timestamp < 32503680000000:
        occurred = dt.datetime.fromtimestamp(timestamp / 1000, dt.UTC)
    else:
        occurred = dt.datetime.now(dt.UTC)
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    user_id = source.get("userId") if isinstance(source.get("userId"), str) else None
    event_id = raw.get("webhookEventId") if isinstance(raw.get("webhookEventId"), str) else None
    context = raw.get("deliveryContext") if isinstance(raw.get("deliveryContext"), dict) else {}
    token = raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None
    if raw.get("mode") == "standby":  # another channel owns the chat: never reply
        token = None
    return EventMeta(
        event_id=clean(event_id[:64]) if event_id else None,
        occurred_at=occurred,
        user_id=clean(user_id[:64]) if user_id else None,
        reply_token=token,
        redelivery=bool(context.get("isRedelivery", False)),
    )


def to_bot_event(raw: Any) -> BotEvent | None:
    """Translate one raw webhook event; unknown or malformed events become OtherEvent, never an error."""
    if not isinstance(raw, dict):
        return None
    meta = _meta(raw)
    event_type = clean(str(raw.get("type", "unknown"))[:32])
    try:
        event = Event.from_dict(raw)
    except Exception:  # the SDK raises ValueError, pydantic errors or KeyError on odd shapes
        log.info("unparsed webhook event type=%s", event_type)
        return OtherEvent(meta, event_type)
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return TextReceived(meta, clean(event.message.text or ""))
        return MediaReceived(meta, clean(str(getattr(event.message, "type", "unknown"))[:32]))
    if isinstance(event, PostbackEvent):
        return PostbackReceived(meta, clean(event.postback.data or ""))
    if isinstance(event, FollowEvent):
        return Followed(meta)
    if isinstance(event, UnfollowEvent):
        return Unfollowed(meta)
    return OtherEvent(meta, event_type)
