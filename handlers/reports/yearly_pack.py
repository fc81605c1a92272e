"""The yearly InterClinic result form with its evidence files: one build for `report yearly` and the console.

The evidence (seed 001: the monthly reports, the satisfaction survey, the chat log, what was published) is
written beside the report in `<report name>_evidence/`, and the form's evidence rows point at those files.
Reading only: the caller decides whether the proposal it computed is kept (the console keeps nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.chat.satisfaction import SurveyResponse
from handlers.clock import BANGKOK
from handlers.kpi.activities import rescore
from handlers.kpi.counts import MonthlyCounts
from handlers.kpi.periods import fiscal_year_bounds, fiscal_year_months, month_days
from handlers.kpi.yearly import propose_interclinic
from handlers.models import Interaction
from handlers.reports import render
from handlers.reports.agreement import agreement_forms, agreement_report, with_activities
from handlers.reports.build import monthly_document, monthly_report, yearly_document
from handlers.reports.performance import with_year_forms
from handlers.safe_text import safe_row


@dataclass(frozen=True)
class YearlyPack:
    """The rendered form and the evidence files beside it (paths relative to the form's folder, by kind)."""

    report: Path
    evidence: dict[str, list[str]]


def build_yearly(session: Session, be_year: int, fmt: str, output: Path, *, now: dt.datetime,
                 thai_digits: bool | None = False, exports: bool = True, titles: Mapping[str, str] | None = None,
                 category_titles: Mapping[str, str] | None = None) -> YearlyPack:
    """The year's forms: the FY2567-style agreement forms when the year has them, else seed 001's InterClinic
    result form with its recorded activities and its evidence files (unless `exports` is off), inside seed
    001's forms of every other indicator of the year when it has them (FY2564).

    `thai_digits` None means the digits the year's own forms use.
    """
    forms = agreement_forms(session, be_year, now, thai_digits=thai_digits)
    if forms is not None:
        return YearlyPack(render(forms, fmt, output), {})
    result, figures = propose_interclinic(session, be_year, now)
    files: dict[str, list[str]] = {}
    if exports:
        files = write_evidence(session, be_year, output, figures.months, bool(thai_digits), titles=titles or {},
                               category_titles=category_titles or {}, now=now)
        for item in result.evidence:
            if files.get(item.kind):
                item.file_uri = files[item.kind][0]
                item.generated = True
    doc = yearly_document(result, figures, thai_digits=bool(thai_digits), evidence_files=files)
    with_activities(doc, rescore(session, result.indicator, be_year))
    doc = with_year_forms(agreement_report(session, be_year, now), doc)  # FY2564: every indicator's form
    return YearlyPack(render(doc, fmt, output), files)


def write_evidence(session: Session, be_year: int, output: Path, months: list[MonthlyCounts], thai: bool, *,
                   titles: Mapping[str, str], category_titles: Mapping[str, str],
                   now: dt.datetime) -> dict[str, list[str]]:
    """Write the evidence files beside the yearly report; returns paths (relative to it) by evidence kind."""
    folder = output.parent / f"{output.stem}_evidence"
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {"monthly_report": [], "questionnaire": [], "chat_log": [], "published": []}
    for counts in months:
        year, month = (int(x) for x in counts.month.split("-"))
        report = monthly_report(session, year, month, now, titles=titles, category_titles=category_titles)
        path = render(monthly_document(report, thai_digits=thai), "pdf", folder / f"monthly-{counts.month}.pdf")
        files["monthly_report"].append(str(path.relative_to(output.parent)))
    start, end = fiscal_year_bounds(be_year)
    survey = folder / f"survey-FY{be_year}.csv"
    with survey.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period", "answered_at_bangkok", "district_id", "score", "comment"])
        for row in session.scalars(select(SurveyResponse).where(SurveyResponse.score.is_not(None))
                                   .order_by(SurveyResponse.answered_at)):
            day = row.answered_at.astimezone(BANGKOK) if row.answered_at else None
            if day is not None and start <= day.date() <= end:
                writer.writerow(safe_row([row.period, f"{day:%Y-%m-%d %H:%M}", row.district_id, row.score,
                                          row.comment or ""]))
    files["questionnaire"].append(str(survey.relative_to(output.parent)))
    chat = folder / f"chat-log-FY{be_year}.csv"
    first_month, last_month = fiscal_year_months(be_year)[0], fiscal_year_months(be_year)[-1]
    with chat.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["bangkok_time", "district_id", "direction", "kind", "outcome", "category", "answered_by",
                         "text"])
        rows = session.execute(select(Interaction.occurred_at, Interaction.district_id, Interaction.direction,
                                      Interaction.kind, Interaction.outcome, Interaction.category,
                                      Interaction.answered_by, Interaction.text)
                               .where(Interaction.bkk_day.between(month_days(*first_month)[0],
                                                                  month_days(*last_month)[1]),
                                      Interaction.kind.in_(("text", "reply", "push")))
                               .order_by(Interaction.occurred_at, Interaction.id)).yield_per(2000)
        for at, district, direction, kind, outcome, category, by, text in rows:
            writer.writerow(safe_row([f"{at.astimezone(BANGKOK):%Y-%m-%d %H:%M}", district, direction, kind,
                                      outcome or "", category or "", by or "", text or ""]))
    files["chat_log"].append(str(chat.relative_to(output.parent)))
    published = folder / f"published-FY{be_year}.csv"
    with published.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "bangkok_day", "title", "recipients"])
        for counts in months:
            for b in counts.broadcasts:
                writer.writerow(safe_row([counts.month, b["bkk_day"], b.get("title") or "", b.get("recipients") or ""]))
    files["published"].append(str(published.relative_to(output.parent)))
    return files
