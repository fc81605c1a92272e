"""`flask --app app kpi ...` and `flask --app app report ...`: close months, override scores, write reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from bot.cli import services
from bot.cli.activities import activity_group
from handlers.clock import BANGKOK, utcnow
from handlers.kpi import current_record, history, parse_month
from handlers.kpi.close import MonthBusy, close_kpi_month
from handlers.kpi.opendata import (
    data_dictionary,
    dictionary_html,
    dictionary_markdown,
    dictionary_xlsx,
    open_data_csv,
    open_data_json,
    open_data_rows,
)
from handlers.kpi.reference import (
    INTERCLINIC,
    clear_override,
    find_indicator,
    interclinic_indicator,
    override,
    result_for,
)
from handlers.reports import FontMissing, monthly_document, monthly_report, render
from handlers.reports.yearly_pack import build_yearly

kpi_group = AppGroup("kpi", help="KPI records: close a month, see its history, override a yearly score.")
report_group = AppGroup("report", help="Monthly and yearly KPI reports (xlsx, pdf, html, docx).")


def _month(text: str) -> tuple[int, int]:
    """--month parsed, or a usage error."""
    try:
        return parse_month(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None


def _titles() -> tuple[dict[str, str], dict[str, str]]:
    """Entry and category titles from the knowledge base, for the 'top questions' and category tables."""
    try:
        kb = services().library.current()[0]
    except Exception as exc:  # a broken knowledge base must not stop the KPI report
        click.echo(f"warning: knowledge base not loaded ({exc}); ids shown instead of titles", err=True)
        return {}, {}
    return {e.id: e.title_th for e in kb.entries}, {c.id: c.title_th for c in kb.categories}


@kpi_group.command("close")
@click.option("--month", "month_text", required=True, help="YYYY-MM (Bangkok calendar month).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--quota-limit", type=int, default=None,
              help="LINE monthly message quota (default: LINE_MONTHLY_QUOTA, else what LINE reports, else 300).")
def close_command(month_text: str, as_json: bool, quota_limit: int | None) -> None:
    """Compute a month from the log and store it as a new KPI record version (history is kept)."""
    year, month = _month(month_text)
    app = services()
    try:
        closed = close_kpi_month(app.sessions, app.messenger, year, month, via="cli",
                                 quota_setting=app.settings.line_monthly_quota, explicit_quota=quota_limit)
    except MonthBusy:
        raise click.ClickException("the month is being closed by someone else right now; run kpi close again "
                                   "in a moment") from None
    if closed.unhandled_events:
        click.echo(f"warning: {closed.unhandled_events} received webhook event(s) are not handled yet (is the web "
                   "process running?); they are not in this count", err=True)
    counts = closed.counts
    if as_json:
        click.echo(json.dumps(counts.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"closed {counts.month} (FY {counts.fiscal_year}, version {closed.version}): {counts.questions} "
               "questions: " + ", ".join(f"{n} {k}" for k, n in counts.outcomes.items())
               + f"; {counts.districts_active}/50 districts active; "
               f"{counts.broadcasts_sent}/{counts.broadcast_target} tips; "
               f"{counts.messages_consumed}/{counts.quota_limit} messages (quota from {closed.quota_source})")


@kpi_group.command("history")
@click.option("--month", "month_text", required=True, help="YYYY-MM.")
def history_command(month_text: str) -> None:
    """List every closed version of a month."""
    year, month = _month(month_text)
    with services().sessions() as session:
        for record in history(session, f"{year:04d}-{month:02d}"):
            click.echo(f"v{record.version} {record.closed_at.astimezone(BANGKOK):%Y-%m-%d %H:%M} "
                       f"{record.closed_by or ''}: {record.questions} questions, {record.followers_total} followers, "
                       f"{record.broadcasts_sent} tips")


@kpi_group.command("override")
@click.option("--fiscal-year", "be_year", type=int, required=True, help="BE fiscal year, e.g. 2570.")
@click.option("--indicator", "key", default=INTERCLINIC, show_default=True)
@click.option("--level", type=click.IntRange(1, 5), default=None)
@click.option("--score", type=float, default=None, help="Score 0–100 (default: the level's score).")
@click.option("--reason", default="", help="Why (required unless --clear).")
@click.option("--by", "by", default=None, help="Officer's name.")
@click.option("--clear", is_flag=True, help="Remove the override.")
def override_command(be_year: int, key: str, level: int | None, score: float | None, reason: str, by: str | None,
                     clear: bool) -> None:
    """Set (or clear) an officer's level/score for an indicator's year, with a reason."""
    with services().sessions.begin() as session:
        if key == INTERCLINIC:
            indicator = interclinic_indicator(session, be_year)
        else:
            found = find_indicator(session, be_year, key)
            if found is None:
                raise click.ClickException(f"no indicator {key!r} in FY {be_year}")
            indicator = found
        result = result_for(session, indicator, be_year)
        if clear:
            clear_override(result)
        else:
            if level is None and score is None:
                raise click.UsageError("give --level and/or --score, or --clear")
            try:
                override(result, level=level, score=score, reason=reason, by=by, now=utcnow())
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
        click.echo(f"FY {be_year} {key}: level {result.level}, score {result.score}, "
                   f"weighted {result.weighted_score}" + (f" (override: {result.override_reason})"
                                                         if result.override_reason else ""))


@report_group.command("monthly")
@click.option("--month", "month_text", required=True, help="YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "html", "docx"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--thai-digits", is_flag=True, help="Write numbers in Thai digits (๐–๙).")
@click.option("--factors", default=None, help="ปัจจัยสนับสนุน text (default: the record's, else blank lines).")
@click.option("--obstacles", default=None, help="อุปสรรค text (default: the record's, else suggested from figures).")
@click.option("--quota-limit", type=int, default=None)
def monthly_command(month_text: str, fmt: str, output: Path, thai_digits: bool, factors: str | None,
                    obstacles: str | None, quota_limit: int | None) -> None:
    """รายงานสรุปกิจกรรมตามโครงการฯ ประจำเดือน from the month's current record; an open month's is provisional."""
    year, month = _month(month_text)
    titles, categories = _titles()
    with services().sessions.begin() as session:
        if factors is not None or obstacles is not None:
            record = current_record(session, f"{year:04d}-{month:02d}")
            if record is not None:
                record.supporting_factors_th = factors if factors is not None else record.supporting_factors_th
                record.obstacles_th = obstacles if obstacles is not None else record.obstacles_th
        report = monthly_report(session, year, month, utcnow(), titles=titles, category_titles=categories,
                                quota_limit=services().settings.line_monthly_quota if quota_limit is None
                                else quota_limit)
    doc = monthly_document(report, thai_digits=thai_digits, supporting_factors=factors, obstacles=obstacles)
    _write(doc, fmt, output)


@report_group.command("yearly")
@click.option("--fiscal-year", "be_year", type=int, required=True, help="BE fiscal year, e.g. 2570.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "docx", "html"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--thai-digits", is_flag=True)
@click.option("--no-exports", is_flag=True, help="Do not write the evidence files next to the report.")
@click.option("--arabic-digits", is_flag=True, help="Arabic digits even where the year's forms use Thai digits.")
def yearly_command(be_year: int, fmt: str, output: Path, thai_digits: bool, no_exports: bool,
                   arabic_digits: bool) -> None:
    """The year's forms: FY2567-style summary and indicator forms scored from activities, else seed 001's
    InterClinic result form with evidence exports (monthly reports, survey, chat log)."""
    titles, categories = _titles()
    try:
        with services().sessions.begin() as session:
            pack = build_yearly(session, be_year, fmt, output, now=utcnow(),
                                thai_digits=False if arabic_digits else (thai_digits or None),
                                exports=not no_exports, titles=titles, category_titles=categories)
    except FontMissing as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {pack.report}")


def _write(doc, fmt: str, output: Path) -> None:  # type: ignore[no-untyped-def]
    """Render, turning a missing font into a clear error."""
    try:
        path = render(doc, fmt, output)
    except FontMissing as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}")


def register_kpi_commands(app: Flask) -> None:
    """Attach the kpi and report command groups."""
    kpi_group.add_command(activity_group)  # kpi activity kinds/add/list/delete/score (bot/cli/activities.py)
    app.cli.add_command(kpi_group)
    app.cli.add_command(report_group)



@report_group.command("open-data")
@click.option("--year", "be_year", type=int, required=True, help="BE fiscal year, e.g. 2570.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def open_data_command(be_year: int, fmt: str, output: Path) -> None:
    """Monthly aggregates per district for the BMA open-data portal (no personal data)."""
    now = utcnow()
    with services().sessions() as session:
        rows = open_data_rows(session, be_year, now)
    output.write_text(open_data_csv(rows) if fmt == "csv" else open_data_json(rows, be_year, now), encoding="utf-8")
    click.echo(f"wrote {output} ({len(rows)} rows)")


@report_group.command("data-dictionary")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "xlsx"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def data_dictionary_command(fmt: str, output: Path) -> None:
    """Every table and column of the database, generated from the models."""
    rows = data_dictionary()
    if fmt == "xlsx":
        output.write_bytes(dictionary_xlsx(rows))
    else:
        output.write_text(dictionary_markdown(rows) if fmt == "md" else dictionary_html(rows), encoding="utf-8")
    click.echo(f"wrote {output} ({len(rows)} columns)")
