"""Signing in and out, and the guard every console request passes: Flask-WTF's CSRF check, Flask-Login's
session, and the officer's session version (logout, a password change or a disabled account ends every
session of that officer, a copied cookie included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from bot.console.context import ConsoleContext, db, officer, remote
from bot.console.forms import LoginForm
from bot.console.security import add_security_headers, safe_next, session_expired, stamp_session
from bot.rate_limits import LOGIN_LIMIT
from handlers import officers
from handlers.clock import BANGKOK
from handlers.inbox import attachments
from handlers.inbox import service as inbox

PUBLIC_ENDPOINTS = ("console.login", "console.static")
LOGIN_FAILED = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง หรือบัญชีถูกระงับชั่วคราว"
TOO_MANY_LOGINS = "พยายามเข้าสู่ระบบหลายครั้งเกินไป กรุณารอ 5 นาทีแล้วลองใหม่"
CSRF_REFUSED = ("แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าคอนโซล จึงไม่ได้บันทึกอะไร "
                "กรุณาโหลดหน้าเดิมใหม่แล้วส่งอีกครั้ง")


class SignedIn(UserMixin):
    """Flask-Login's user: an officer, identified by id *and* session version, so a bumped version logs out."""

    def __init__(self, account: officers.Officer) -> None:
        self.officer = account

    def get_id(self) -> str:
        return f"{self.officer.id}:{self.officer.session_version}"


def _parse_id(user_id: str) -> tuple[int, int] | None:
    """"12:3" -> (12, 3); anything else None."""
    officer_id, _, version = user_id.partition(":")
    if not (officer_id.isdigit() and version.isdigit() and len(user_id) < 24):
        return None
    return int(officer_id), int(version)


def init_auth(app: Flask, ctx: ConsoleContext) -> tuple[CSRFProtect, LoginManager]:
    """Flask-WTF's CSRFProtect and Flask-Login's LoginManager on the app, checked by the console's guard only."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the webhook is signed by LINE, not by a form
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lives as long as its session (12 h at most)
    csrf = CSRFProtect(app)
    manager = LoginManager(app)
    manager.login_view = "console.login"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_officer(user_id: str) -> SignedIn | None:
        ids = _parse_id(user_id)
        session_db = g.get("console_db")
        if ids is None or session_db is None:
            return None
        account = officers.officer_for_session(session_db, *ids)
        return SignedIn(account) if account is not None else None

    @manager.unauthorized_handler
    def unauthorized() -> BaseResponse:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        abort(403)

    return csrf, manager


def register_guards(bp: Blueprint, ctx: ConsoleContext, csrf: CSRFProtect, manager: LoginManager) -> None:
    """CSRF, then the session, on every console request; headers and template globals on every answer."""

    @bp.before_request
    def guard() -> BaseResponse | None:
        g.console_db = ctx.sessions()
        g.officer = None
        if request.endpoint == "console.static":
            return None
        csrf.protect()  # the login form too: a POST without the token is refused before anything else
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if session_expired():
            logout_user()
        if not current_user.is_authenticated:
            return manager.unauthorized()
        g.officer = current_user.officer
        return None

    @bp.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError) -> tuple[str, int]:
        return render_template("console/refused.html", message=CSRF_REFUSED), 400

    @bp.teardown_request
    def close_db(_error: BaseException | None) -> None:
        session_db = g.pop("console_db", None)
        if session_db is not None:
            session_db.close()

    @bp.after_request
    def headers(response: Response) -> Response:
        return add_security_headers(response)

    @bp.context_processor
    def template_globals() -> dict[str, Any]:
        signed_in = g.get("officer")
        waiting = inbox.count_open(db()) if signed_in is not None else 0
        return {"officer": signed_in, "open_count": waiting, "kind_th": attachments.KIND_TH}

    @bp.app_template_filter("bkk")
    def bkk(value: dt.datetime | None) -> str:
        """A stored UTC time as Bangkok wall-clock time."""
        return value.astimezone(BANGKOK).strftime("%d/%m/%Y %H:%M") if value else "-"


def register_auth(bp: Blueprint, ctx: ConsoleContext, limiter: Limiter) -> None:
    """/console/login (POSTs limited per address across all workers), /console/logout and /console/."""

    def login_page(form: LoginForm, target: str, status: int) -> tuple[str, int]:
        typed = (form.username.data or "")[:40]
        return render_template("console/login.html", form=form, next=target, username=typed), status

    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit(LOGIN_LIMIT, methods=["POST"])
    def login() -> BaseResponse | tuple[str, int]:
        form = LoginForm()
        target = safe_next(form.next.data or request.args.get("next"), url_for("console.inbox_view"))
        if request.method != "POST":
            return login_page(form, target, 200)
        account = None
        if form.validate():
            account = officers.authenticate(ctx.sessions, form.username.data or "", form.password.data or "",
                                            remote_addr=remote())
        if account is None:
            flash(LOGIN_FAILED, "error")
            return login_page(form, target, 401)
        session.clear()  # a fresh session (and CSRF token): one planted before sign-in is worthless after it
        g.pop("csrf_token", None)
        login_user(SignedIn(account))
        stamp_session()
        return redirect(target)

    @bp.errorhandler(429)
    def too_many(_error: Exception) -> tuple[str, int]:
        flash(TOO_MANY_LOGINS, "error")
        target = safe_next(request.values.get("next"), url_for("console.inbox_view"))
        return render_template("console/login.html", form=LoginForm(formdata=None), next=target, username=""), 429

    @bp.post("/logout")
    def logout() -> BaseResponse:
        session_db = db()
        officers.log_out(session_db, officer())  # bumps the version: every copy of this cookie stops working
        session_db.commit()
        logout_user()
        session.clear()
        flash("ออกจากระบบแล้ว", "info")
        return redirect(url_for("console.login"))

    @bp.get("/")
    def home() -> BaseResponse:
        return redirect(url_for("console.inbox_view"))
