"""Validation of message objects with LINE's limits and error-body shape."""

from __future__ import annotations

from typing import Any

MESSAGE_TYPES = {
    "text", "textV2", "sticker", "image", "video", "audio", "location",
    "imagemap", "template", "flex", "coupon",
}
MAX_TEXT = 5000
MAX_QUICK_REPLY = 13
MAX_ALT_TEXT = 1500


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, because LINE's 5,000 limit counts surrogate pairs as 2."""
    return len(text.encode("utf-16-le")) // 2


def validate_messages(messages: Any) -> list[dict[str, str]]:
    """Return LINE-style error details for a messages array (empty list when valid)."""
    if not isinstance(messages, list):
        return [{"message": "must be specified", "property": "messages"}]
    if not 1 <= len(messages) <= 5:
        return [{"message": "Size must be between 1 and 5", "property": "messages"}]
    details: list[dict[str, str]] = []
    for i, msg in enumerate(messages):
        prop = f"messages[{i}]"
        if not isinstance(msg, dict):
            details.append({"message": "must be an object", "property": prop})
            continue
        mtype = msg.get("type")
        if not isinstance(mtype, str) or not mtype:
            details.append({"message": "must be specified", "property": f"{prop}.type"})
            continue
        if mtype not in MESSAGE_TYPES:
            details.append({"message": "Invalid message type", "property": f"{prop}.type"})
            continue
        details.extend(_validate_one(msg, mtype, prop))
    return details


def _validate_one(msg: dict[str, Any], mtype: str, prop: str) -> list[dict[str, str]]:
    """Check the per-type limits that matter to a text/flex bot."""
    details: list[dict[str, str]] = []
    if mtype in ("text", "textV2"):
        text = msg.get("text")
        if not isinstance(text, str) or not text:
            details.append({"message": "must be specified", "property": f"{prop}.text"})
        elif utf16_len(text) > MAX_TEXT:
            details.append({"message": "Length must be between 0 and 5000", "property": f"{prop}.text"})
    elif mtype == "sticker":
        for key in ("packageId", "stickerId"):
            if not msg.get(key):
                details.append({"message": "must be specified", "property": f"{prop}.{key}"})
    elif mtype in ("image", "video"):
        for key in ("originalContentUrl", "previewImageUrl"):
            if not msg.get(key):
                details.append({"message": "must be specified", "property": f"{prop}.{key}"})
    elif mtype in ("flex", "template"):
        alt = msg.get("altText")
        if not isinstance(alt, str) or not alt:
            details.append({"message": "must be specified", "property": f"{prop}.altText"})
        elif len(alt) > MAX_ALT_TEXT:
            details.append({"message": "Length must be between 0 and 1500", "property": f"{prop}.altText"})
        key = "contents" if mtype == "flex" else "template"
        if not isinstance(msg.get(key), dict):
            details.append({"message": "must be specified", "property": f"{prop}.{key}"})
    quick = msg.get("quickReply")
    if quick is not None:
        items = quick.get("items") if isinstance(quick, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY:
            details.append({"message": "Size must be between 1 and 13", "property": f"{prop}.quickReply.items"})
    return details
