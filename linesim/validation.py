"""Validation of message objects with LINE's limits and error-body shape."""

from __future__ import annotations

import json
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
        elif utf16_len(alt) > MAX_ALT_TEXT:
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


# ---------------------------------------------------------------------------------------- Flex messages
# LINE's Messaging API reference, "Flex Message" and "Action objects" (developers.line.biz/en/reference/
# messaging-api/#flex-message, read 2026-12-01): a bubble's JSON is at most 30 KB, a carousel's 50 KB with at
# most 12 bubbles; a box's layout is horizontal, vertical or baseline, and a baseline box holds only icons,
# texts and fillers; a text needs `text` or `contents` (spans); a button needs an action; a flex button's
# label is required and at most 40 characters (other flex components: optional, 40); postback data at most
# 300, displayText 300, a message action's text 300, a URI 1,000; image and icon URLs are HTTPS, at most
# 2,000. LINE answers an invalid flex message with 400 "A message (messages[i]) in the request body is
# invalid" and details whose property is a path inside the flex container, e.g. "/body/contents/0/text".
BUBBLE_MAX_BYTES = 30 * 1024
CAROUSEL_MAX_BYTES = 50 * 1024
CAROUSEL_MAX_BUBBLES = 12
FLEX_LABEL_MAX = 40
BLOCKS = {"header": ("box",), "hero": ("box", "image", "video"), "body": ("box",), "footer": ("box",)}
IN_BOX = {"horizontal": {"box", "button", "image", "text", "separator", "filler"},
          "vertical": {"box", "button", "image", "text", "separator", "filler"},
          "baseline": {"icon", "text", "filler"}}
COMPONENTS = {"box", "button", "image", "video", "icon", "text", "separator", "filler"}
ACTION_TYPES = {"postback", "message", "uri", "datetimepicker", "clipboard", "richmenuswitch"}


