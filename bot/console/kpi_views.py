"""Console KPI page: a month's figures, closing the month, charts and the monthly/yearly report downloads.

Reports are built as `flask report ...` builds them (bot/cli/kpi.py), rendered into a temporary directory
and sent as a download; closing a month and every download write an audit row.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from handlers import officers
from handlers.clock import BANGKOK, utcnow
from handlers.kpi import MonthError, MonthlyCounts, compute_month, current_record, history, parse_month
from handlers.kpi.close import MonthBusy, close_kpi_month
from handlers.kpi.counts import OUTCOMES, OUTCOMES_TH
from handlers.kpi.models import MonthlyRecord
from handlers.kpi.opendata import (
    data_dictionary,
    dictionary_html,
    dictionary_markdown,
    dictionary_xlsx,
    open_data_csv,
    open_data_json,
    open_data_rows,
)
from handlers.kpi.periods import fiscal_year_of
from handlers.kpi.yearly import DISTRICT_COUNT
from handlers.reports import Document, FontMissing, monthly_document, monthly_report, render
from handlers.reports import charts as chart_images
from handlers.reports.thai import month_year_th
from handlers.reports.yearly_pack import build_yearly

if TYPE_CHECKING:
    from bot.console.context import ConsoleContext

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
MONTHLY_FORMATS = ("xlsx", "pdf", "html", "docx")
YEARLY_FORMATS = ("xlsx", "pdf", "docx", "html")
CHARTS = ("day", "district")
FORMAT_TH = {"xlsx": "Excel", "pdf": "PDF", "html": "เว็บ (HTML)", "docx": "Word"}


def _db() -> Session:
    """This request's session (opened by the console guard)."""
    return g.console_db


def _officer() -> officers.Officer:
    """The signed-in officer."""
    return g.officer


def quota_setting() -> int | None:
    """LINE_MONTHLY_QUOTA as Settings read it (None: ask LINE, else the KPI default, 300)."""
    return current_app.extensions["iao"].settings.line_monthly_quota


def _month(text: str | None) -> tuple[int, int]:
    """?month=YYYY-MM (a BE year is accepted), else this Bangkok month; 400 when malformed."""
    if not text:
        today = dt.datetime.now(BANGKOK)
        return today.year, today.month
    try:
        return parse_month(text)
    except MonthError as error:
        abort(400, description=str(error))


def _key(year: int, month: int) -> str:
    """(2026, 11) → "2026-11"."""
    return f"{year:04d}-{month:02d}"


