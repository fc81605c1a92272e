"""The officers' web console at /console/: inbox, conversations, knowledge base, tips, directory, KPI, accounts.

One blueprint ("console"), its views registered per page group by the modules beside this one (auth,
inbox_views, conversation_views, kb_views, admin_views, tips_views, kpi_views, directory_views), so every
URL and endpoint name stays `console.*`. Views only translate HTTP to calls of handlers.* functions (no SQL
here). Kept libraries at the edge: Flask-WTF (CSRF on every form, the forms in forms.py), Flask-Login (the
session, with the officer's session version) and Flask-Limiter (login attempts, counted across workers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session, sessionmaker

from bot.console.activity_views import register_activities
from bot.console.admin_views import register_admin
from bot.console.auth import LOGIN_FAILED, init_auth, register_auth, register_guards
from bot.console.club_views import register_club
from bot.console.context import ConsoleContext
from bot.console.conversation_views import register_conversations
from bot.console.directory_views import register_directory
from bot.console.inbox_views import register_inbox
from bot.console.kb_views import register_kb
from bot.console.kpi_views import register_kpi
from bot.console.privacy_views import register_privacy
from bot.console.tips_views import register_tips
from handlers.kb.library import Library
from handlers.notify.service import NoticeConfig
from handlers.ports import Messenger
from knowledge.base import default_entries_dir

__all__ = ["LOGIN_FAILED", "ConsoleContext", "create_console_blueprint", "register_console"]

ROOT = Path(__file__).resolve().parents[2]


def _default_quota(messenger: Messenger) -> Callable[[], object] | None:
    """The messenger's quota() when it has one (LINE's remaining push messages this month)."""
    quota = getattr(messenger, "quota", None)
    return quota if callable(quota) else None


def create_console_blueprint(ctx: ConsoleContext, csrf: CSRFProtect, manager: LoginManager,
                             limiter: Limiter) -> Blueprint:
    """The /console blueprint with every page group's views."""
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    register_guards(bp, ctx, csrf, manager)
    register_auth(bp, ctx, limiter)
    register_inbox(bp, ctx)
    register_conversations(bp, ctx)
    register_kb(bp, ctx)
    register_admin(bp, ctx)
    register_tips(bp, ctx)
    register_kpi(bp, ctx)
    register_activities(bp, ctx)
    register_directory(bp, ctx)
    register_privacy(bp, ctx)
    register_club(bp, ctx)
    return bp


def register_console(app: Flask, sessions: sessionmaker[Session], library: Library, messenger: Messenger,
                     secret_key: str, *, limiter: Limiter, quota_left: Callable[[], object] | None = None,
                     seeds_dir: Path | None = None, notices: NoticeConfig | None = None) -> None:
    """Mount the console on the app (one call from create_app); `quota_left` tells the push quota left,
    `notices` the hand-off e-mail settings (None: off). Its commands (create-officer, officer, notify) are
    added by create_app from bot/cli/officers.py: the console does not import the command line."""
    knowledge_dir = (library.directory or default_entries_dir()).resolve()
    if seeds_dir is None and (ROOT.parent / "shared" / "seeds").is_dir():
        seeds_dir = ROOT.parent / "shared" / "seeds"
    ctx = ConsoleContext(sessions, library, messenger, secret_key, knowledge_dir, seeds_dir,
                         quota_left if quota_left is not None else _default_quota(messenger), notices)
    csrf, manager = init_auth(app, ctx)
    app.register_blueprint(create_console_blueprint(ctx, csrf, manager, limiter))
