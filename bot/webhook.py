"""POST /callback: verify LINE's signature, parse, and hand each event to the dispatcher."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import Blueprint, Response, request
from linebot.v3.webhook import SignatureValidator

from bot.ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # LINE caps webhook bodies; anything bigger is not from LINE
# Requests that fail the signature check are not from LINE: past this many a minute from one address they
# get a cheap 429. Correctly signed requests are never limited, so no LINE event is ever turned away.
BAD_SIGNATURES_PER_MINUTE = 600


def _plain(text: str, status: int) -> Response:
    """A short plain-text answer (LINE ignores the body; people reading logs do not)."""
    return Response(text, status=status, mimetype="text/plain")


def create_webhook_blueprint(channel_secret: str,
                             accept: Callable[[list[tuple[str | None, str]]], bool]) -> Blueprint:
    """The webhook route; `accept` stores (webhookEventId, raw JSON) pairs and says whether it could."""
    validator = SignatureValidator(channel_secret)
    strangers = RateLimiter(BAD_SIGNATURES_PER_MINUTE, 60.0)
    bp = Blueprint("line", __name__)

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
            if not strangers.hit(request.remote_addr or "?"):
                response = _plain("too many requests with a bad signature", 429)
                response.headers["Retry-After"] = "60"
                return response
            log.info("webhook rejected: bad or missing signature")
            return _plain("bad signature", 400)
        try:
            payload = json.loads(text)
        except ValueError:
            return _plain("malformed body", 400)
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            return _plain("malformed body: no events list", 400)
        stored = []
        for raw in events:
            if not isinstance(raw, dict):
                log.info("skipped a webhook event that is not an object")
                continue
            event_id = raw.get("webhookEventId")
            stored.append((event_id[:64] if isinstance(event_id, str) and event_id else None,
                           json.dumps(raw)))  # ASCII-escaped: lone surrogates and NUL survive storage
        if stored and not accept(stored):
            # Nothing was stored: a 5xx lets LINE redeliver the body (when redelivery is on).
            return _plain("temporarily unavailable", 503)
        return _plain("OK", 200)

    return bp
