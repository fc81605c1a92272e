"""The FY2567-style forms of seed 002, filled from the activity records: the summary of negotiated indicators
(แบบสรุปตัวชี้วัดเจรจาตกลง…) and one analysis form per indicator (แบบวิเคราะห์และกำหนดตัวชี้วัดเจาะจง…).

Seed 002 is a plan (no results); the forms keep its columns and add the result columns the activities give:
the level reached and คะแนนที่ได้รับ (weight × the level's ร้อยละ), overrides marked with their reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.clock import BANGKOK
from handlers.kpi.activities import IndicatorScore, year_scores
from handlers.kpi.models import Activity, Component, FiscalYear
from handlers.kpi.reference import reference_data, year_forms
from handlers.kpi.scoring import ACTIVITIES, NONE
from handlers.reports.document import Cell, Document, Paragraph, Section, Table
from handlers.reports.thai import date_th, number

UNIT_LINE_LABEL = "หน่วยงาน/ส่วนราชการสังกัดสำนักปลัดกรุงเทพมหานคร"
UNIT_NAME = "สำนักงานการต่างประเทศ"
OVERRIDE_MARK = "*"


@dataclass
class AgreementReport:
    """A fiscal year's components and its indicators scored from their activities."""

    be_year: int
    components: list[Component]
    entries: list[IndicatorScore]
    generated_at: dt.datetime

    @property
    def total_weight(self) -> float:
        """Sum of the indicators' weights (FY2567's component 1 shows 70)."""
        return sum(e.indicator.weight for e in self.entries)

    @property
    def total_points(self) -> float:
        """Sum of คะแนนที่ได้รับ in force (overrides included; an unscored indicator adds nothing)."""
        return round(sum(e.result.weighted_score or 0 for e in self.entries), 2)


def agreement_report(session: Session, be_year: int, now: dt.datetime) -> AgreementReport:
    """Score every indicator of the year from its records (stored results are updated in the caller's unit)."""
    components = list(session.scalars(select(Component).where(Component.be_year == be_year)
                                      .order_by(Component.code)))
    return AgreementReport(be_year, components, year_scores(session, be_year), now)


def uses_agreement_forms(session: Session, be_year: int) -> bool:
    """True when the year has indicators scored from activities (FY2567), not only the InterClinic form.

    A year that reports on seed 001's forms (FY2564) is never one: its forms are handlers/reports/performance.py.
    """
    if year_forms(be_year) == "001":
        return False
    return any(e.ladder is not None and e.ladder.kind in (ACTIVITIES, NONE)
               for e in year_scores(session, be_year))


def _analysis_form(key: str) -> dict[str, Any] | None:
    """The seed's analysis-form lines of an indicator (reference.yaml `analysis_forms`)."""
    return (reference_data().get("analysis_forms") or {}).get(key)


def baseline_lines(text: str | None) -> str:
    """"พ.ศ. ๒๕๖๓ : - พ.ศ. ๒๕๖๔ : …" with each year on its own line, as the form's cell reads."""
    return re.sub(r"\s+(?=พ\.ศ\. [0-9๐-๙]{4} :)", "\n", text.strip()) if text else "–"


def _result_cell(entry: IndicatorScore) -> str:
    """"ระดับ 3", "ระดับ 4*" (override), "ยังไม่ถึงระดับ 1", or "ไม่มีเกณฑ์ในแบบฟอร์ม"."""
    level = entry.result.level
    mark = OVERRIDE_MARK if entry.overridden else ""
    if level:
        return f"ระดับ {level}{mark}"
    if entry.ladder is not None and entry.ladder.kind == NONE:
        return "ไม่มีเกณฑ์ในแบบฟอร์ม"
    return "ยังไม่ถึงระดับ 1" + mark


def _override_note(entry: IndicatorScore) -> str:
    """The footnote of an override: who, why, and what the records computed."""
    result = entry.result
    computed = (f"ระดับ {result.computed_level}" if result.computed_level else
                "ไม่มีระดับที่คำนวณได้" if result.computed_level is None else "ยังไม่ถึงระดับ 1")
    when = f" เมื่อ {date_th(result.overridden_at.astimezone(BANGKOK).date())}" if result.overridden_at else ""
    return (f"{OVERRIDE_MARK} ตัวชี้วัด {entry.indicator.component.code}-{entry.indicator.number_label}: ปรับผลโดย"
            f"เจ้าหน้าที่ ({result.overridden_by or 'ไม่ระบุชื่อ'}{when}) เหตุผล: {result.override_reason} "
            f"(ผลที่คำนวณจากกิจกรรมที่บันทึก: {computed})")


