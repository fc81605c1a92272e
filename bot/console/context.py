"""What every console page group shares: the collaborators create_app hands in, and this request's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import abort, g, request
from sqlalchemy.orm import Session, sessionmaker

from handlers import officers
from handlers.kb.library import Library
from handlers.notify.service import NoticeConfig
from handlers.ports import Messenger


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
