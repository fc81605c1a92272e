"""Seed 001's FY2564 report forms for every indicator of the year, filled from the records.

Layout A (components with several indicators, 001 L7–L319): the criteria table, ผลการดำเนินงาน with its
weighted total, and the component summary (สรุปผลการดำเนินงานตัวชี้วัดในองค์ประกอบที่ N). Layout B (one indicator,
001 L359–L435): criteria, the result row, the recorded activities. InterClinic keeps its own form (build.py).
A summary of all indicators comes first, as the FY2567 summary form does.
"""

from __future__ import annotations

from handlers.clock import BANGKOK
from handlers.kpi.activities import IndicatorScore
from handlers.kpi.models import Component
from handlers.kpi.reference import INTERCLINIC
from handlers.kpi.scoring import NONE
from handlers.reports.agreement import OVERRIDE_MARK, AgreementReport, activities_table
from handlers.reports.build import FLOOR_RULE_TH, UNIT_TH
from handlers.reports.document import Block, Cell, Document, Paragraph, Section, Table
from handlers.reports.thai import date_th, number


def _form_title(be_year: int) -> str:
    """The two title lines every form of seed 001 opens with (L7–L9)."""
    return f"แบบฟอร์มการรายงาน\nผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. {be_year}"


def _label(entry: IndicatorScore) -> str:
    """The indicator's number as the forms print it; InterClinic is its component's only one and has none."""
    if entry.indicator.key == INTERCLINIC:
        return f"องค์ประกอบที่ {entry.indicator.component.code}"
    return entry.indicator.number_label


def _level_cell(entry: IndicatorScore) -> str:
    """"ระดับ 4", "ระดับ 4*" (an officer's level), or why there is none yet."""
    level = entry.result.level
    if level:
        return f"ระดับ {level}{OVERRIDE_MARK if entry.overridden else ''}"
    if entry.ladder is not None and entry.ladder.kind == NONE:
        return "รอเจ้าหน้าที่กำหนดระดับ"
    return "ยังไม่มีผล"


def _score_cell(entry: IndicatorScore) -> str:
    """ค่าคะแนนที่ได้ as the seed writes it: «ร้อยละ 80» (layout A) or «100» (layout B)."""
    score = entry.result.score
    if score is None:
        return "–"
    return f"ร้อยละ {number(score)}" if entry.indicator.scheme_code == "LEVEL_PCT_20_100" else number(score)


def _override_notes(entries: list[IndicatorScore]) -> list[Block]:
    """Who set a level by hand, when and why (the forms' levels of components 1–2 are set this way)."""
    notes: list[Block] = []
    for entry in entries:
        if not entry.overridden:
            continue
        result = entry.result
        when = f" เมื่อ {date_th(result.overridden_at.astimezone(BANGKOK).date())}" if result.overridden_at else ""
        notes.append(Paragraph(f"{OVERRIDE_MARK} ตัวชี้วัด {_label(entry)}: กำหนดระดับโดยเจ้าหน้าที่ "
                               f"({result.overridden_by or 'ไม่ระบุชื่อ'}{when}) เหตุผล: {result.override_reason}"))
    return notes


def _criteria(entries: list[IndicatorScore], first_column: str = "ตัวชี้วัด") -> Table:
    """เกณฑ์การให้คะแนน: one row per indicator, the columns «ระดับ n (points คะแนน)» as printed."""
    first = entries[0].indicator
    points = {lv.level: lv.points for lv in first.levels}
    headers = [first_column] + [f"ระดับ {n}\n({number(points.get(n))} คะแนน)" for n in range(1, 6)]
    rows: list[list[Cell]] = []
    for entry in entries:
        levels = {lv.level: lv.criterion_th for lv in entry.indicator.levels}
        label = entry.indicator.name_th
        if len(entries) > 1:
            label = f"{entry.indicator.number_label}. {label}"
        elif entry.indicator.note and "กลุ่มหน่วยงาน A" in entry.indicator.note:
            label = "กลุ่มหน่วยงาน A"
        row: list[Cell] = [label, *(levels.get(n, "–") for n in range(1, 6))]
        rows.append(row)
    return Table(headers, rows, widths=[3.2, 1, 1, 1, 1, 1])