def _summary(report: AgreementReport) -> list[Table | Paragraph]:
    """The summary table as seed 002 lays it out, with the result and points columns."""
    rows: list[list[Cell]] = []
    bold: list[int] = []
    by_component: dict[str, list[IndicatorScore]] = {}
    for entry in report.entries:
        by_component.setdefault(entry.indicator.component.code, []).append(entry)
    for component in report.components:
        entries = by_component.get(component.code, [])
        if not entries and not any(c.parent_code == component.code for c in report.components):
            continue
        bold.append(len(rows))
        label = "องค์ประกอบที่ " if component.parent_code is None else ""
        rows.append([f"{label}{component.code} {component.name_th}"])
        for entry in entries:
            indicator = entry.indicator
            rows.append([f"{indicator.number_label}.", indicator.name_th, baseline_lines(indicator.baseline_th),
                         f"ระดับ {indicator.target_level}", indicator.weight, _result_cell(entry),
                         entry.result.weighted_score])
    rows.append(["", "รวม", "", "", report.total_weight, "", report.total_points])
    blocks: list[Table | Paragraph] = [Table(
        ["ที่", "ชื่อตัวชี้วัด", "ผลการดำเนินงานย้อนหลัง 3 ปี", "เป้าหมาย", "น้ำหนักคะแนน", "ผลการดำเนินงาน",
         "คะแนนที่ได้รับ"], rows, total_row=True, widths=[0.5, 4.0, 3.2, 1.1, 1.0, 1.8, 1.0],
        bold_rows=tuple(bold))]
    blocks.append(Paragraph(
        "คะแนนที่ได้รับ = น้ำหนักคะแนน × ร้อยละของระดับที่ได้ (ระดับ 1–5 = ร้อยละ 20, 40, 60, 80, 100) "
        "ระดับคำนวณจากกิจกรรมที่บันทึกตามเกณฑ์การให้คะแนนของแต่ละตัวชี้วัด โดยต้องผ่านเกณฑ์ของระดับที่ต่ำกว่าครบก่อน"))
    blocks += [Paragraph(_override_note(e), bold=True) for e in report.entries if e.overridden]
    blocks += [Paragraph(f"ตัวชี้วัด {e.indicator.component.code}-{e.indicator.number_label}: {e.ladder.note_th}")
               for e in report.entries if e.ladder is not None and e.ladder.kind == NONE and e.ladder.note_th]
    return blocks


def _criteria(entry: IndicatorScore) -> Table:
    """เกณฑ์การให้คะแนนตัวชี้วัด: levels 5 down to 1, the points of the weight, and the level reached."""
    indicator = entry.indicator
    scores = indicator.scheme.level_scores
    levels = {lv.level: lv for lv in indicator.levels}
    reached = entry.result.level or 0
    rows: list[list[Cell]] = []
    bold: tuple[int, ...] = ()
    for n in range(5, 0, -1):
        level = levels.get(n)
        pct = level.pct_criterion if level and level.pct_criterion is not None else scores[n - 1]
        if n == reached:
            bold = (len(rows),)
        rows.append([str(n), f"ร้อยละ {number(pct)}", level.criterion_th if level else "–",
                     f"{number(indicator.weight * pct / 100)} คะแนน", "ระดับที่ได้" if n == reached else ""])
    return Table(["ระดับความสำเร็จ", "เกณฑ์ร้อยละความสำเร็จ", "วิธีวัดผลการดำเนินงาน", "คะแนนที่ได้รับ",
                  "ผลการประเมิน"], rows, widths=[1.4, 1.4, 6, 1.2, 1.3], bold_rows=bold)


def _amount(count: int, unit: str | None) -> str:
    """"3 ครั้ง", but "ร้อยละ 100" as Thai writes a percentage."""
    return f"ร้อยละ {number(count)}" if unit == "ร้อยละ" else f"{number(count)} {unit}"


def activities_table(activities: list[Activity], entry: IndicatorScore) -> Table | Paragraph:
    """The records behind the level: date, kind, count, title and note, evidence."""
    if not activities:
        return Paragraph("ยังไม่มีการบันทึกกิจกรรม")
    ladder = entry.ladder
    rows: list[list[Cell]] = []
    for i, a in enumerate(activities, 1):
        kind = ladder.activity_kind(a.kind) if ladder else None
        lines = [a.title_th or a.kind]
        if kind is not None and a.title_th != kind.name_th[:len(a.title_th)]:
            lines.append(f"({kind.name_th})")
        if a.note:
            lines.append(a.note)
        what = "\n".join(lines)
        rows.append([i, date_th(a.occurred_on), what, _amount(a.count, kind.unit_th) if a.count and kind else "–",
                     "\n".join(e.url or e.filename or "" for e in a.evidence) or "–"])
    return Table(["ลำดับ", "วันที่", "กิจกรรม", "จำนวน", "หลักฐาน"], rows, widths=[1.1, 2.4, 4.6, 1.5, 3],
                 keep_digits=(4,))


