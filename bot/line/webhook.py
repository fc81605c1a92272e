"""POST /callback: verify LINE's signature, parse, and hand each event to the dispatcher."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from flask import Blueprint, Response, request
from flask_limiter import Limiter
from limits import parse
from linebot.v3.webhook import SignatureValidator

from bot.rate_limits import BAD_SIGNATURE_LIMIT, client_address

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # LINE caps webhook bodies; anything bigger is not from LINE
# LINE sends at most a few hundred events in one body and nests them a handful of levels deep. A signed body
# beyond these caps is refused whole (with one log line) before anything is stored, so a flood cannot queue
# up ahead of real questions, and deep nesting never reaches a recursive parser or serialiser. One event
# nested deeper than MAX_JSON_DEPTH is skipped (logged) and its neighbours are kept.
MAX_EVENTS_PER_BODY = 500
MAX_JSON_DEPTH = 32
MAX_BODY_DEPTH = 2 * MAX_JSON_DEPTH


def _plain(text: str, status: int) -> Response:
    """A short plain-text answer (LINE ignores the body; people reading logs do not)."""
    return Response(text, status=status, mimetype="text/plain")


_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _bracket_depth(text: str) -> int:
    """How deep arrays and objects nest, counted without parsing (strings are skipped first)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


_BRACKETS = re.compile(r"[\[\]{}]")


def _value_depth(value: object) -> int:
    """How deep a parsed JSON value nests, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def create_webhook_blueprint(channel_secret: str, accept: Callable[[list[tuple[str | None, str]]], bool],
                             limiter: Limiter) -> Blueprint:
    """The webhook route; `accept` stores (webhookEventId, raw JSON) pairs and says whether it could.

    Only requests that fail the signature check count against `limiter` (BAD_SIGNATURE_LIMIT per address,
    shared by every worker), so a correctly signed LINE request is never turned away.
    """
    validator = SignatureValidator(channel_secret)
    bad_signatures = parse(BAD_SIGNATURE_LIMIT)
    bp = Blueprint("line", __name__)
    limiter.exempt(bp)  # no limit is declared on it: the check below counts bad signatures itself

    @bp.post("/callback")
    def callback() -> Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _plain("payload too large", 413)
        body = request.get_data(cache=False)
        signature = request.headers.get("X-Line-Signature", "")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if not signature or text is None or not validator.validate(text, signature):
            if not limiter.limiter.hit(bad_signatures, "webhook-bad-signature", client_address()):
                response = _plain("too many requests with a bad signature", 429)
                response.headers["Retry-After"] = "60"
                return response
            log.info("webhook rejected: bad or missing signature")
            return _plain("bad signature", 400)
        if _bracket_depth(text) > MAX_BODY_DEPTH:
            log.warning("webhook body refused: JSON nested deeper than %d levels", MAX_BODY_DEPTH)
            return _plain("malformed body: nested too deeply", 400)
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):
            return _plain("malformed body", 400)
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            return _plain("malformed body: no events list", 400)
        if len(events) > MAX_EVENTS_PER_BODY:
            log.warning("webhook body refused: %d events, more than LINE sends (%d)", len(events),
                        MAX_EVENTS_PER_BODY)
            return _plain(f"too many events (at most {MAX_EVENTS_PER_BODY})", 400)
        stored, skipped, deep = [], 0, 0
        for raw in events:
            if not isinstance(raw, dict):
                skipped += 1
                continue
            if _value_depth(raw) > MAX_JSON_DEPTH:
                deep += 1
                continue
            event_id = raw.get("webhookEventId")
            stored.append((event_id[:64] if isinstance(event_id, str) and event_id else None,
                           json.dumps(raw)))  # ASCII-escaped: lone surrogates and NUL survive storage
        if skipped:
            log.info("skipped %d webhook event(s) that are not objects", skipped)
        if deep:
            log.warning("skipped %d webhook event(s) nested deeper than %d levels", deep, MAX_JSON_DEPTH)
        if stored and not accept(stored):
            # Nothing was stored: a 5xx lets LINE redeliver the body (when redelivery is on).
            return _plain("temporarily unavailable", 503)
        return _plain("OK", 200)

    return bp
