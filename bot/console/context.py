"""What every console page group shares: the collaborators create_app hands in, and this request's state."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, g, request
from sqlalchemy.orm import Session, sessionmaker

from handlers import officers
from handlers.kb.library import Library
from handlers.notify.service import NoticeConfig
from handlers.ports import Messenger

QUOTA_CACHE_SECONDS = 60


@dataclass
class CachedQuota:
    """LINE's push quota, asked at most once a minute per process and shared by every page that shows it."""

    lookup: Callable[[], object] | None
    seconds: float = QUOTA_CACHE_SECONDS
    _at: float = -math.inf
    _value: object = None
    _error: Exception | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reader(self) -> Callable[[], object] | None:
        """A callable giving the cached answer (or raising the cached failure); None when there is no lookup."""
        if self.lookup is None:
            return None
        with self._lock:
            if time.monotonic() - self._at >= self.seconds:
                try:
                    self._value, self._error = self.lookup(), None
                except Exception as exc:  # the pages say "ไม่ทราบ"; the next minute asks again
                    self._value, self._error = None, exc
                self._at = time.monotonic()
            value, error = self._value, self._error

        def cached() -> object:
            if error is not None:
                raise error
            return value

        return cached

    def forget(self) -> None:
        """Ask LINE again at the next page (an officer's push has just used one message)."""
        with self._lock:
            self._at = -math.inf


@dataclass
class ConsoleContext:
    """What the console's views need, handed in by create_app."""

    sessions: sessionmaker[Session]
    library: Library
    messenger: Messenger
    secret_key: str
    knowledge_dir: Path
    seeds_dir: Path | None
    quota_left: Callable[[], object] | None
    notices: NoticeConfig | None = None  # hand-off notices by e-mail; None when SMTP_HOST is unset
    quota: CachedQuota = field(init=False)

    def __post_init__(self) -> None:
        self.quota = CachedQuota(self.quota_left)


def db() -> Session:
    """This request's database session (opened by the guard, closed at teardown)."""
    return g.console_db


def officer() -> officers.Officer:
    """The signed-in officer (set by the guard from Flask-Login's current user)."""
    return g.officer


def remote() -> str | None:
    """The client's address (ProxyFix has already applied PROXY_FIX_X_FOR)."""
    return request.remote_addr


def int_arg(name: str) -> int | None:
    """A small whole-number query argument, or None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def admin_only() -> None:
    """Refuse officers who are not admins."""
    if not officer().is_admin:
        abort(403)