def _outcome(entry: IndicatorScore) -> list[Table | Paragraph]:
    """ผลการดำเนินงาน: weight, level, ร้อยละ, points; what the records add up to and what the next level needs."""
    result, ladder = entry.result, entry.ladder
    blocks: list[Table | Paragraph] = [Table(
        ["น้ำหนักคะแนน", "ผลการดำเนินงาน", "ร้อยละ", "คะแนนที่ได้รับ"],
        [[entry.indicator.weight, _result_cell(entry), result.score, result.weighted_score]])]
    if entry.overridden:
        blocks.append(Paragraph(_override_note(entry), bold=True))
    if ladder is not None and entry.computed is not None:
        counted = [f"- {k.name_th}: {number(entry.computed.have.get(k.code, 0))} {k.unit_th}"
                   for k in ladder.kinds if k.counted]
        if counted:
            blocks.append(Paragraph("\n".join(["ยอดสะสมจากกิจกรรมที่บันทึก", *counted])))
        if ladder.kind == ACTIVITIES and entry.computed.missing:
            blocks.append(Paragraph(f"ระดับ {entry.computed.reached + 1} ยังต้องการ: "
                                    + ladder.needs_th(entry.computed.missing)))
    return blocks


def indicator_sections(report: AgreementReport, entry: IndicatorScore) -> list[Section]:
    """One indicator's analysis form (seed 002's layout) with its result and its records."""
    indicator = entry.indicator
    component = indicator.component
    form = _analysis_form(indicator.key)
    title = f"แบบวิเคราะห์และกำหนดตัวชี้วัดเจาะจงจากผลการประเมินผลการปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. {report.be_year}"
    head: list[Table | Paragraph] = [
        Paragraph(f"{UNIT_LINE_LABEL} {UNIT_NAME}"),
        Paragraph(f"องค์ประกอบที่ {component.code} {component.name_th}", bold=True)]
    policy = [form[k] for k in ("policy_th", "strategy_th", "substrategy_th", "objective_th", "key_result_th")
              if form and form.get(k)]
    head += [Paragraph(line) for line in policy] or [Paragraph(
        f"แบบฟอร์มต้นฉบับ (ปีงบประมาณ พ.ศ. {report.be_year}) ไม่มีหน้าแรกของแบบวิเคราะห์ตัวชี้วัดนี้ "
        "จึงไม่มีข้อความด้านนโยบายและยุทธศาสตร์ และนิยามมีเพียงส่วนที่ต่อจากหน้าก่อน")]
    baseline = baseline_lines((form or {}).get("baseline_th") or indicator.baseline_th)  # the analysis form's cell
    head.append(Table(["ที่", "ชื่อตัวชี้วัด", "ข้อมูลพื้นฐาน (Baseline Data)", "เป้าหมาย", "น้ำหนักคะแนน"], [[
        f"{indicator.number_label}.", indicator.name_th, baseline, f"ระดับ {indicator.target_level}",
        indicator.weight]], widths=[0.5, 4, 4, 1, 1]))
    if form and form.get("definition_th"):
        head += [Paragraph("นิยามและวิธีคำนวณ", bold=True), Paragraph(form["definition_th"])]
    criteria: list[Table | Paragraph] = [Paragraph(f"เกณฑ์การให้คะแนนตัวชี้วัด {indicator.name_th}", bold=True)]
    if indicator.levels:
        criteria.append(_criteria(entry))
    else:
        criteria.append(Paragraph(entry.ladder.note_th if entry.ladder and entry.ladder.note_th else
                                  "ไม่มีตารางเกณฑ์การให้คะแนนในแบบฟอร์มต้นฉบับ"))
    return [
        Section(title, [*head, *criteria], new_page=True, centered=True),
        Section("ผลการดำเนินงาน", _outcome(entry)),
        Section("กิจกรรมที่บันทึก", [activities_table(entry.activities, entry)]),
    ]


def agreement_document(report: AgreementReport, *, thai_digits: bool = True) -> Document:
    """The summary form, then each indicator's form, in Thai digits as seed 002 writes them (by default)."""
    as_of = report.generated_at.astimezone(BANGKOK)
    sections = [Section("สรุปผลตัวชี้วัด", list(_summary(report)))]
    for entry in report.entries:
        sections += indicator_sections(report, entry)
    return Document(
        title=f"แบบสรุปตัวชี้วัดเจรจาตกลงประเมินผลการปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. {report.be_year}",
        subtitle=[f"{UNIT_LINE_LABEL} {UNIT_NAME}"],
        header=[("ข้อมูล ณ วันที่", f"{date_th(as_of.date())} เวลา {as_of:%H:%M} น.")],
        sections=sections, thai_digits=thai_digits, landscape=True)


def agreement_forms(session: Session, be_year: int, now: dt.datetime, *,
                    thai_digits: bool | None = None) -> Document | None:
    """The year's FY2567-style forms, or None for a year of the InterClinic form only (seed 001's layout).

    Digits follow the year's forms (FY2567: Thai, as seed 002) unless `thai_digits` says otherwise.
    """
    if not uses_agreement_forms(session, be_year):
        return None
    if thai_digits is None:
        year = session.get(FiscalYear, be_year)
        thai_digits = year is not None and year.numeral_style == "thai"
    return agreement_document(agreement_report(session, be_year, now), thai_digits=thai_digits)


def with_activities(doc: Document, entry: IndicatorScore) -> Document:
    """A single-indicator form (seed 001's InterClinic) with its recorded activities before the evidence list."""
    doc.sections.insert(max(len(doc.sections) - 1, 0), Section("กิจกรรมที่บันทึก", [
        activities_table(entry.activities, entry)]))
    return doc