def _layout_a(component: Component, entries: list[IndicatorScore], be_year: int) -> list[Section]:
    """One component's form of several indicators (001 L7–L49, L202–L244)."""
    first = entries[0].indicator
    head: list[Block] = [
        Paragraph(f"หน่วยงาน : {first.unit_th or UNIT_TH}"),
        Paragraph(f"องค์ประกอบที่ {component.code} : {component.name_th}", bold=True),
        Paragraph(f"ตัวชี้วัด : {component.umbrella_indicator_th or ''}"),
        Paragraph(f"ชื่อผู้รับผิดชอบการรายงาน : {first.reporter_name or ''}"),
        Paragraph(f"ตำแหน่ง : {first.reporter_position or ''} หมายเลขโทรศัพท์ : {first.reporter_phone or ''}"),
        Paragraph("เกณฑ์การให้คะแนน :", bold=True), _criteria(entries), Paragraph(FLOOR_RULE_TH)]
    weight = sum(e.indicator.weight for e in entries)
    total = round(sum(e.result.weighted_score or 0 for e in entries), 2)
    outcome = Table(["ตัวชี้วัด", "น้ำหนัก (ร้อยละ)", "ผลการดำเนินการ", "ค่าคะแนนที่ได้", "ค่าคะแนนถ่วงน้ำหนัก"],
                    [[f"{e.indicator.number_label}.", e.indicator.weight, _level_cell(e), _score_cell(e),
                      e.result.weighted_score] for e in entries] + [["", weight, "", "คะแนนที่ได้", total]],
                    total_row=True, widths=[1, 1.2, 1.6, 1.4, 1.6])
    summary = Table(["ลำดับที่", "ตัวชี้วัด", "เป้าหมาย", "น้ำหนัก คะแนน", "ระดับความสำเร็จ ที่ดำเนินงานได้",
                     "คะแนนที่ได้"],
                    [[e.indicator.number_label, e.indicator.name_th, f"ระดับ {e.indicator.target_level}",
                      e.indicator.weight, _level_cell(e), e.result.weighted_score] for e in entries]
                    + [["", "รวมคะแนน", "", weight, "", total]], total_row=True, widths=[0.8, 6, 1.1, 1.1, 1.6, 1.1])
    sections = [
        Section(_form_title(be_year), head, new_page=True, centered=True),
        Section("ผลการดำเนินงาน :", [outcome, *_override_notes(entries)]),
        Section(f"การประเมินผลการปฏิบัติราชการองค์ประกอบที่ {component.code} (ร้อยละ {number(component.weight)})", [
            Paragraph(f"สรุปผลการดำเนินงานตัวชี้วัดในองค์ประกอบที่ {component.code} {component.name_th}"), summary]),
    ]
    for entry in entries:
        sections.append(Section(f"กิจกรรมที่บันทึก ตัวชี้วัดที่ {entry.indicator.number_label}",
                                [activities_table(entry.activities, entry)]))
    return sections


def _layout_b(component: Component, entry: IndicatorScore, be_year: int) -> list[Section]:
    """One sub-indicator's form (001 L359–L435): criteria, result, the recorded activities."""
    indicator = entry.indicator
    head: list[Block] = [
        Paragraph(f"หน่วยงาน : {indicator.unit_th or UNIT_TH}")]
    if indicator.note and "กลุ่มหน่วยงาน A" in indicator.note:
        # 001 L364 ticks A; the form's fonts have no ballot-box glyphs, so the tick is written [X]
        head.append(Paragraph("กลุ่มหน่วยงาน : [X] กลุ่มหน่วยงาน A [ ] กลุ่มหน่วยงาน B [ ] กลุ่มหน่วยงาน C "
                              "[ ] กลุ่มหน่วยงาน D"))
    head += [
        Paragraph(f"องค์ประกอบที่ {component.code} : {component.name_th}", bold=True),
        Paragraph(f"ตัวชี้วัด : {component.umbrella_indicator_th or ''}"),
        Paragraph(f"{indicator.number_label} {indicator.name_th}", bold=True),
        Paragraph(f"ชื่อผู้รับผิดชอบการรายงาน : {indicator.reporter_name or ''}"),
        Paragraph(f"ตำแหน่ง : {indicator.reporter_position or ''} หมายเลขโทรศัพท์ : {indicator.reporter_phone or ''}"),
        Paragraph("เกณฑ์การให้คะแนน :", bold=True), Paragraph(indicator.adjustment_note or ""),
        _criteria([entry], "กลุ่มหน่วยงาน" if "กลุ่มหน่วยงาน A" in (indicator.note or "") else "ตัวชี้วัด"),
        Paragraph(FLOOR_RULE_TH)]
    value = entry.result.result_value
    result = _level_cell(entry) if value is None else f"ร้อยละ {number(value)} ({_level_cell(entry)})"
    outcome = Table(["น้ำหนัก (ร้อยละ)", "ผลการดำเนินงาน", "คะแนนที่ได้", "ค่าคะแนนถ่วงน้ำหนัก"],
                    [[indicator.weight, result, _score_cell(entry), entry.result.weighted_score]])
    notes = _override_notes([entry])
    if entry.computed is not None and entry.computed.floored:
        notes.append(Paragraph("ผลการดำเนินงานต่ำกว่าค่าเป้าหมายระดับ 1 จึงได้คะแนนเท่ากับค่าเป้าหมายระดับ 1"))
    return [
        Section(_form_title(be_year), head, new_page=True, centered=True),
        Section("ผลการดำเนินงาน :", [outcome, *notes]),
        Section("กิจกรรมที่บันทึก", [activities_table(entry.activities, entry)]),
    ]


