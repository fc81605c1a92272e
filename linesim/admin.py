"""Test/admin API under /_sim and the browser chat page."""

from __future__ import annotations

import base64
import binascii
import copy
import time
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from linesim import ids, webhook
from linesim.api import state
from linesim.state import Fault, SimState

bp = Blueprint("linesim_admin", __name__)

SEND_TYPES = {"text", "postback", "follow", "unfollow", "sticker", "image", "video", "audio", "file", "join", "raw"}
MEDIA_TYPES = ("image", "video", "audio", "file")
DEFAULT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/x-m4a",
                 "file": "application/octet-stream"}
MAX_CONTENT = 50 * 1024 * 1024
CONFIG_KEYS = {"monthly_quota": int, "reply_token_ttl": float, "followers": int, "webhook_url": str,
               "bot_name": str, "slow": float}


def bad(message: str, status: int = 400) -> Response:
    """Answer an admin error in the same {"message"} shape as the API."""
    resp = jsonify({"message": message})
    resp.status_code = status
    return resp


def _body() -> dict[str, Any]:
    """Return the JSON object body or an empty dict."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/")
def chat_page() -> str:
    """Serve the LINE-like chat page for manual testing."""
    return render_template("chat.html")


@bp.post("/_sim/faults")
def add_fault() -> Response:
    """Queue a fault (status and/or delay) for an API path."""
    body = _body()
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/v2/"):
        return bad("path must be an API path such as /v2/bot/message/push")
    if body.get("status") is None and not body.get("delay"):
        return bad("give a status, a delay, or both")
    try:
        fault = _fault(path, body)
    except (TypeError, ValueError) as exc:
        return bad(f"bad fault: {exc}")
    st = state()
    with st.lock:
        st.faults.append(fault)
        faults = [asdict(f) for f in st.faults]
    return jsonify({"faults": faults})


def _fault(path: str, body: dict[str, Any]) -> Fault:
    """Build a Fault from the admin request body."""
    retry_after = body.get("retry_after", body.get("retryAfter"))
    return Fault(path=path, method=body.get("method"),
                 status=int(body["status"]) if body.get("status") is not None else None,
                 delay=float(body.get("delay") or 0.0), times=int(body.get("times", 1)),
                 retry_after=None if retry_after is None else int(retry_after),
                 body=body.get("body"), deliver=bool(body.get("deliver", False)))


@bp.get("/_sim/faults")
def list_faults() -> Response:
    """List pending faults."""
    st = state()
    with st.lock:
        return jsonify({"faults": [asdict(f) for f in st.faults]})


@bp.delete("/_sim/faults")
def clear_faults() -> Response:
    """Remove every pending fault."""
    st = state()
    with st.lock:
        st.faults = []
    return jsonify({"faults": []})


@bp.post("/_sim/reset")
def reset() -> Response:
    """Return to the start-up state so tests are independent."""
    st = state()
    st.reset()
    with st.lock:
        return jsonify(st.snapshot())


@bp.post("/_sim/config")
def config() -> Response:
    """Change quota, reply-token TTL, synthetic followers, webhook URL or this month's usage."""
    body = _body()
    unknown = set(body) - set(CONFIG_KEYS) - {"consumption"}
    if unknown:
        return bad(f"unknown settings: {sorted(unknown)}")
    try:
        values = {k: None if body[k] is None else kind(body[k]) for k, kind in CONFIG_KEYS.items() if k in body}
        usage = int(body["consumption"]) if "consumption" in body else None
    except (TypeError, ValueError) as exc:
        return bad(f"bad setting value: {exc}")
    st = state()
    with st.lock:
        for key, value in values.items():
            setattr(st.config, key, value)
        if usage is not None:
            st.set_usage(usage)
        return jsonify(st.snapshot())


@bp.get("/_sim/state")
def get_state() -> Response:
    """Return consumption, followers and other counters."""
    st = state()
    with st.lock:
        return jsonify(st.snapshot())


@bp.get("/_sim/requests")
def get_requests() -> Response:
    """Return every API request received, optionally filtered by ?path= and ?method=."""
    st = state()
    path, method = request.args.get("path"), request.args.get("method")
    with st.lock:
        rows = [r for r in st.requests
                if (not path or r["path"] == path) and (not method or r["method"] == method.upper())]
    return jsonify(rows)


