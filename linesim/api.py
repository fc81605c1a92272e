"""The Messaging API endpoints (/v2/...) as LINE serves them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from linesim import ids
from linesim.state import Fault, RetryRecord, SimState, jst_date
from linesim.validation import flex_problem, validate_messages

bp = Blueprint("linesim_api", __name__)

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
MONTHLY_LIMIT = "You have reached your monthly limit."
RETRY_ACCEPTED = "The retry key is already accepted"
CHAT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
DATE = re.compile(r"^\d{8}$")
LOGGED_HEADERS = ("Content-Type", "User-Agent", "X-Line-Retry-Key")
DEFAULT_FAULT_MESSAGES = {
    400: "Bad request", 401: AUTH_FAILED, 403: "Forbidden", 404: "Not found", 409: RETRY_ACCEPTED,
    429: "Too many requests", 500: "Internal server error", 502: "Bad gateway",
    503: "Service unavailable", 504: "Gateway timeout",
}


def state() -> SimState:
    """Return the simulator state attached to the running app."""
    return current_app.extensions["linesim"]


def error(status: int, message: str, details: list[dict[str, Any]] | None = None, **extra: Any) -> Response:
    """Build LINE's error body {"message", "details"?}."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    body.update(extra)
    resp = jsonify(body)
    resp.status_code = status
    return resp


def _fault_response(fault: Fault) -> Response:
    """Answer an injected fault with LINE's error shape."""
    status = fault.status or 500
    resp = jsonify(fault.body if fault.body is not None
                   else {"message": DEFAULT_FAULT_MESSAGES.get(status, "Error")})
    resp.status_code = status
    if fault.retry_after is not None:
        resp.headers["Retry-After"] = str(fault.retry_after)
    return resp


def _is_api() -> bool:
    """Tell whether the current request targets the Messaging API."""
    return request.path.startswith("/v2/")


def before_api() -> Response | None:
    """Give every API request an id, enforce the bearer token and apply injected faults."""
    if not _is_api():
        return None
    g.request_id = ids.request_id()
    g.started = time.time()
    g.fault = None
    st = state()
    if request.headers.get("Authorization", "") != f"Bearer {st.config.access_token}":
        return error(401, AUTH_FAILED)
    with st.lock:
        fault = st.pop_fault(request.method, request.path)
    g.fault = fault
    if fault and fault.status and not fault.deliver:
        return _fault_response(fault)
    return None


def after_api(resp: Response) -> Response:
    """Stamp x-line-request-id, log the request, then sleep if a delay fault asked for it."""
    if not _is_api() or "request_id" not in g:
        return resp
    fault: Fault | None = g.get("fault")
    if fault and fault.status and fault.deliver:
        resp = _fault_response(fault)
    resp.headers["x-line-request-id"] = g.request_id
    st = state()
    body = request.get_json(silent=True) if request.content_length else None
    entry = {
        "requestId": g.request_id,
        "method": request.method,
        "host": request.host,  # the data host (rich menu images) is told apart from the API host by this
        "path": request.path,
        "query": request.args.to_dict(),
        "headers": {h: request.headers[h] for h in LOGGED_HEADERS if h in request.headers},
        "authorized": request.headers.get("Authorization", "") == f"Bearer {st.config.access_token}",
        "json": body,
        "status": resp.status_code,
        "response": resp.get_json(silent=True),
        "fault": None if fault is None else {"status": fault.status, "delay": fault.delay},
        "at": int(g.started * 1000),
    }
    with st.lock:
        st.log_request(entry)
    if fault and fault.delay:
        time.sleep(fault.delay)
    if st.config.slow:
        time.sleep(st.config.slow)
    return resp


def http_error(exc: HTTPException) -> Response | HTTPException:
    """Answer werkzeug errors (405, 413, ...) on API paths with LINE's JSON error body."""
    if not _is_api():
        return exc
    return error(exc.code or 500, "Not found" if exc.code == 404 else exc.name)


def register(app: Flask) -> None:
    """Install the API blueprint and its request hooks on an app."""
    app.before_request(before_api)
    app.after_request(after_api)
    app.register_error_handler(HTTPException, http_error)
    app.register_blueprint(bp)