def _summary(report: AgreementReport) -> Section:
    """Every indicator of the year: weight, level, score, weighted score, and the total of 100."""
    rows: list[list[Cell]] = []
    bold: list[int] = []
    for component in report.components:
        entries = [e for e in report.entries if e.indicator.component_id == component.id]
        if not entries:
            continue
        bold.append(len(rows))
        rows.append([f"องค์ประกอบที่ {component.code} {component.name_th} (ร้อยละ {number(component.weight)})"])
        rows += [["" if e.indicator.key == INTERCLINIC else e.indicator.number_label, e.indicator.name_th,
                  f"ระดับ {e.indicator.target_level}",
                  e.indicator.weight, _level_cell(e), _score_cell(e), e.result.weighted_score] for e in entries]
    rows.append(["", "รวม", "", report.total_weight, "", "", report.total_points])
    notes: list[Block] = [Paragraph(
        "ค่าคะแนนถ่วงน้ำหนัก = น้ำหนัก × ค่าคะแนนที่ได้ ÷ 100 องค์ประกอบที่ 1–2 ใช้ร้อยละของระดับ (ระดับ 1–5 = "
        "ร้อยละ 20–100) ตามที่แบบฟอร์มต้นฉบับคำนวณ องค์ประกอบที่ 4–5 ใช้ 60–100 คะแนนต่อระดับ "
        "และผลต่ำกว่าระดับ 1 ได้คะแนนเท่ากับระดับ 1")]
    if any(e.overridden for e in report.entries):
        notes.append(Paragraph(f"{OVERRIDE_MARK} ระดับที่เจ้าหน้าที่กำหนด ผู้กำหนดและเหตุผลอยู่ในแบบฟอร์มของแต่ละองค์ประกอบ"))
    return Section("สรุปผลการปฏิบัติราชการตามคำรับรอง (ทุกตัวชี้วัด)", [Table(
        ["ที่", "ตัวชี้วัด", "เป้าหมาย", "น้ำหนัก (ร้อยละ)", "ผลการดำเนินการ", "ค่าคะแนนที่ได้", "ค่าคะแนนถ่วงน้ำหนัก"],
        rows, total_row=True, widths=[0.7, 6, 1.3, 1.3, 1.6, 1.4, 1.5], bold_rows=tuple(bold)), *notes])


def performance_document(report: AgreementReport, interclinic: Document | None) -> Document:
    """The year's seed-001 forms in order of components; InterClinic's own form (if given) in its place."""
    as_of = report.generated_at.astimezone(BANGKOK)
    sections = [_summary(report)]
    for component in report.components:
        entries = [e for e in report.entries if e.indicator.component_id == component.id]
        if not entries:
            continue
        if any(e.indicator.key == INTERCLINIC for e in entries) and interclinic is not None:
            head = [Paragraph(f"{label} : {value}") for label, value in interclinic.header]
            sections.append(Section(_form_title(report.be_year), head, new_page=True, centered=True))
            sections += interclinic.sections
        elif len(entries) > 1 and not any(e.indicator.adjustment_note for e in entries):
            sections += _layout_a(component, entries, report.be_year)  # components 1–2: one form, several rows
        else:  # layout B forms carry «ช่วงการปรับเกณฑ์…» (001 L371, L401): one form per sub-indicator
            for entry in entries:
                sections += _layout_b(component, entry, report.be_year)
    return Document(
        title="แบบฟอร์มการรายงาน",
        subtitle=[f"ผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. {report.be_year}"],
        header=[("หน่วยงาน", UNIT_TH), ("ข้อมูล ณ วันที่", f"{date_th(as_of.date())} เวลา {as_of:%H:%M} น.")],
        sections=sections, thai_digits=interclinic.thai_digits if interclinic else False,
        landscape=True)  # the forms' tables of six or seven columns, as FY2567's summary


def with_year_forms(report: AgreementReport, interclinic: Document) -> Document:
    """InterClinic's form alone for a year of that one indicator, else every indicator's form (FY2564)."""
    if all(e.indicator.key == INTERCLINIC for e in report.entries):
        return interclinic
    return performance_document(report, interclinic)

