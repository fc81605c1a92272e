"""The officers' web console at /console/: inbox, conversations, knowledge-base curation, accounts.

Views only translate HTTP to calls of handlers.* functions (no SQL here); every route except the login
page needs a signed-in officer, every form carries a CSRF token, and admins alone see real LINE ids.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
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
    stream_with_context,
    url_for,
)
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response as BaseResponse

from bot.console.security import (
    add_security_headers,
    check_csrf,
    csrf_token,
    safe_next,
    session_expired,
    start_session,
)
from bot.ratelimit import RateLimiter
from handlers import officers
from handlers.chat.office_hours import is_open
from handlers.clock import BANGKOK
from handlers.inbox import attachments, transcripts
from handlers.inbox import service as inbox
from handlers.kb import editor as kb_editor
from handlers.kb.library import Library
from handlers.kpi.periods import MonthError, normalise_month
from handlers.notify import service as notify
from handlers.notify.service import NoticeConfig
from handlers.ports import Messenger
from knowledge.base import STATUSES, default_entries_dir

PUBLIC_ENDPOINTS = ("console.login", "console.static")
LOGIN_FAILED = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง หรือบัญชีถูกระงับชั่วคราว"
QUOTA_CACHE_SECONDS = 60
ROOT = Path(__file__).resolve().parents[2]


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


def _default_quota(messenger: Messenger) -> Callable[[], object] | None:
    """The messenger's quota() when it has one (LINE's remaining push messages this month)."""
    quota = getattr(messenger, "quota", None)
    return quota if callable(quota) else None


def create_console_blueprint(sessions: sessionmaker[Session], library: Library, messenger: Messenger,
                             secret_key: str, *, quota_left: Callable[[], object] | None = None,
                             seeds_dir: Path | None = None, notices: NoticeConfig | None = None) -> Blueprint:
    """The /console blueprint; `quota_left` tells this month's remaining push quota (None = unknown)."""
    knowledge_dir = (library.directory or default_entries_dir()).resolve()
    if seeds_dir is None and (ROOT.parent / "shared" / "seeds").is_dir():
        seeds_dir = ROOT.parent / "shared" / "seeds"
    ctx = ConsoleContext(sessions, library, messenger, secret_key, knowledge_dir, seeds_dir,
                         quota_left if quota_left is not None else _default_quota(messenger), notices)
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    _register_guards(bp, ctx)
    _register_auth(bp, ctx)
    _register_inbox(bp, ctx)
    _register_conversations(bp, ctx)
    _register_kb(bp, ctx)
    _register_admin(bp, ctx)
    from bot.console.activity_views import register_activities
    from bot.console.club_views import register_club
    from bot.console.directory_views import register_directory  # imported here: they import ConsoleContext
    from bot.console.kpi_views import register_kpi
    from bot.console.privacy_views import register_privacy
    from bot.console.tips_views import register_tips

    register_tips(bp, ctx)
    register_kpi(bp, ctx)
    register_activities(bp, ctx)
    register_directory(bp, ctx)
    register_privacy(bp, ctx)
    register_club(bp, ctx)
    return bp


def _db() -> Session:
    """This request's database session (opened by the guard, closed at teardown)."""
    return g.console_db


def _officer() -> officers.Officer:
    """The signed-in officer."""
    return g.officer


def _remote() -> str | None:
    return request.remote_addr


def _about(item: inbox.InboxItem) -> str:
    """What a question is about, for canned replies: a photo's is what the user typed before sending it."""
    if item.attachment is not None and item.context:
        return " ".join(item.context)
    return item.text


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


