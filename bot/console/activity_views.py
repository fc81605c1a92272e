"""Console page /console/kpi/activities: record the activities of a fiscal year's indicators, see the level and
score each adds up to, override a level with a reason, and download the year's forms.

Every write goes through handlers/kpi/activities.py (the CLI's implementation) and writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot.console.activity_forms import ActivityForm, DeleteActivityForm, OverrideForm
from bot.console.forms import first_error
from handlers import officers
from handlers.clock import BANGKOK, utcnow
from handlers.kpi.activities import (
    FILE_MAX_BYTES,
    ActivityError,
    EvidenceInput,
    delete_activity,
    evidence_file,
    indicator_of,
    record_activity,
    year_scores,
)
from handlers.kpi.models import Activity, FiscalYear
from handlers.kpi.periods import fiscal_year_bounds, fiscal_year_of
from handlers.kpi.reference import clear_override, override, result_for
from handlers.reports.thai import date_th

if TYPE_CHECKING:
    from bot.console.context import ConsoleContext

YEAR_MIN, YEAR_MAX = 2560, 2700


def _db() -> Session:
    """This request's session (opened by the console guard)."""
    return g.console_db


def _year(text: str | None) -> int:
    """?year=2567 (BE), else the current fiscal year; 404 outside the forms' range."""
    if not text:
        today = dt.datetime.now(BANGKOK)
        return fiscal_year_of(today.year, today.month)
    if not text.isdigit() or not YEAR_MIN <= int(text) <= YEAR_MAX:
        abort(404)
    return int(text)


def register_activities(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/kpi/activities and its forms."""

    def back(be_year: int) -> BaseResponse:
        return redirect(url_for("console.kpi_activities", year=be_year))

    @bp.get("/kpi/activities")
    def kpi_activities() -> str:
        db = _db()
        be_year = _year(request.args.get("year"))
        years = list(db.scalars(select(FiscalYear.be_year).order_by(FiscalYear.be_year)))
        entries = year_scores(db, be_year) if be_year in years else []
        db.rollback()  # rescoring on a GET stores nothing
        start, end = fiscal_year_bounds(be_year)
        return render_template(
            "console/kpi_activities.html", be_year=be_year, years=years, entries=entries, start=start, end=end,
            date_th=date_th, file_max_mb=f"{FILE_MAX_BYTES / 1e6:g}",
            total_weight=sum(e.indicator.weight for e in entries),
            total_points=round(sum(e.result.weighted_score or 0 for e in entries), 2))

    @bp.post("/kpi/activities")
    def kpi_activity_add() -> BaseResponse:
        db = _db()
        form = ActivityForm()
        be_year = _year(form.year.data)
        if not form.validate_on_submit():
            flash(f"บันทึกไม่สำเร็จ: {first_error(form)}", "error")
            return back(be_year)
        key, kind = form.key_and_kind
        evidence = []
        if form.link.data:
            evidence.append(EvidenceInput(url=form.link.data))
        upload = form.file.data
        if upload is not None and upload.filename:
            evidence.append(EvidenceInput(filename=upload.filename, content_type=upload.mimetype,
                                          data=upload.read(FILE_MAX_BYTES + 1)))
        officer = g.officer
        try:
            activity = record_activity(
                db, be_year=be_year, indicator_key=key, occurred_on=dt.date.fromisoformat(form.date.data),
                kind=kind, count=int(form.count.data) if form.count.data else None, title=form.title.data or "",
                note=form.note.data, evidence=evidence, by=officer.username, now=utcnow())
        except ActivityError as error:
            db.rollback()
            flash(f"บันทึกไม่สำเร็จ: {error}", "error")
            return back(be_year)
        officers.audit(db, officer, "kpi-activity-add", target=f"fy:{be_year}:{key}",
                       detail=f"activity {activity.id}; {kind}" + (f" x{activity.count}" if activity.count else ""),
                       remote_addr=request.remote_addr)
        db.commit()
        flash(f"บันทึกกิจกรรมแล้ว ({activity.indicator.component.code}-{activity.indicator.number_label})", "ok")
        return back(be_year)

    @bp.post("/kpi/activities/<int:activity_id>/delete")
    def kpi_activity_delete(activity_id: int) -> BaseResponse:
        db = _db()
        form = DeleteActivityForm()
        be_year = _year(form.year.data)
        if not form.validate_on_submit():
            flash(first_error(form), "error")
            return back(be_year)
        try:
            activity = delete_activity(db, activity_id, be_year)
        except ActivityError as error:
            db.rollback()
            flash(str(error), "error")
            return back(be_year)
        officers.audit(db, g.officer, "kpi-activity-delete", target=f"fy:{be_year}:{activity.indicator.key}",
                       detail=f"activity {activity_id}; {activity.kind}", remote_addr=request.remote_addr)
        db.commit()
        flash("ลบกิจกรรมแล้ว", "ok")
        return back(be_year)

    @bp.post("/kpi/activities/override")
    def kpi_activity_override() -> BaseResponse:
        db = _db()
        form = OverrideForm()
        be_year = _year(form.year.data)
        if not form.validate_on_submit():
            flash(first_error(form), "error")
            return back(be_year)
        try:
            indicator = indicator_of(db, be_year, form.indicator.data)
        except ActivityError as error:
            flash(str(error), "error")
            return back(be_year)
        result = result_for(db, indicator, be_year)
        label = f"{indicator.component.code}-{indicator.number_label}"
        if form.clear.data:
            clear_override(result)
            detail, message = "cleared", f"ยกเลิกการปรับผลตัวชี้วัด {label} แล้ว (ใช้ผลที่คำนวณจากกิจกรรม)"
        else:
            level, reason = form.level.data, form.reason.data
            override(result, level=int(level), score=None, reason=reason, by=g.officer.username, now=utcnow())
            detail, message = f"level {level}: {reason}", f"ปรับผลตัวชี้วัด {label} เป็นระดับ {level} แล้ว"
        officers.audit(db, g.officer, "kpi-override", target=f"fy:{be_year}:{indicator.key}", detail=detail,
                       remote_addr=request.remote_addr)
        db.commit()
        flash(message, "ok")
        return back(be_year)

    @bp.get("/kpi/activities/evidence/<int:evidence_id>")
    def kpi_activity_evidence(evidence_id: int) -> BaseResponse:
        db = _db()
        item = evidence_file(db, evidence_id)
        if item is None or db.get(Activity, item.activity_id) is None:
            abort(404)
        response = send_file(io.BytesIO(item.data or b""), mimetype=item.content_type or "application/octet-stream",
                             as_attachment=True, download_name=item.filename or "evidence", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
