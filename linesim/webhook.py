"""Build, sign and deliver webhook bodies shaped exactly like LINE's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import requests

from linesim import ids

WEBHOOK_TIMEOUT = 10.0
USER_AGENT = "LineBotWebhook/2.0"
REPLYABLE = {"message", "follow", "join", "postback", "memberJoined", "beacon", "accountLink"}


def sign(channel_secret: str, body: bytes) -> str:
    """Return X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_body(destination: str, events: list[dict[str, Any]]) -> bytes:
    """Serialise a webhook body compactly in UTF-8 (Thai stays unescaped, as LINE sends it)."""
    return json.dumps({"destination": destination, "events": events}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def base_event(event_type: str, source: dict[str, Any], timestamp: int | None = None,
               webhook_event_id: str | None = None, redelivery: bool = False) -> dict[str, Any]:
    """Return the common properties every webhook event carries (all SDK-required ones)."""
    ts = int(time.time() * 1000) if timestamp is None else int(timestamp)
    return {
        "type": event_type,
        "mode": "active",
        "timestamp": ts,
        "source": source,
        "webhookEventId": webhook_event_id or ids.ulid(ts),
        "deliveryContext": {"isRedelivery": bool(redelivery)},
    }


def message_content(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return the `message` object of a message event: text, sticker, image, video, audio or file."""
    content: dict[str, Any] = {"type": kind, "id": ids.message_id(), "quoteToken": ids.quote_token()}
    if kind == "text":
        content["text"] = str(payload.get("text", ""))
    elif kind == "sticker":
        content.update({"packageId": str(payload.get("packageId", "446")),
                        "stickerId": str(payload.get("stickerId", "1988")),
                        "stickerResourceType": payload.get("stickerResourceType", "STATIC")})
        if payload.get("keywords"):
            content["keywords"] = list(payload["keywords"])
    elif kind in ("image", "video", "audio"):
        # LINE: "line" means the content is fetched from the content API with this message id; "external"
        # carries the sender's own originalContentUrl instead (webhook message objects, contentProvider).
        content["contentProvider"] = {"type": "line"}
        if kind in ("video", "audio"):
            content["duration"] = int(payload.get("duration", 1000))
        if kind == "image" and payload.get("imageSet"):
            content["imageSet"] = payload["imageSet"]
    elif kind == "file":
        content["fileName"] = str(payload.get("fileName") or "file")
        content["fileSize"] = int(payload.get("fileSize") or 0)
    return content


def post(url: str, channel_secret: str, body: bytes, timeout: float = WEBHOOK_TIMEOUT) -> dict[str, Any]:
    """POST a signed body to the bot and report its status (None when unreachable)."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": sign(channel_secret, body),
        "User-Agent": USER_AGENT,
    }
    started = time.time()
    try:
        resp = requests.post(url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        return {"status": None, "error": f"{type(exc).__name__}: {exc}",
                "elapsed": round(time.time() - started, 3)}
    result: dict[str, Any] = {"status": resp.status_code, "elapsed": round(time.time() - started, 3)}
    resp.close()
    return result