def _json_body() -> dict[str, Any] | Response:
    """Parse the JSON object body or answer 400 like LINE."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "The request body has 1 error(s)",
                     [{"message": "May not be empty", "property": "body"}])
    return body


def _check_messages(body: dict[str, Any]) -> Response | None:
    """Validate the messages array and answer 400 with details when invalid."""
    details = validate_messages(body.get("messages"))
    if details:
        return error(400, f"The request body has {len(details)} error(s)", details)
    problem = flex_problem(body.get("messages"))
    if problem is not None:
        index, flex = problem
        return error(400, f"A message (messages[{index}]) in the request body is invalid", flex)
    return None


def _retry_key() -> tuple[str | None, Response | None]:
    """Read and validate X-Line-Retry-Key (a UUID) from the request."""
    key = request.headers.get("X-Line-Retry-Key")
    if key is None:
        return None, None
    try:
        uuid.UUID(key)
    except ValueError:
        return None, error(400, "The value of the X-Line-Retry-Key header is invalid")
    return key.lower(), None


def _conflict(rec_request_id: str, sent: list[dict[str, str]] | None) -> Response:
    """Answer 409 for an already accepted retry key, naming the accepted request."""
    extra = {"sentMessages": sent} if sent else {}
    resp = error(409, RETRY_ACCEPTED, **extra)
    resp.headers["x-line-accepted-request-id"] = rec_request_id
    return resp


def _sent(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return sentMessages entries (id + quoteToken) for pushed/replied messages."""
    return [{"id": ids.message_id(), "quoteToken": ids.quote_token()} for _ in messages]


def _send(via: str, recipients_fn: Callable[[SimState], tuple[Any, int]], body: dict[str, Any],
          with_sent: bool) -> Response:
    """Shared quota/retry-key/delivery logic for push, multicast and broadcast."""
    key, bad = _retry_key()
    if bad:
        return bad
    st = state()
    messages = body["messages"]
    with st.lock:
        if key:
            rec = st.accepted_retry(key)
            if rec:
                return _conflict(rec.request_id, rec.sent_messages)
        recipients, extra_cost = recipients_fn(st)
        if isinstance(recipients, Response):
            return recipients
        cost = len(recipients) + extra_cost
        if st.usage() + cost > st.config.monthly_quota:
            return error(429, MONTHLY_LIMIT)
        st.deliver(recipients, via, messages, g.request_id, counted=True)
        st.add_usage(extra_cost)
        sent = _sent(messages) if with_sent else None
        if key:
            st.retry_keys[key] = RetryRecord(g.request_id, time.time(), sent)
    return jsonify({"sentMessages": sent} if with_sent else {})


@bp.post("/v2/bot/message/reply")
def reply() -> Response:
    """Deliver a free reply if the token was issued, unused and still fresh."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    if "X-Line-Retry-Key" in request.headers:
        return error(400, "X-Line-Retry-Key header cannot be used with the reply API")
    token = body.get("replyToken")
    if not isinstance(token, str) or not token:
        return error(400, "The request body has 1 error(s)",
                     [{"message": "must be specified", "property": "replyToken"}])
    bad = _check_messages(body)
    if bad:
        return bad
    st = state()
    with st.lock:
        rec = st.consume_token(token)
        if rec is None:
            return error(400, "Invalid reply token")
        st.deliver([rec.chat_id], "reply", body["messages"], g.request_id, counted=False)
    return jsonify({"sentMessages": _sent(body["messages"])})


@bp.post("/v2/bot/message/push")
def push() -> Response:
    """Deliver to one user or group, counting quota once."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    to = body.get("to")
    if not isinstance(to, str) or not CHAT_ID.match(to):
        return error(400, "The request body has 1 error(s)",
                     [{"message": "The property, 'to', in the request body is invalid", "property": "to"}])
    bad = _check_messages(body)
    if bad:
        return bad

    def recipients(st: SimState) -> tuple[list[str] | Response, int]:
        user = st.users.get(to)
        if user is not None:
            return ([] if user.blocked else [to]), 0
        if to in st.groups:
            return [to], 0
        return error(400, "Failed to send messages"), 0

    return _send("push", recipients, body, with_sent=True)


@bp.post("/v2/bot/message/multicast")
def multicast() -> Response:
    """Deliver to up to 500 users, counting each reachable one."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    to = body.get("to")
    if not isinstance(to, list) or not 1 <= len(to) <= 500:
        return error(400, "The request body has 1 error(s)",
                     [{"message": "Size must be between 1 and 500", "property": "to"}])
    for i, uid in enumerate(to):
        if not isinstance(uid, str) or not uid.startswith("U") or not CHAT_ID.match(uid):
            return error(400, "The request body has 1 error(s)",
                         [{"message": "invalid user ID", "property": f"to[{i}]"}])
    bad = _check_messages(body)
    if bad:
        return bad

    def recipients(st: SimState) -> tuple[list[str], int]:
        seen: list[str] = []
        for uid in to:
            user = st.users.get(uid)
            if user is not None and not user.blocked and uid not in seen:
                seen.append(uid)
        return seen, 0

    return _send("multicast", recipients, body, with_sent=False)


@bp.post("/v2/bot/message/broadcast")
def broadcast() -> Response:
    """Deliver to every friend who has not blocked; costs one per friend."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    bad = _check_messages(body)
    if bad:
        return bad

    def recipients(st: SimState) -> tuple[list[str], int]:
        return [u.user_id for u in st.reachable_users()], st.config.followers or 0

    return _send("broadcast", recipients, body, with_sent=False)