def _shift(year: int, month: int, delta: int) -> str:
    """The month `delta` months away, as "YYYY-MM"."""
    index = year * 12 + month - 1 + delta
    return _key(index // 12, index % 12 + 1)


def month_counts(db: Session, year: int, month: int) -> tuple[MonthlyCounts, MonthlyRecord | None]:
    """The latest closed figures of a month, else the figures computed now (nothing stored)."""
    record = current_record(db, _key(year, month))
    if record is not None:
        return MonthlyCounts.from_dict(record.figures), record
    return compute_month(db, year, month, quota_limit=quota_setting()), None


def register_kpi(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/kpi: figures, close-on-demand, chart images and report downloads."""

    def titles() -> tuple[dict[str, str], dict[str, str]]:
        """Entry and category titles from the knowledge base (ids when it is not loaded)."""
        try:
            kb = ctx.library.current()[0]
        except Exception:  # a broken knowledge base must not stop the KPI page
            return {}, {}
        return {e.id: e.title_th for e in kb.entries}, {c.id: c.title_th for c in kb.categories}

    def download(data: bytes, fmt: str, name: str) -> Response:
        """The rendered report as an attachment with its mimetype."""
        response = send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name,
                             max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @bp.get("/kpi")
    def kpi_view() -> str:
        db = _db()
        year, month = _month(request.args.get("month"))
        counts, record = month_counts(db, year, month)
        _entries, categories = titles()
        versions = len(history(db, counts.month)) if record is not None else 0
        answered_pct = round(100 * counts.answered_by_bot / counts.questions, 1) if counts.questions else None
        return render_template(
            "console/kpi.html", c=counts, record=record, versions=versions, month=counts.month,
            month_th=month_year_th(year, month), fiscal_year=fiscal_year_of(year, month),
            prev_month=_shift(year, month, -1), next_month=_shift(year, month, 1), answered_pct=answered_pct,
            categories=[(categories.get(k, k), n) for k, n in counts.by_category.items()],
            district_count=DISTRICT_COUNT, monthly_formats=MONTHLY_FORMATS, yearly_formats=YEARLY_FORMATS,
            format_th=FORMAT_TH, sat=counts.satisfaction,
            outcome_labels=[(k, OUTCOMES_TH[k]) for k in OUTCOMES])

    @bp.post("/kpi/close")
    def kpi_close() -> BaseResponse:
        year, month = _month(request.form.get("month") or "-")
        officer_id = _officer().id
        _db().rollback()  # the closing runs its own transactions (after waiting for webhook events)
        try:
            closed = close_kpi_month(ctx.sessions, ctx.messenger, year, month, via="console",
                                     quota_setting=quota_setting(), officer_id=officer_id,
                                     remote_addr=request.remote_addr)
        except MonthBusy:
            flash("ปิดยอดไม่สำเร็จ เพราะมีผู้ปิดยอดเดือนนี้พร้อมกัน กรุณาลองอีกครั้ง", "error")
            return redirect(url_for("console.kpi_view", month=_key(year, month)))
        note = (f" มีข้อความจาก LINE อีก {closed.unhandled_events} รายการที่ระบบยังไม่ได้ประมวลผล จึงยังไม่นับรวม"
                if closed.unhandled_events else "")
        flash(f"ปิดยอดเดือน{month_year_th(year, month)} แล้ว (ครั้งที่ {closed.version}){note}",
              "error" if note else "ok")
        return redirect(url_for("console.kpi_view", month=closed.counts.month))

    @bp.get("/kpi/chart/<month>/<kind>.png")
    def kpi_chart(month: str, kind: str) -> Response:
        if kind not in CHARTS:
            abort(404)
        year, mon = _month(month or "-")
        counts, _record = month_counts(_db(), year, mon)
        title_month = month_year_th(year, mon)
        try:
            if kind == "day":
                days = list(counts.by_day)
                png = chart_images.questions_per_day(days, [counts.by_day[d] for d in days],
                                                     f"จำนวนคำถามรายวัน เดือน{title_month}")
            else:
                png = chart_images.questions_per_district([d["name_th"] for d in counts.by_district],
                                                          [d["questions"] for d in counts.by_district],
                                                          f"จำนวนคำถามแยกตามสำนักงานเขต เดือน{title_month}")
        except FontMissing as error:
            abort(503, description=str(error))
        return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})

    @bp.get("/kpi/report/monthly/<month>.<fmt>")
    def kpi_monthly_report(month: str, fmt: str) -> BaseResponse:
        if fmt not in MONTHLY_FORMATS:
            abort(404)
        year, mon = _month(month or "-")
        db = _db()
        entry_titles, category_titles = titles()
        report = monthly_report(db, year, mon, utcnow(), titles=entry_titles, category_titles=category_titles,
                                quota_limit=quota_setting())  # read only: a GET never closes a month
        thai = request.args.get("thai_digits") == "1"
        name = f"iao-monthly-{_key(year, mon)}.{fmt}"
        try:
            data = _rendered(monthly_document(report, thai_digits=thai), fmt, name)
        except FontMissing as error:
            db.rollback()
            flash(f"สร้างรายงานไม่ได้: {error}", "error")
            return redirect(url_for("console.kpi_view", month=_key(year, mon)))
        officers.audit(db, _officer(), "report-download", target=f"month:{_key(year, mon)}", detail=f"format={fmt}",
                       remote_addr=request.remote_addr)
        db.commit()
        return download(data, fmt, name)

    def yearly(be_year: int, fmt: str, *, evidence: bool) -> BaseResponse:
        """The yearly form built as `report yearly` builds it; with its evidence files, as one ZIP."""
        if fmt not in YEARLY_FORMATS or not 2560 <= be_year <= 2700:
            abort(404)
        db = _db()
        entry_titles, category_titles = titles()
        digits = request.args.get("thai_digits")
        thai = digits == "1"
        name = f"iao-yearly-FY{be_year}.{fmt}"
        try:
            with tempfile.TemporaryDirectory(prefix="iao-report-") as folder:
                pack = build_yearly(db, be_year, fmt, Path(folder) / name, now=utcnow(),
                                    thai_digits=None if digits is None else thai,
                                    exports=evidence, titles=entry_titles, category_titles=category_titles)
                data = _zipped(Path(folder)) if evidence else pack.report.read_bytes()
        except FontMissing as error:
            flash(f"สร้างรายงานไม่ได้: {error}", "error")
            return redirect(url_for("console.kpi_view"))
        finally:
            db.rollback()  # the proposal was computed for this download only: a GET stores nothing but its audit
        officers.audit(db, _officer(), "report-download", target=f"fy:{be_year}",
                       detail=f"format={fmt}" + ("; with evidence" if evidence else ""),
                       remote_addr=request.remote_addr)
        db.commit()
        if evidence:
            response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                                 download_name=f"iao-yearly-FY{be_year}-{fmt}.zip", max_age=0)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        return download(data, fmt, name)

    @bp.get("/kpi/report/yearly/<int:be_year>.<fmt>")
    def kpi_yearly_report(be_year: int, fmt: str) -> BaseResponse:
        return yearly(be_year, fmt, evidence=False)

    @bp.get("/kpi/report/yearly-evidence/<int:be_year>.<fmt>.zip")
    def kpi_yearly_pack(be_year: int, fmt: str) -> BaseResponse:
        return yearly(be_year, fmt, evidence=True)

    @bp.get("/kpi/open-data/<int:be_year>.<fmt>")
    def kpi_open_data(be_year: int, fmt: str) -> BaseResponse:
        if fmt not in ("csv", "json") or not 2560 <= be_year <= 2700:
            abort(404)
        db = _db()
        now = utcnow()
        rows = open_data_rows(db, be_year, now)
        data = (open_data_csv(rows) if fmt == "csv" else open_data_json(rows, be_year, now)).encode("utf-8")
        db.rollback()
        officers.audit(db, _officer(), "report-download", target=f"open-data:{be_year}", detail=f"format={fmt}",
                       remote_addr=request.remote_addr)
        db.commit()
        return download(data, fmt, f"iao-open-data-FY{be_year}.{fmt}")

    @bp.get("/kpi/data-dictionary.<fmt>")
    def kpi_data_dictionary(fmt: str) -> BaseResponse:
        if fmt not in ("md", "html", "xlsx"):
            abort(404)
        rows = data_dictionary()
        data = dictionary_xlsx(rows) if fmt == "xlsx" else (
            dictionary_markdown(rows) if fmt == "md" else dictionary_html(rows)).encode("utf-8")
        return download(data, fmt, f"iao-data-dictionary.{fmt}")


def _zipped(folder: Path) -> bytes:
    """Every file under `folder` (the form and its `_evidence/` files) as one ZIP, paths kept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _rendered(doc: Document, fmt: str, name: str) -> bytes:
    """Render a report document into a temporary file and return its bytes (the file is removed)."""
    with tempfile.TemporaryDirectory(prefix="iao-report-") as folder:
        path = render(doc, fmt, Path(folder) / name)
        return path.read_bytes()
