"""Console pages for admins: officer accounts (create, role, disable, unlock, password) and the audit log."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from bot.console.context import ConsoleContext, admin_only, db, officer, remote
from bot.console.forms import OfficerCreateForm, OfficerUpdateForm, first_error
from handlers import officers


def register_admin(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/officers and /console/audit (admins only)."""

    @bp.route("/officers", methods=["GET", "POST"])
    def officers_view() -> BaseResponse | str:
        admin_only()
        session = db()
        if request.method == "POST":
            form = OfficerCreateForm()
            if not form.validate():
                flash(first_error(form), "error")
                return redirect(url_for("console.officers_view"))
            try:
                created = officers.create_officer(session, form.username.data or "", form.password.data or "",
                                                  role=form.role.data or "officer",
                                                  display_name=form.display_name.data)
                officers.audit(session, officer(), "officer-create", target=created.username, detail=created.role,
                               remote_addr=remote())
            except officers.AccountError as error:
                session.rollback()
                flash(str(error), "error")
            else:
                session.commit()
                flash(f"เพิ่มบัญชี {created.username} แล้ว", "ok")
            return redirect(url_for("console.officers_view"))
        return render_template("console/officers.html", accounts=officers.list_officers(session),
                               roles=officers.ROLES, now=dt.datetime.now(dt.UTC), notices_on=ctx.notices is not None)

    @bp.post("/officers/<int:officer_id>")
    def officer_update(officer_id: int) -> BaseResponse:
        admin_only()
        form = OfficerUpdateForm()
        if not form.validate():
            flash(first_error(form), "error")
            return redirect(url_for("console.officers_view"))
        session = db()
        action = form.action.data
        try:
            if action == "notice":
                officers.set_notice_contact(session, officer(), officer_id, email=form.email.data or "",
                                            on_duty=bool(form.on_duty.data))
            officers.update_officer(
                session, officer(), officer_id,
                role=(form.role.data or None) if action == "role" else None,
                active={"disable": False, "enable": True}.get(action or ""),
                unlock=action == "unlock",
                password=(form.password.data or None) if action == "password" else None,
            )
        except officers.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("บันทึกแล้ว", "ok")
        return redirect(url_for("console.officers_view"))

    @bp.get("/audit")
    def audit_view() -> str:
        admin_only()
        return render_template("console/audit.html",
                               rows=officers.recent_audit(db(), action=request.args.get("action") or None))
