"""Flask-Limiter for the edges strangers can hit (console login, webhook bad signatures), with shared counts.

The count must hold across gunicorn workers and processes, so it lives outside process memory: by default
in the app's own database (`DatabaseStorage`, registered with the `limits` library under the scheme
`iao-database://`), which works on the Quick start's SQLite with nothing to install; or in any storage
`limits` knows (`redis://…`, `memcached://…`) named by RATELIMIT_STORAGE_URI. `memory://` counts per process
and is only for tests that want that.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from limits.storage import Storage
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from handlers import rate_counters

log = logging.getLogger(__name__)

DATABASE = "database"  # RATELIMIT_STORAGE_URI's default: the app's DATABASE_URL
DATABASE_SCHEME = "iao-database"
LOGIN_ATTEMPTS_PER_IP = 30  # login POSTs per client address and window, on top of the per-account lock-out
LOGIN_WINDOW_MINUTES = 5
LOGIN_LIMIT = f"{LOGIN_ATTEMPTS_PER_IP} per {LOGIN_WINDOW_MINUTES} minutes"
# Requests that fail the webhook's signature check are not from LINE: past this many a minute from one
# address they get a cheap 429. Correctly signed requests are never counted, so no LINE event is turned away.
BAD_SIGNATURE_LIMIT = "600 per minute"
SWEEP_EVERY = 200  # new windows between two deletions of ended ones


class DatabaseStorage(Storage):
    """The `limits` storage interface over the rate_counters table; each call is its own short transaction."""

    STORAGE_SCHEME = [DATABASE_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 sessions: sessionmaker[Session] | None = None, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        if sessions is None:
            raise ValueError("DatabaseStorage needs the app's sessionmaker (storage option `sessions`)")
        self.sessions = sessions
        self._new_windows = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.sessions.begin() as session:
            hits = rate_counters.hit(session, key, expiry, amount, now=now)
        if hits == amount and next(self._new_windows) % SWEEP_EVERY == 0:
            with self.sessions.begin() as session:
                rate_counters.drop_ended(session, now=now)
        return hits

    def get(self, key: str) -> int:
        with self.sessions() as session:
            return rate_counters.count(session, key)

    def get_expiry(self, key: str) -> float:
        with self.sessions() as session:
            return rate_counters.window_end(session, key)

    def check(self) -> bool:
        try:
            with self.sessions() as session:
                rate_counters.count(session, "-")
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.sessions.begin() as session:
            return rate_counters.clear_all(session)

    def clear(self, key: str) -> None:
        with self.sessions.begin() as session:
            rate_counters.clear(session, key)


def client_address() -> str:
    """The client's address as werkzeug's ProxyFix (PROXY_FIX_X_FOR) made it, never a raw header."""
    return request.remote_addr or "?"


def create_limiter(app: Flask, storage_uri: str, sessions: sessionmaker[Session]) -> Limiter:
    """The app's one Limiter; its counts live where RATELIMIT_STORAGE_URI says (default: the database)."""
    if storage_uri == DATABASE:
        uri, options = f"{DATABASE_SCHEME}://", {"sessions": sessions}
    else:
        uri, options = storage_uri, {}
    limiter = Limiter(client_address, storage_uri=uri, storage_options=options,  # type: ignore[arg-type]
                      strategy="fixed-window", headers_enabled=False, key_prefix="iao")
    limiter.init_app(app)
    return limiter