# ----------------------------------------------------------------------------- guards
def _register_guards(bp: Blueprint, ctx: ConsoleContext) -> None:
    """Session check, CSRF check and headers for every console request."""

    @bp.before_request
    def guard() -> BaseResponse | None:
        g.console_db = ctx.sessions()
        g.officer = None
        if request.endpoint == "console.static":
            return None
        check_csrf()  # the login form too: a POST without the token is refused before anything else
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        officer = None
        if "officer_id" in session and not session_expired():
            officer = officers.officer_for_session(_db(), session.get("officer_id"), session.get("version"))
        if officer is None:
            session.pop("officer_id", None)
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            abort(403)
        g.officer = officer
        return None

    @bp.teardown_request
    def close_db(_error: BaseException | None) -> None:
        db = g.pop("console_db", None)
        if db is not None:
            db.close()

    @bp.after_request
    def headers(response: Response) -> Response:
        return add_security_headers(response)

    @bp.context_processor
    def template_globals() -> dict[str, Any]:
        officer = g.get("officer")
        waiting = inbox.count_open(_db()) if officer is not None else 0
        return {"csrf_token": csrf_token, "officer": officer, "open_count": waiting, "kind_th": attachments.KIND_TH}

    @bp.app_template_filter("bkk")
    def bkk(value: dt.datetime | None) -> str:
        """A stored UTC time as Bangkok wall-clock time."""
        return value.astimezone(BANGKOK).strftime("%d/%m/%Y %H:%M") if value else "-"


def _admin_only() -> None:
    """Refuse officers who are not admins."""
    if not _officer().is_admin:
        abort(403)


# ----------------------------------------------------------------------------- login
LOGIN_ATTEMPTS_PER_IP = 30  # per LOGIN_WINDOW seconds and process, on top of the per-account lock-out
LOGIN_WINDOW = 300.0


def _register_auth(bp: Blueprint, ctx: ConsoleContext) -> None:
    attempts = RateLimiter(LOGIN_ATTEMPTS_PER_IP, LOGIN_WINDOW)

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse | tuple[str, int] | str:
        target = safe_next(request.values.get("next"), url_for("console.inbox_view"))
        if request.method == "POST" and not attempts.hit(_remote() or "?"):
            flash("พยายามเข้าสู่ระบบหลายครั้งเกินไป กรุณารอ 5 นาทีแล้วลองใหม่", "error")
            return render_template("console/login.html", next=target, username=""), 429
        if request.method == "POST":
            username = request.form.get("username", "")[:100]
            password = request.form.get("password", "")[:300]
            officer = officers.authenticate(ctx.sessions, username, password, remote_addr=_remote())
            ids = (officer.id, officer.session_version) if officer else None
            if ids is not None:
                start_session(*ids)
                return redirect(target)
            flash(LOGIN_FAILED, "error")
            return render_template("console/login.html", next=target, username=username[:40]), 401
        return render_template("console/login.html", next=target, username="")

    @bp.post("/logout")
    def logout() -> BaseResponse:
        db = _db()
        officers.log_out(db, _officer())
        db.commit()
        session.clear()
        flash("ออกจากระบบแล้ว", "info")
        return redirect(url_for("console.login"))

    @bp.get("/")
    def home() -> BaseResponse:
        return redirect(url_for("console.inbox_view"))


