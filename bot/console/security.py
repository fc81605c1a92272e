"""The console's own guards beside Flask-WTF and Flask-Login: safe redirects, session age, security headers."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Response, request, session

SESSION_MAX_AGE = 12 * 3600  # a console session lasts one working day at most
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def stamp_session() -> None:
    """Record when this session signed in (Flask-Login keeps who; this keeps since when)."""
    session["since"] = int(time.time())


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
