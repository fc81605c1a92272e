"""Console pages for English Club Friday (under ตัวชี้วัด): sessions, the LINE reminder, attendance by district.

Views only translate HTTP to handlers.club.service calls, the same ones `flask club ...` makes; every change
writes an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from bot.console.club_forms import (
    ClubCreateForm,
    ClubImportForm,
    ClubNoteForm,
    ClubReminderForm,
    ClubSessionForm,
    attendance_form,
)
from bot.console.forms import all_errors
from handlers import officers
from handlers.clock import BANGKOK, utcnow
from handlers.club import service
from handlers.club.figures import registered_count, session_state
from handlers.club.models import ClubSession
from handlers.kpi.periods import MonthError, parse_month
from handlers.models import District

if TYPE_CHECKING:
    from bot.console.context import ConsoleContext

STATE_TH = {"held": "จัดแล้ว", "planned": "กำหนดการ", "cancelled": "ยกเลิก"}
SEND_TH = {"scheduled": "รอส่ง", "sending": "กำลังส่ง", "sent": "ส่งแล้ว", "held_for_quota": "พักไว้ (โควตาไม่พอ)",
           "failed": "ส่งไม่สำเร็จ", "cancelled": "ยกเลิกแล้ว"}
FIELDS = ("held_on", "topic", "meeting_url", "starts_at", "duration_minutes", "note")


def _form_input(form: ClubSessionForm) -> service.SessionInput:
    """A valid session form as the service's input."""
    return service.SessionInput(**{k: str(form[k].data or "") for k in FIELDS})


def _refused(form: FlaskForm) -> service.ClubError:
    """An invalid form's problems, as the service would raise them (each with the field's Thai label)."""
    return service.ClubError(all_errors(form))


