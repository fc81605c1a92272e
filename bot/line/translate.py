"""LINE webhook JSON -> handlers.chat.events: the only place that knows LINE's event shapes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from handlers.chat.events import (
    BotEvent,
    EventMeta,
    Followed,
    Joined,
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
    chat_type, chat_id = "user", None
    if source.get("type") in ("group", "room"):
        chat_type = str(source["type"])
        found = source.get("groupId" if chat_type == "group" else "roomId")
        chat_id = clean(found[:64]) if isinstance(found, str) else None
    return EventMeta(
        event_id=clean(event_id[:64]) if event_id else None,
        occurred_at=occurred,
        user_id=clean(user_id[:64]) if user_id else None,
        reply_token=token,
        redelivery=bool(context.get("isRedelivery", False)),
        chat_type=chat_type,
        chat_id=chat_id,
    )


def _without_self_mention(message: TextMessageContent) -> tuple[str, bool]:
    """The text with the mentions of this bot (isSelf) cut out, and whether there was one."""
    text = message.text or ""
    mentionees = message.mention.mentionees if message.mention and message.mention.mentionees else []
    spans = sorted(((m.index, m.length) for m in mentionees if getattr(m, "is_self", None) is True
                    and isinstance(m.index, int) and isinstance(m.length, int)), reverse=True)
    for index, length in spans:  # LINE counts index and length in UTF-16 units
        units = text.encode("utf-16-le", "surrogatepass")
        if 0 <= index and index + length <= len(units) // 2:
            text = (units[:index * 2] + units[(index + length) * 2:]).decode("utf-16-le", "replace")
    return " ".join(text.split()), bool(spans)


def _media(meta: EventMeta, message: Any) -> MediaReceived:
    """A non-text message, keeping what is needed to fetch its content (id, provider, a file's name and size).

    LINE: a message with `contentProvider.type` "line" has its content at the content API (api-data.line.me,
    GET /v2/bot/message/{messageId}/content); "external" means it sits at the sender's `originalContentUrl`
    instead (https://developers.line.biz/en/reference/messaging-api/#getting-content and the webhook message
    objects; line-bot-sdk's ContentProvider model). File messages always have LINE as provider.
    """
    message_type = clean(str(getattr(message, "type", "unknown"))[:32])
    message_id = getattr(message, "id", None)
    provider = getattr(getattr(message, "content_provider", None), "type", None) or "line"
    name = getattr(message, "file_name", None)
    size = getattr(message, "file_size", None)
    return MediaReceived(
        meta, message_type,
        message_id=clean(message_id[:32]) if isinstance(message_id, str) and message_id.isdigit() else None,
        provider=clean(str(provider)[:16]),
        file_name=clean(name[:200]) if isinstance(name, str) else None,
        file_size=size if isinstance(size, int) and size >= 0 else None,
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
            if meta.shared:
                text, mentioned = _without_self_mention(event.message)
                return TextReceived(meta, clean(text), mentioned)
            return TextReceived(meta, clean(event.message.text or ""))
        return _media(meta, event.message)
    if isinstance(event, PostbackEvent):
        return PostbackReceived(meta, clean(event.postback.data or ""))
    if isinstance(event, FollowEvent):
        return Followed(meta)
    if isinstance(event, UnfollowEvent):
        return Unfollowed(meta)
    if isinstance(event, JoinEvent):
        return Joined(meta)
    return OtherEvent(meta, event_type)