def json_bytes(value: Any) -> int:
    """The size of a JSON value as LINE receives it: compact UTF-8."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def flex_details(container: Any) -> list[dict[str, str]]:
    """LINE-style details for one flex container (empty when LINE would accept it)."""
    if not isinstance(container, dict):
        return [{"message": "must be specified", "property": "/"}]
    kind = container.get("type")
    if kind == "bubble":
        details = _bubble(container, "")
        if not details and json_bytes(container) > BUBBLE_MAX_BYTES:
            details.append({"message": "Too large flex message. The maximum size of JSON data that defines a "
                                       "bubble is 30 KB", "property": "/"})
        return details
    if kind == "carousel":
        bubbles = container.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= CAROUSEL_MAX_BUBBLES:
            return [{"message": f"Size must be between 1 and {CAROUSEL_MAX_BUBBLES}", "property": "/contents"}]
        details = []
        for i, bubble in enumerate(bubbles):
            where = f"/contents/{i}"
            if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
                details.append({"message": "must be bubble", "property": f"{where}/type"})
                continue
            details += _bubble(bubble, where)
            if json_bytes(bubble) > BUBBLE_MAX_BYTES:
                details.append({"message": "Too large flex message. The maximum size of JSON data that defines "
                                           "a bubble is 30 KB", "property": where})
        if not details and json_bytes(container) > CAROUSEL_MAX_BYTES:
            details.append({"message": "Too large flex message. The maximum size of JSON data that defines a "
                                       "carousel is 50 KB", "property": "/"})
        return details
    return [{"message": "must be one of [bubble, carousel]", "property": "/type"}]


def _bubble(bubble: dict[str, Any], where: str) -> list[dict[str, str]]:
    """A bubble: at least one block, each of the kind its place allows."""
    present = [name for name in BLOCKS if bubble.get(name) is not None]
    if not present:
        return [{"message": "At least one block must be specified", "property": where or "/"}]
    details: list[dict[str, str]] = []
    for name in present:
        block = bubble[name]
        if not isinstance(block, dict) or block.get("type") not in BLOCKS[name]:
            details.append({"message": f"must be one of {list(BLOCKS[name])}", "property": f"{where}/{name}/type"})
            continue
        details += _component(block, f"{where}/{name}", None)
    if bubble.get("size") not in (None, "nano", "micro", "deca", "hecto", "kilo", "mega", "giga"):
        details.append({"message": "invalid size", "property": f"{where}/size"})
    if bubble.get("action") is not None:
        details += _action(bubble["action"], f"{where}/action", label_required=False)
    return details


def _component(node: Any, where: str, layout: str | None) -> list[dict[str, str]]:
    """One component, and what it contains."""
    if not isinstance(node, dict):
        return [{"message": "must be an object", "property": where}]
    kind = node.get("type")
    if kind not in COMPONENTS:
        return [{"message": "Invalid component type", "property": f"{where}/type"}]
    if layout is not None and kind not in IN_BOX[layout]:
        return [{"message": f"{kind!s} is not allowed in a {layout} box", "property": f"{where}/type"}]
    details: list[dict[str, str]] = []
    if kind == "box":
        box_layout = node.get("layout")
        if box_layout not in IN_BOX:
            return [{"message": "must be one of [horizontal, vertical, baseline]", "property": f"{where}/layout"}]
        contents = node.get("contents")
        if not isinstance(contents, list):
            return [{"message": "must be specified", "property": f"{where}/contents"}]
        for i, child in enumerate(contents):
            details += _component(child, f"{where}/contents/{i}", box_layout)
    elif kind == "text":
        spans = node.get("contents")
        if isinstance(spans, list) and spans:
            for i, span in enumerate(spans):
                if not isinstance(span, dict) or span.get("type") != "span" or not isinstance(span.get("text"), str):
                    details.append({"message": "must be a span with text", "property": f"{where}/contents/{i}"})
        elif not isinstance(node.get("text"), str) or not node["text"]:
            details.append({"message": "must be specified", "property": f"{where}/text"})
    elif kind == "button":
        if node.get("action") is None:
            details.append({"message": "must be specified", "property": f"{where}/action"})
        else:
            details += _action(node["action"], f"{where}/action", label_required=True)
        if node.get("style") not in (None, "primary", "secondary", "link"):
            details.append({"message": "must be one of [primary, secondary, link]", "property": f"{where}/style"})
        if node.get("height") not in (None, "sm", "md"):
            details.append({"message": "must be one of [sm, md]", "property": f"{where}/height"})
    elif kind in ("image", "icon"):
        details += _https_url(node.get("url"), f"{where}/url")
    elif kind == "video":
        for key in ("url", "previewUrl"):
            details += _https_url(node.get(key), f"{where}/{key}")
        if not isinstance(node.get("altContent"), dict):
            details.append({"message": "must be specified", "property": f"{where}/altContent"})
    if kind not in ("button", "separator", "filler") and node.get("action") is not None:
        details += _action(node["action"], f"{where}/action", label_required=False)
    return details


def _https_url(url: Any, where: str) -> list[dict[str, str]]:
    """An image, icon or video URL: HTTPS, at most 2,000 characters."""
    if not isinstance(url, str) or not url:
        return [{"message": "must be specified", "property": where}]
    if not url.startswith("https://") or len(url) > 2000:
        return [{"message": "must be an HTTPS URL of at most 2000 characters", "property": where}]
    return []


def _action(action: Any, where: str, *, label_required: bool) -> list[dict[str, str]]:
    """An action object inside a flex message."""
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        return [{"message": "invalid action type", "property": f"{where}/type"}]
    details: list[dict[str, str]] = []
    label = action.get("label")
    if label is None or label == "":
        if label_required:
            details.append({"message": "must be specified", "property": f"{where}/label"})
    elif not isinstance(label, str) or utf16_len(label) > FLEX_LABEL_MAX:
        details.append({"message": f"Length must be between 0 and {FLEX_LABEL_MAX}", "property": f"{where}/label"})
    required = {"postback": ("data",), "message": ("text",), "uri": ("uri",), "datetimepicker": ("data", "mode"),
                "clipboard": ("clipboardText",), "richmenuswitch": ("data", "richMenuAliasId")}[action["type"]]
    for key in required:
        if not isinstance(action.get(key), str) or not action[key]:
            details.append({"message": "must be specified", "property": f"{where}/{key}"})
    for key, limit in (("data", 300), ("displayText", 300), ("text", 300), ("uri", 1000), ("clipboardText", 1000)):
        value = action.get(key)
        if isinstance(value, str) and utf16_len(value) > limit:
            details.append({"message": f"Length must be between 0 and {limit}", "property": f"{where}/{key}"})
    return details


def flex_problem(messages: Any) -> tuple[int, list[dict[str, str]]] | None:
    """The first flex message LINE would refuse, with its details (after validate_messages passed)."""
    for i, msg in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(msg, dict) and msg.get("type") == "flex":
            details = flex_details(msg.get("contents"))
            if details:
                return i, details
    return None