@bp.get("/_sim/webhooks")
def get_webhooks() -> Response:
    """Return every webhook the simulator sent and how the bot answered."""
    st = state()
    with st.lock:
        return jsonify(list(st.webhooks))


def _bot_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Shape a timeline entry for /_sim/messages."""
    return {"via": entry["via"], "messages": entry["messages"], "at": entry["at"],
            "requestId": entry.get("requestId")}


@bp.get("/_sim/messages")
def get_messages() -> Response:
    """Return messages the bot delivered to a chat, in order (all chats without ?userId)."""
    st = state()
    chat_id = request.args.get("userId") or request.args.get("chatId")
    with st.lock:
        if chat_id:
            return jsonify([_bot_entry(e) for e in st.timeline.get(chat_id, []) if "messages" in e])
        rows = [{"to": cid, **_bot_entry(e)} for cid, entries in st.timeline.items()
                for e in entries if "messages" in e]
    rows.sort(key=lambda r: r["at"])
    return jsonify(rows)


@bp.get("/_sim/chat")
def get_chat() -> Response:
    """Return a chat's full timeline (user and bot) for the chat page's poller."""
    st = state()
    chat_id = request.args.get("userId", "")
    since = int(request.args.get("since", 0) or 0)
    with st.lock:
        user = st.users.get(chat_id)
        entries = [e for e in st.timeline.get(chat_id, []) if e["seq"] > since]
        loading = st.loading_until.get(chat_id, 0) > time.time()
        return jsonify({"user": user.to_json() if user else None, "entries": entries, "loading": loading,
                        "seq": st.seq})


@bp.get("/_sim/content/<message_id>")
def sim_content(message_id: str) -> Response:
    """What a user sent, for the chat page's own thumbnail (the bot must use the authorised /v2 API)."""
    st = state()
    with st.lock:
        found = st.contents.get(message_id)
    if found is None:
        return bad("Not found", 404)
    resp = Response(found[0], mimetype=found[1])
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/_sim/users")
def list_users() -> Response:
    """List known users."""
    st = state()
    with st.lock:
        return jsonify([u.to_json() for u in st.users.values()])


@bp.post("/_sim/users")
def add_user() -> Response:
    """Create a user (LINE-like id generated unless given); "follow": true also befriends silently."""
    body = _body()
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        return bad("displayName is required")
    uid = body.get("userId")
    if uid is not None and (not isinstance(uid, str) or not uid.startswith("U")):
        return bad("userId must look like U + 32 hex")
    st = state()
    with st.lock:
        user = st.add_user(name.strip(), uid, body.get("language", "th"), body.get("pictureUrl"),
                           body.get("statusMessage"), follow=bool(body.get("follow", False)))
        return jsonify(user.to_json())