# ----------------------------------------------------------------------------- inbox
def _register_inbox(bp: Blueprint, ctx: ConsoleContext) -> None:
    quota_cache: dict[str, tuple[float, str]] = {}

    def quota() -> str:
        """This month's remaining push quota, looked up at most once a minute per process."""
        cached = quota_cache.get("q")
        if cached and time.monotonic() - cached[0] < QUOTA_CACHE_SECONDS:
            return cached[1]
        value = inbox.quota_text(ctx.quota_left)
        quota_cache["q"] = (time.monotonic(), value)
        return value

    def _notice_context(db: Session, question_ids: list[int]) -> dict[str, Any]:
        """Who was told about these questions, and whether notices are on at all (the page says so)."""
        return {"told": notify.told_about(db, question_ids), "notices_on": ctx.notices is not None,
                "on_duty": notify.on_duty_count(db), "office_open": is_open(dt.datetime.now(dt.UTC))}

    @bp.get("/inbox")
    def inbox_view() -> str:
        db = _db()
        items = inbox.open_items(db)
        return render_template("console/inbox.html", items=items, recent=inbox.recent_answers(db),
                               quota=quota(), inbox_page=True, **_notice_context(db, [i.question.id for i in items]))

    @bp.post("/me/duty")
    def my_duty() -> BaseResponse:
        """An officer goes on or off duty themself (the address stays an admin's to set)."""
        db = _db()
        try:
            officers.set_notice_contact(db, _officer(), _officer().id, on_duty=request.form.get("on_duty") == "1",
                                        via="console self")
        except officers.AccountError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash("ท่านอยู่เวรแล้ว จะได้รับอีเมลเมื่อมีคำถามส่งต่อ" if _officer().on_duty
                  else "ออกจากเวรแล้ว จะไม่ได้รับอีเมลแจ้งเตือน", "ok")
        return redirect(url_for("console.inbox_view"))

    @bp.get("/inbox/<int:question_id>")
    def question_view(question_id: int) -> str:
        db = _db()
        item = inbox.get_item(db, question_id)
        if item is None:
            abort(404)
        lines = transcripts.transcript(db, item.question.user_id, limit=12) if item.question.user_id else []
        return render_template("console/question.html", item=item, lines=lines,
                               files=attachments.for_lines(db, {line.id for line in lines}),
                               answers=inbox.answers_to(db, question_id),
                               resolution=inbox.resolution_of(db, question_id), quota=quota(),
                               canned=inbox.canned_replies(ctx.library, _about(item)), me=_officer(),
                               **_notice_context(db, [question_id]))

    @bp.post("/inbox/<int:question_id>/claim")
    def claim(question_id: int) -> BaseResponse:
        db = _db()
        try:
            inbox.claim_question(db, question_id, _officer(), take_over=request.form.get("take_over") == "1",
                                 remote_addr=_remote())
        except inbox.InboxError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash("รับเรื่องนี้แล้ว เจ้าหน้าที่ท่านอื่นจะเห็นว่าท่านกำลังตอบ", "ok")
        return redirect(url_for("console.question_view", question_id=question_id))

    @bp.post("/inbox/<int:question_id>/release")
    def release(question_id: int) -> BaseResponse:
        db = _db()
        try:
            inbox.release_claim(db, question_id, _officer(), remote_addr=_remote())
        except inbox.InboxError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash("ปล่อยเรื่องกลับเข้ากล่องคำถามแล้ว", "ok")
        return redirect(url_for("console.question_view", question_id=question_id))

    @bp.post("/inbox/<int:question_id>/answer")
    def answer(question_id: int) -> BaseResponse:
        mode = request.form.get("mode", "push")
        try:
            sent = inbox.answer_question(ctx.sessions, ctx.messenger, question_id=question_id,
                                         officer_id=_officer().id, text=request.form.get("text", ""), mode=mode,
                                         remote_addr=_remote(), again=request.form.get("again") == "1",
                                         take_over=request.form.get("take_over") == "1")
        except inbox.InboxError as error:
            flash(str(error), "error")
            return redirect(url_for("console.question_view", question_id=question_id))
        quota_cache.clear()
        if sent.status == "sent":
            flash("ส่งคำตอบถึงผู้ใช้แล้ว (push)", "ok")
        elif sent.status == "held":
            flash("บันทึกคำตอบแล้ว จะส่งให้ผู้ใช้ฟรีเมื่อผู้ใช้ส่งข้อความครั้งถัดไป", "ok")
        elif sent.status == "undelivered":
            flash(f"LINE ไม่รับคำตอบนี้: {sent.error or ''} คำถามกลับเข้ากล่องคำถามแล้ว", "error")
        else:
            flash(f"ส่งไม่สำเร็จ: {sent.error or ''} ระบบจะลองส่งใหม่อัตโนมัติ หรือกดส่งอีกครั้งในรายการคำตอบล่าสุด",
                  "error")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/answers/<int:answer_id>/retry")
    def retry(answer_id: int) -> BaseResponse:
        try:
            sent = inbox.push_answer(ctx.sessions, ctx.messenger, answer_id, officer_id=_officer().id)
        except inbox.InboxError as error:
            flash(str(error), "error")
        else:
            flash("ส่งคำตอบแล้ว" if sent.status == "sent" else f"ยังส่งไม่สำเร็จ: {sent.error or ''}",
                  "ok" if sent.status == "sent" else "error")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/inbox/<int:question_id>/resolve")
    def resolve(question_id: int) -> BaseResponse:
        db = _db()
        try:
            inbox.resolve(db, question_id, _officer(), note=request.form.get("note"), remote_addr=_remote())
        except inbox.InboxError as error:
            flash(str(error), "error")
            return redirect(url_for("console.inbox_view"))
        db.commit()
        flash("ปิดเรื่องแล้ว", "ok")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/inbox/<int:question_id>/reopen")
    def reopen(question_id: int) -> BaseResponse:
        db = _db()
        inbox.reopen(db, question_id, _officer())
        db.commit()
        flash("นำกลับเข้ากล่องคำถามแล้ว", "ok")
        return redirect(url_for("console.question_view", question_id=question_id))