@bp.post("/v2/bot/message/validate/<kind>")
def validate(kind: str) -> Response:
    """Dry-run validation of a messages array; sends nothing, costs nothing."""
    if kind not in ("reply", "push", "multicast", "narrowcast", "broadcast"):
        return error(404, "Not found")
    body = _json_body()
    if isinstance(body, Response):
        return body
    return _check_messages(body) or jsonify({})


@bp.get("/v2/bot/message/quota")
def quota() -> Response:
    """Return the month's target limit."""
    return jsonify({"type": "limited", "value": state().config.monthly_quota})


@bp.get("/v2/bot/message/quota/consumption")
def consumption() -> Response:
    """Return this month's counted messages."""
    st = state()
    with st.lock:
        return jsonify({"totalUsage": st.usage()})


def _date_param() -> tuple[str | None, Response | None]:
    """Read ?date=yyyyMMdd (UTC+9), defaulting to today."""
    date = request.args.get("date") or jst_date(time.time())
    if not DATE.match(date):
        return None, error(400, "The request body has 1 error(s)",
                           [{"message": "invalid date format (yyyyMMdd)", "property": "date"}])
    return date, None


@bp.get("/v2/bot/message/delivery/<via>")
def delivery(via: str) -> Response:
    """Return delivered-message counts per JST day (always 'ready' in the simulator)."""
    if via not in ("reply", "push", "multicast", "broadcast"):
        return error(404, "Not found")
    date, bad = _date_param()
    if bad:
        return bad
    st = state()
    with st.lock:
        return jsonify({"status": "ready", "success": st.deliveries.get((via, date), 0)})


@bp.get("/v2/bot/profile/<user_id>")
def profile(user_id: str) -> Response:
    """Return a known user's profile, else 404 like LINE."""
    st = state()
    with st.lock:
        user = st.users.get(user_id)
        if user is None:
            return error(404, "Not found")
        return jsonify(user.profile())


@bp.get("/v2/bot/insight/followers")
def insight_followers() -> Response:
    """Return follower statistics (simulator: current counts for any date)."""
    _, bad = _date_param()
    if bad:
        return bad
    st = state()
    with st.lock:
        return jsonify({"status": "ready", **st.follower_stats()})


@bp.post("/v2/bot/chat/loading/start")
def loading_start() -> Response:
    """Show the loading animation in a 1:1 chat (202, no quota)."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    chat_id = body.get("chatId")
    seconds = body.get("loadingSeconds", 20)
    details = []
    if not isinstance(chat_id, str) or not chat_id.startswith("U") or not CHAT_ID.match(chat_id):
        details.append({"message": "invalid chatId", "property": "chatId"})
    if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
        details.append({"message": "must be a multiple of 5 between 5 and 60", "property": "loadingSeconds"})
    if details:
        return error(400, f"The request body has {len(details)} error(s)", details)
    st = state()
    with st.lock:
        st.loading_until[chat_id] = time.time() + seconds
    resp = jsonify({})
    resp.status_code = 202
    return resp


@bp.post("/v2/bot/group/<chat_id>/leave")
@bp.post("/v2/bot/room/<chat_id>/leave")
def leave(chat_id: str) -> Response:
    """Leave a group or room: 404 when the bot is not in it; afterwards pushes to it fail."""
    st = state()
    with st.lock:
        if chat_id not in st.groups:
            return error(404, "Not found")
        del st.groups[chat_id]
        st.left_chats.add(chat_id)
        st.append(chat_id, {"via": "system", "text": "the bot left the chat"})
    return jsonify({})


@bp.get("/v2/bot/message/<message_id>/content")
def message_content(message_id: str) -> Response:
    """The bytes a user sent (image, video, audio, file); 404 for an id LINE does not have, like LINE.

    LINE serves this from its data host (api-data.line.me, "Get content" in the Messaging API reference's
    domain-name table); linesim answers on the same port, so the bot's LINE_API_DATA_URL points here too.
    """
    st = state()
    with st.lock:
        found = st.contents.get(message_id)
    if found is None:
        return error(404, "Not found")
    data, content_type = found
    resp = Response(data, mimetype=content_type)
    resp.headers["Content-Length"] = str(len(data))
    return resp


@bp.get("/v2/bot/info")
def bot_info() -> Response:
    """Return the bot's own info."""
    st = state()
    return jsonify({"userId": st.bot_user_id, "basicId": "@linesim", "displayName": st.config.bot_name,
                    "chatMode": "bot", "markAsReadMode": "auto"})
