"""Console page for a person's data (PDPA): export it, or forget the person; admins only.

The views call the same handlers.privacy functions as `flask user export` and `flask user forget`
(bot/cli/privacy.py): one implementation, audited under the officer's name.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot.console.forms import PrivacyForm, first_error
from handlers import officers
from handlers.db import erase_free_pages
from handlers.privacy import UnknownUser, export_person, forget_user

if TYPE_CHECKING:
    from bot.console import ConsoleContext

def _db() -> Session:
    """This request's session (opened by the console guard)."""
    return g.console_db


def _admin() -> officers.Officer:
    """The signed-in officer, who must be an admin."""
    officer: officers.Officer = g.officer
    if not officer.is_admin:
        abort(403)
    return officer


UNKNOWN_USER = "ไม่พบผู้ใช้ LINE รหัสนี้ (ไม่เคยติดต่อ หรือถูกลบข้อมูลไปแล้ว)"


def _back(error: str) -> BaseResponse:
    """Back to the privacy page with the reason the request was refused."""
    flash(error, "error")
    return redirect(url_for("console.privacy_view"))


def register_privacy(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/privacy: export or forget one LINE user."""

    @bp.get("/privacy")
    def privacy_view() -> str:
        _admin()
        return render_template("console/privacy.html")

    @bp.post("/privacy/export")
    def privacy_export() -> BaseResponse:
        officer, db = _admin(), _db()
        form = PrivacyForm()
        if not form.validate_on_submit():
            return _back(first_error(form))
        line_user_id = form.line_user_id.data
        try:
            text = export_person(db, line_user_id, actor=officer.username, officer=officer,
                                 remote_addr=request.remote_addr)
        except UnknownUser:
            db.rollback()
            return _back(UNKNOWN_USER)
        db.commit()
        response = send_file(io.BytesIO(text.encode("utf-8")), mimetype="application/json", as_attachment=True,
                             download_name="iao-user-export.json", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @bp.post("/privacy/forget")
    def privacy_forget() -> BaseResponse:
        officer, db = _admin(), _db()
        form = PrivacyForm()
        if not form.validate_on_submit():
            return _back(first_error(form))
        line_user_id = form.line_user_id.data
        if not form.confirm.data:
            return _back("กรุณาติ๊กยืนยันก่อนลบข้อมูล (ลบแล้วกู้คืนไม่ได้)")
        try:
            report = forget_user(db, line_user_id, actor=officer.username, officer=officer,
                                 knowledge_dir=ctx.knowledge_dir, remote_addr=request.remote_addr)
        except UnknownUser:
            db.rollback()
            return _back(UNKNOWN_USER)
        db.commit()
        erase_free_pages(current_app.extensions["iao"].engine)  # as `user forget` does: no copy in free pages
        flash(f"ลบข้อมูลส่วนบุคคลของผู้ใช้ #{report.user_id} แล้ว: ข้อความ {report.interactions} รายการ "
              f"ความเห็นแบบสอบถาม {report.survey_comments} รายการ คำตอบของเจ้าหน้าที่ {report.officer_answers} รายการ "
              "(ยอดตัวชี้วัดไม่เปลี่ยน)", "ok")
        return redirect(url_for("console.privacy_view"))
