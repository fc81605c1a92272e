"""The console's guards: CSRF tokens, safe redirects, session age, and security headers."""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import urlsplit

from flask import Response, abort, request, session

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 3600  # a console session lasts one working day at most
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def csrf_token() -> str:
    """The session's CSRF token (made on first use); every console form carries it."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse (400) a state-changing request whose token is missing or not this session's."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="CSRF token missing or invalid")


def start_session(officer_id: int, version: int) -> None:
    """A fresh session for a signed-in officer: the old one (and its token) is dropped, so it cannot be fixed."""
    session.clear()
    session["officer_id"] = officer_id
    session["version"] = version
    session["since"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)


def session_expired() -> bool:
    """True when the session is older than one working day."""
    since = session.get("since")
    return not isinstance(since, int) or time.time() - since > SESSION_MAX_AGE


def safe_next(target: str | None, default: str) -> str:
    """A redirect target that stays on this site: a local absolute path only (no scheme, host or //)."""
    if not target or not isinstance(target, str) or len(target) > 500:
        return default
    cleaned = target.replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return default
    if any(ord(ch) < 32 for ch in cleaned):
        return default
    return cleaned


def add_security_headers(response: Response) -> Response:
    """Headers that keep console pages out of frames and caches and confine what they may load."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "console.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