def _build(st: SimState, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None] | Response:
    """Build the events for a /_sim/send request and update state; caller holds the lock."""
    kind = body.get("type", "text")
    if kind not in SEND_TYPES:
        return bad(f"type must be one of {sorted(SEND_TYPES)}")
    event_id = body.get("webhookEventId")
    redelivery = bool(body.get("redelivery", False))
    if redelivery and event_id in st.sent_events:
        event = copy.deepcopy(st.sent_events[event_id])
        event["deliveryContext"] = {"isRedelivery": True}
        if event.get("replyToken"):
            st.refresh_token_for_redelivery(event["replyToken"])
        return [event], event.get("replyToken")
    if kind == "raw":
        events = body.get("events")
        if not isinstance(events, list):
            return bad("raw needs an events list")
        for ev in events:
            if isinstance(ev, dict) and ev.get("replyToken"):
                src = ev.get("source") or {}
                chat = src.get("groupId") or src.get("roomId") or src.get("userId") or ""
                st.register_token(ev["replyToken"], chat, int(ev.get("timestamp") or time.time() * 1000))
        first = events[0] if events and isinstance(events[0], dict) else {}
        return events, first.get("replyToken")

    uid = body.get("userId")
    user = st.users.get(uid) if isinstance(uid, str) else None
    if user is None:
        if kind != "join" and not body.get("displayName"):
            return bad("unknown userId (create it with POST /_sim/users)", 404)
        if body.get("displayName"):
            user = st.add_user(str(body["displayName"]), uid if isinstance(uid, str) else None)
    group = body.get("groupId") or body.get("roomId")
    where_type = "room" if (body.get("room") or body.get("roomId")) and not body.get("groupId") else "group"
    where = "roomId" if where_type == "room" else "groupId"
    if kind == "join":
        group = group or (ids.room_id() if where_type == "room" else ids.group_id())
        st.groups.setdefault(group, {where: group})
        st.left_chats.discard(group)
        source: dict[str, Any] = {"type": where_type, where: group}
    elif group:
        if group in st.left_chats:
            return bad("the bot left this chat; send a join first", 409)
        st.groups.setdefault(group, {where: group})
        source = {"type": where_type, where: group, "userId": user.user_id}
    else:
        source = {"type": "user", "userId": user.user_id}
    chat_id = group or user.user_id
    event_type = "message" if kind in ("text", "sticker", *MEDIA_TYPES) else kind
    event = webhook.base_event(event_type, source, body.get("timestamp"), event_id, redelivery)
    shown: dict[str, Any] = {"via": "user", "kind": kind}
    content: bytes | None = None
    if kind in MEDIA_TYPES:
        try:
            content = base64.b64decode(str(body.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            return bad("content must be base64")
        if len(content) > MAX_CONTENT:
            return bad(f"content over {MAX_CONTENT} bytes")
        if kind == "file":
            body = {**body, "fileSize": len(content)}
    if event_type == "message":
        event["message"] = webhook.message_content(kind, body)
        if kind in MEDIA_TYPES:  # what GET /v2/bot/message/{id}/content will serve (a real LINE keeps it too)
            st.contents[event["message"]["id"]] = (content or b"", str(body.get("contentType")
                                                                      or DEFAULT_TYPES[kind])[:100])
        if kind == "text" and group and body.get("mention"):  # "@bot text", as LINE's app writes a mention
            tag = f"@{st.config.bot_name}"
            event["message"]["text"] = f"{tag} {event['message']['text']}"
            event["message"]["mention"] = {"mentionees": [{"index": 0, "length": len(tag.encode("utf-16-le")) // 2,
                                                           "type": "user", "userId": st.bot_user_id,
                                                           "isSelf": True}]}
        shown["message"] = event["message"]
        if user and group:
            shown["from"] = user.display_name
    elif kind == "postback":
        event["postback"] = {"data": str(body.get("data", ""))}
        if body.get("params"):
            event["postback"]["params"] = body["params"]
        shown.update({"data": event["postback"]["data"], "displayText": body.get("displayText")})
    elif kind == "follow":
        was_blocked = st.set_follow(user, True)
        event["follow"] = {"isUnblocked": was_blocked}
    elif kind == "unfollow":
        st.set_follow(user, False)
    token = None
    if event_type in webhook.REPLYABLE:
        token = st.issue_token(chat_id, event["timestamp"])
        event["replyToken"] = token
    st.sent_events[event["webhookEventId"]] = event
    st.append(chat_id, shown)
    return [event], token


@bp.post("/_sim/send")
def send() -> Response:
    """Build a LINE-shaped webhook event, sign it, POST it to the bot and report the bot's status."""
    return send_event(_body())


def send_event(body: dict[str, Any]) -> Response:
    """What /_sim/send does with its body (a rich-menu tap sends its action the same way)."""
    st = state()
    with st.lock:
        built = _build(st, body)
        if isinstance(built, Response):
            return built
        events, token = built
        url = st.config.webhook_url
        secret = st.config.channel_secret
        destination = st.bot_user_id
    raw = webhook.encode_body(destination, events)
    result = webhook.post(url, secret, raw) if url else {"status": None, "error": "no webhook_url configured"}
    first = events[0] if events and isinstance(events[0], dict) else {}
    record = {"at": int(time.time() * 1000), "url": url, "events": events, **result}
    with st.lock:
        st.webhooks.append(record)
        if result.get("status") != 200:
            chat = ((first.get("source") or {}).get("groupId") or (first.get("source") or {}).get("userId"))
            if chat:
                st.append(chat, {"via": "system",
                                 "text": f"webhook → {result.get('status')} {result.get('error', '')}".strip()})
    return jsonify({"status": result.get("status"), "error": result.get("error"),
                    "webhookEventId": first.get("webhookEventId"), "replyToken": token,
                    "events": events})