def register_club(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/kpi/club: what officers need to run the club as records the reports count."""

    def page(row: ClubSession, problems: list[str], status: int = 200) -> tuple[str, int]:
        db = g.console_db
        regs = service.registrations(db, row.id)
        by_district: dict[int, int] = {}
        unknown = 0
        for _reg, district in regs:
            if district is None:
                unknown += 1
            else:
                by_district[district.id] = by_district.get(district.id, 0) + 1
        attended = service.attendance(db, row.id)
        districts = list(db.scalars(select(District).order_by(District.code)))
        reminder = service.reminder_send(db, row)
        when = service.default_reminder_time(row)
        return render_template(
            "console/club_session.html", row=row, state=session_state(row, service.today_bangkok()),
            state_th=STATE_TH, districts=districts, registered=by_district, unknown=unknown, total=len(regs),
            attended=attended, attended_total=sum(attended.values()), reminder=reminder, send_th=SEND_TH,
            default_at=when.strftime("%Y-%m-%dT%H:%M"), date_th=service.date_th, problems=problems,
            can_record=row.held_on <= service.today_bangkok() and row.status != "cancelled"), status

    @bp.get("/kpi/club")
    def kpi_club() -> str:
        db = g.console_db
        rows = service.list_sessions(db)
        today = service.today_bangkok()
        counts = {r.id: registered_count(db, r.id) for r in rows}
        attended = {r.id: sum(service.attendance(db, r.id).values()) for r in rows}
        return render_template("console/club.html", rows=rows, counts=counts, attended=attended,
                               state={r.id: session_state(r, today) for r in rows}, state_th=STATE_TH,
                               date_th=service.date_th, problems=[], form=None)

    @bp.post("/kpi/club")
    def kpi_club_create() -> BaseResponse | tuple[str, int]:
        db = g.console_db
        form = ClubCreateForm()
        try:
            if not form.validate_on_submit():
                raise _refused(form)
            if form.mode.data == "series":
                try:
                    first = parse_month(form.first.data or "-")
                    last = parse_month(form.last.data or "-")
                except MonthError:
                    raise service.ClubError(["เดือนต้องอยู่ในรูปแบบ ปปปป-ดด"]) from None
                made = service.plan_series(db, first, last, topic=form.topic.data or "",
                                           meeting_url=form.meeting_url.data or "",
                                           starts_at=form.starts_at.data or "",
                                           duration_minutes=form.duration_minutes.data or "",
                                           by=g.officer.username)
                detail = ", ".join(r.held_on.isoformat() for r in made)
                officers.audit(db, g.officer, "club-plan", target="club", detail=detail or "none",
                               remote_addr=request.remote_addr)
                message = (f"เพิ่มกิจกรรมวันศุกร์ที่ 3 แล้ว {len(made)} ครั้ง" if made
                           else "ทุกวันศุกร์ที่ 3 ในช่วงนี้มีกิจกรรมอยู่แล้ว")
            else:
                row = service.create_session(db, _form_input(form), by=g.officer.username)
                officers.audit(db, g.officer, "club-add", target=f"club:{row.id}", detail=row.held_on.isoformat(),
                               remote_addr=request.remote_addr)
                message = f"เพิ่มกิจกรรม{service.date_th(row.held_on)} แล้ว"
        except service.ClubError as error:
            db.rollback()
            rows = service.list_sessions(db)
            today = service.today_bangkok()
            return render_template("console/club.html", rows=rows, counts={r.id: registered_count(db, r.id)
                                                                            for r in rows},
                                   attended={r.id: sum(service.attendance(db, r.id).values()) for r in rows},
                                   state={r.id: session_state(r, today) for r in rows}, state_th=STATE_TH,
                                   date_th=service.date_th, problems=error.problems,
                                   form={k: str(form[k].data or "") for k in FIELDS}), 400
        db.commit()
        flash(message, "ok")
        return redirect(url_for("console.kpi_club"))

    def _row(session_id: int) -> ClubSession:
        return service.get_session(g.console_db, session_id) or abort(404)

    @bp.get("/kpi/club/<int:session_id>")
    def kpi_club_session(session_id: int) -> tuple[str, int]:
        return page(_row(session_id), [])

    @bp.post("/kpi/club/<int:session_id>")
    def kpi_club_save(session_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        row = _row(session_id)
        form = ClubSessionForm()
        try:
            if not form.validate_on_submit():
                raise _refused(form)
            service.update_session(db, row, _form_input(form))
        except service.ClubError as error:
            db.rollback()
            return page(_row(session_id), error.problems, 400)
        officers.audit(db, g.officer, "club-edit", target=f"club:{row.id}", remote_addr=request.remote_addr)
        db.commit()
        flash("บันทึกแล้ว", "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))

    @bp.post("/kpi/club/<int:session_id>/note")
    def kpi_club_note(session_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        row = _row(session_id)
        form = ClubNoteForm()
        try:
            if not form.validate_on_submit():
                raise _refused(form)
            service.set_note(db, row, form.note.data or "")
        except service.ClubError as error:
            db.rollback()
            return page(_row(session_id), error.problems, 400)
        officers.audit(db, g.officer, "club-note", target=f"club:{row.id}", remote_addr=request.remote_addr)
        db.commit()
        flash("บันทึกอุปสรรคและข้อค้นพบแล้ว", "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))

    @bp.post("/kpi/club/<int:session_id>/remind")
    def kpi_club_remind(session_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        row = _row(session_id)
        form = ClubReminderForm()
        try:
            if not form.validate_on_submit():
                raise _refused(form)
            raw = form.at.data or ""
            try:
                at = dt.datetime.fromisoformat(raw).replace(tzinfo=BANGKOK) if raw else None
            except ValueError:
                raise service.ClubError(["เวลาส่งไม่ถูกต้อง"]) from None
            send = service.schedule_reminder(db, row, at, audience=form.audience.data,
                                             now=utcnow())
        except service.ClubError as error:
            db.rollback()
            return page(_row(session_id), error.problems, 400)
        officers.audit(db, g.officer, "club-remind", target=f"broadcast:{send.id}", detail=f"club:{row.id}",
                       remote_addr=request.remote_addr)
        db.commit()
        flash(f"ตั้งเวลาส่งแจ้งเตือนพร้อมปุ่มลงทะเบียนแล้ว ({send.scheduled_at.astimezone(BANGKOK):%d/%m/%Y %H:%M} น.) "
              "ระบบจะตรวจโควตาก่อนส่ง และนับในแผนการส่งของหน้าเกร็ดความรู้", "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))

    @bp.post("/kpi/club/<int:session_id>/cancel")
    def kpi_club_cancel(session_id: int) -> BaseResponse:
        db = g.console_db
        row = _row(session_id)
        stopped = service.cancel_session(db, row)
        officers.audit(db, g.officer, "club-cancel", target=f"club:{row.id}", remote_addr=request.remote_addr)
        db.commit()
        flash("ยกเลิกกิจกรรมแล้ว" + (" และยกเลิกการส่งแจ้งเตือน" if stopped else ""), "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))

    @bp.post("/kpi/club/<int:session_id>/attendance")
    def kpi_club_attendance(session_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        row = _row(session_id)
        districts = list(db.scalars(select(District)))
        form = attendance_form(districts)
        try:
            if not form.validate_on_submit():
                raise service.ClubError([str(errors[0]) for errors in form.errors.values()])
            counts: dict[str, int] = {}
            for district in districts:
                raw = form[f"d{district.code}"].data
                if raw:
                    counts[district.code] = int(raw)
            total = service.record_attendance(db, row, counts, by=g.officer.username, via="console")
        except service.ClubError as error:
            db.rollback()
            return page(_row(session_id), error.problems, 400)
        officers.audit(db, g.officer, "club-attendance", target=f"club:{row.id}", detail=f"{total} attendee(s)",
                       remote_addr=request.remote_addr)
        db.commit()
        flash(f"บันทึกผู้เข้าร่วม {total} คนแล้ว", "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))

    @bp.post("/kpi/club/<int:session_id>/attendance/import")
    def kpi_club_import(session_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        row = _row(session_id)
        form = ClubImportForm()
        try:
            if not form.validate_on_submit():
                raise service.ClubError([str(errors[0]) for errors in form.errors.values()])
            counts = service.parse_attendance_list(form.file.data.read(service.IMPORT_MAX_BYTES + 1))
            total = service.record_attendance(db, row, counts, by=g.officer.username, via="import")
        except service.ClubError as error:
            db.rollback()
            return page(_row(session_id), error.problems, 400)
        officers.audit(db, g.officer, "club-import", target=f"club:{row.id}", detail=f"{total} attendee(s)",
                       remote_addr=request.remote_addr)
        db.commit()
        flash(f"นำเข้ารายชื่อแล้ว: ผู้เข้าร่วม {total} คน จาก {len(counts)} เขต", "ok")
        return redirect(url_for("console.kpi_club_session", session_id=session_id))