# ----------------------------------------------------------------------------- conversations
def _register_conversations(bp: Blueprint, ctx: ConsoleContext) -> None:
    @bp.get("/conversations")
    def conversations() -> str:
        db = _db()
        query = request.args.get("q", "")[:200]
        district_id = _int_arg("district")
        hits = transcripts.search(db, query) if query.strip() else []
        users = transcripts.list_users(db, district_id=district_id) if not query.strip() else []
        last_month = (dt.datetime.now(BANGKOK).replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        return render_template("console/conversations.html", query=query, hits=hits, users=users,
                               districts=transcripts.districts(db), district_id=district_id, month=last_month)

    @bp.get("/conversations/<int:user_id>")
    def transcript(user_id: int) -> str:
        db = _db()
        user = transcripts.get_user(db, user_id)
        if user is None:
            abort(404)
        lines = transcripts.transcript(db, user_id)
        return render_template("console/transcript.html", user=user, lines=lines,
                               files=attachments.for_lines(db, {line.id for line in lines}))

    @bp.get("/attachments/<int:attachment_id>")
    def attachment(attachment_id: int) -> Response:
        """A photo or file a user sent, to a signed-in officer only (the guard sends anyone else to log in).

        Its type is the one its magic bytes proved, the browser may not guess another (nosniff), nothing is
        cached, and anything but an image is a download under a name of our own, never the sender's.
        """
        row = attachments.stored(_db(), attachment_id)
        if row is None:
            abort(404)
        disposition = "inline" if row.is_image else "attachment"
        response = Response(row.data, mimetype=row.content_type or "application/octet-stream")
        response.headers["Content-Disposition"] = f'{disposition}; filename="{row.download_name}"'
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store, private"
        return response

    @bp.post("/export")
    def export() -> Response:
        month = request.form.get("month", "")
        fmt = request.form.get("format", "csv")
        real_ids = request.form.get("real_ids") == "1"
        if real_ids:
            _admin_only()
        try:
            month = normalise_month(month)
        except MonthError as error:
            abort(400, description=str(error))
        if fmt not in ("csv", "xlsx"):
            abort(400, description="format must be csv or xlsx")
        db = _db()
        officers.audit(db, _officer(), "export", target=f"month:{month}",
                       detail=f"format={fmt}; ids={'real' if real_ids else 'pseudonymised'}", remote_addr=_remote())
        db.commit()
        name = f"iao-chat-log-{month}{'-real-ids' if real_ids else ''}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "xlsx":
            body = transcripts.export_xlsx(db, month, secret=ctx.secret_key, real_ids=real_ids)
            return Response(body, headers=headers,
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

        def stream() -> Iterator[bytes]:
            with ctx.sessions() as export_db:
                yield from transcripts.export_csv(export_db, month, secret=ctx.secret_key, real_ids=real_ids)

        return Response(stream_with_context(stream()), headers=headers, mimetype="text/csv")


# ----------------------------------------------------------------------------- knowledge base
def _form_from_request(entry_id: str) -> kb_editor.EntryForm:
    """The entry form as posted."""
    f = request.form
    return kb_editor.EntryForm(
        id=entry_id, category_file=f.get("category_file", ""), kind=f.get("kind", "faq"),
        title_th=f.get("title_th", ""), title_en=f.get("title_en", ""),
        questions_th=kb_editor.parse_lines(f.get("questions_th", "")),
        questions_en=kb_editor.parse_lines(f.get("questions_en", "")),
        answer_th=f.get("answer_th", ""), answer_en=f.get("answer_en", ""),
        sources=kb_editor.parse_sources(f.get("sources", "")),
        related=[r for r in f.get("related", "").replace(",", " ").split() if r],
        status=f.get("status", "draft"), reviewed_on=f.get("reviewed_on", "").strip(),
    )


def _register_kb(bp: Blueprint, ctx: ConsoleContext) -> None:
    def render_edit(form: kb_editor.EntryForm, *, is_new: bool, problems: list[str] | None = None,
                    expected: str = "", status: int = 200) -> tuple[str, int]:
        kb = ctx.library.current()[0]
        history = kb_editor.history(_db(), entry_id=form.id) if not is_new and form.id else []
        return render_template("console/kb_edit.html", form=form, is_new=is_new, problems=problems or [],
                               expected=expected, statuses=STATUSES, kinds=kb_editor.KINDS_TH,
                               files=kb_editor.category_files(ctx.knowledge_dir, kb), history=history), status

    @bp.get("/kb")
    def kb_list() -> str:
        ctx.library.refresh_if_changed(0)
        kb = ctx.library.current()[0]
        query, status, category = (request.args.get(k, "")[:200] for k in ("q", "status", "category"))
        entries = kb_editor.search_entries(kb, query=query, status=status, category=category)
        return render_template("console/kb_list.html", entries=entries, kb=kb, query=query, status=status,
                               category=category, statuses=STATUSES)

    @bp.get("/kb/new")
    def kb_new() -> tuple[str, int]:
        question_id = _int_arg("question")
        form = kb_editor.EntryForm(reviewed_on=kb_editor.today().isoformat())
        if question_id is not None:
            item = inbox.get_item(_db(), question_id)
            if item is not None:
                answers = inbox.answers_to(_db(), question_id)
                question = " ".join((*item.context, item.text)) if item.context else item.text
                form = kb_editor.draft_from_answer(question, answers[-1].text if answers else "",
                                                   question_id=question_id)
        return render_edit(form, is_new=True)

    @bp.post("/kb/new")
    def kb_create() -> BaseResponse | tuple[str, int]:
        form = _form_from_request(request.form.get("id", "").strip())
        db = _db()
        try:
            kb_editor.save_entry(db, ctx.knowledge_dir, form, _officer(), action="create", seeds_dir=ctx.seeds_dir)
        except kb_editor.EditError as error:
            db.rollback()
            flash(str(error), "error")
            return render_edit(form, is_new=True, problems=error.problems, status=422)
        db.commit()
        ctx.library.reload()
        flash("เพิ่มเรื่องใหม่ (ร่าง) ในคลังความรู้แล้ว", "ok")
        return redirect(url_for("console.kb_entry", entry_id=form.id))

    @bp.get("/kb/entry/<entry_id>")
    def kb_entry(entry_id: str) -> tuple[str, int]:
        ctx.library.refresh_if_changed(0)
        entry = ctx.library.current()[0].get(entry_id)
        found = kb_editor.entry_block(ctx.knowledge_dir, entry_id)
        if entry is None or found is None:
            abort(404)
        return render_edit(kb_editor.EntryForm.from_entry(entry), is_new=False,
                           expected=kb_editor.fingerprint(found[1]))

    @bp.post("/kb/entry/<entry_id>")
    def kb_save(entry_id: str) -> BaseResponse | tuple[str, int]:
        form = _form_from_request(entry_id)
        expected = request.form.get("expected", "")
        db = _db()
        try:
            kb_editor.save_entry(db, ctx.knowledge_dir, form, _officer(), action="edit", expected=expected or None,
                                 seeds_dir=ctx.seeds_dir)
        except kb_editor.EditError as error:
            db.rollback()
            flash(str(error), "error")
            return render_edit(form, is_new=False, problems=error.problems, expected=expected, status=422)
        db.commit()
        ctx.library.reload()
        flash("บันทึกการแก้ไขแล้ว บอทใช้คำตอบใหม่ทันที", "ok")
        return redirect(url_for("console.kb_entry", entry_id=entry_id))

    @bp.post("/kb/entry/<entry_id>/approve")
    def kb_approve(entry_id: str) -> BaseResponse:
        db = _db()
        try:
            kb_editor.approve_entry(db, ctx.knowledge_dir, ctx.library.current()[0], entry_id, _officer(),
                                    seeds_dir=ctx.seeds_dir)
        except kb_editor.EditError as error:
            db.rollback()
            flash(str(error) + (": " + "; ".join(error.problems) if error.problems else ""), "error")
            return redirect(url_for("console.kb_entry", entry_id=entry_id))
        db.commit()
        ctx.library.reload()
        flash("อนุมัติแล้ว", "ok")
        return redirect(url_for("console.kb_entry", entry_id=entry_id))

    @bp.get("/kb/history")
    def kb_history() -> str:
        return render_template("console/kb_history.html", changes=kb_editor.history(_db()))

    @bp.get("/kb/history/<int:change_id>")
    def kb_change(change_id: int) -> str:
        change = kb_editor.get_change(_db(), change_id)
        if change is None:
            abort(404)
        return render_template("console/kb_change.html", change=change)


# ----------------------------------------------------------------------------- admin
def _register_admin(bp: Blueprint, ctx: ConsoleContext) -> None:
    @bp.route("/officers", methods=["GET", "POST"])
    def officers_view() -> BaseResponse | str:
        _admin_only()
        db = _db()
        if request.method == "POST":
            try:
                created = officers.create_officer(
                    db, request.form.get("username", ""), request.form.get("password", ""),
                    role=request.form.get("role", "officer"), display_name=request.form.get("display_name"))
                officers.audit(db, _officer(), "officer-create", target=created.username, detail=created.role,
                               remote_addr=_remote())
            except officers.AccountError as error:
                db.rollback()
                flash(str(error), "error")
            else:
                db.commit()
                flash(f"เพิ่มบัญชี {created.username} แล้ว", "ok")
            return redirect(url_for("console.officers_view"))
        return render_template("console/officers.html", accounts=officers.list_officers(db), roles=officers.ROLES,
                               now=dt.datetime.now(dt.UTC), notices_on=ctx.notices is not None)

    @bp.post("/officers/<int:officer_id>")
    def officer_update(officer_id: int) -> BaseResponse:
        _admin_only()
        db = _db()
        action = request.form.get("action", "")
        try:
            if action == "notice":
                officers.set_notice_contact(db, _officer(), officer_id, email=request.form.get("email", "")[:300],
                                            on_duty=request.form.get("on_duty") == "1")
            officers.update_officer(
                db, _officer(), officer_id,
                role=request.form.get("role") if action == "role" else None,
                active={"disable": False, "enable": True}.get(action),
                unlock=action == "unlock",
                password=request.form.get("password") if action == "password" else None,
            )
        except officers.AccountError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash("บันทึกแล้ว", "ok")
        return redirect(url_for("console.officers_view"))

    @bp.get("/audit")
    def audit_view() -> str:
        _admin_only()
        return render_template("console/audit.html",
                               rows=officers.recent_audit(_db(), action=request.args.get("action") or None))


def register_console(app: Flask, sessions: sessionmaker[Session], library: Library, messenger: Messenger,
                     secret_key: str, *, quota_left: Callable[[], object] | None = None,
                     notices: NoticeConfig | None = None) -> None:
    """Mount the console and its `create-officer`, `officer` and `notify` commands (one call from create_app)."""
    from bot.cli.officers import create_officer_command, notify_group, officer_group

    app.register_blueprint(create_console_blueprint(sessions, library, messenger, secret_key,
                                                    quota_left=quota_left, notices=notices))
    app.cli.add_command(create_officer_command)
    app.cli.add_command(officer_group)
    app.cli.add_command(notify_group)
