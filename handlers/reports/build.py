"""Data assembly: the monthly activity summary and the yearly InterClinic result form, as Documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from handlers.clock import BANGKOK
from handlers.kpi.counts import OUTCOMES, OUTCOMES_TH, MonthlyCounts, compute_month, current_record
from handlers.kpi.models import IndicatorResult, MonthlyRecord
from handlers.kpi.periods import month_key, month_utc_bounds
from handlers.kpi.yearly import DISTRICT_COUNT, YearFigures, interclinic_value
from handlers.reports import charts
from handlers.reports import club as club_report
from handlers.reports.document import Block, Cell, Document, Field, Image, Paragraph, Section, Table
from handlers.reports.thai import MONTHS_TH_SHORT, date_th, month_year_th, number

UNIT_TH = "สำนักงานการต่างประเทศ สำนักปลัดกรุงเทพมหานคร"
PROJECT_TH = "โครงการ BMA Online InterClinic กิจกรรม IAO Line Official (บัญชีไลน์ @IAO)"
PROVISIONAL_TH = "ฉบับชั่วคราว"
OTHER_TH = {"greeting": "คำทักทาย", "thanks": "คำขอบคุณ", "empty": "ข้อความที่ไม่มีคำถาม", "(none)": "ไม่ระบุ"}
FLOOR_RULE_TH = "* กรณีผลการดำเนินงานต่ำกว่าค่าเป้าหมายระดับ 1 จะได้คะแนนเท่ากับค่าเป้าหมายระดับ 1"


@dataclass
class MonthlyReport:
    """What the monthly summary needs: the closed figures, which version, and titles for entry ids."""

    counts: MonthlyCounts
    record: MonthlyRecord | None
    titles: Mapping[str, str]
    category_titles: Mapping[str, str]
    generated_at: dt.datetime

    @property
    def provisional(self) -> bool:
        """True unless the month was closed after its last Bangkok day (its figures can still change)."""
        year, month = (int(x) for x in self.counts.month.split("-"))
        return self.record is None or self.record.closed_at < month_utc_bounds(year, month)[1]


def monthly_report(session: Session, year: int, month: int, now: dt.datetime, *,
                   titles: Mapping[str, str] | None = None, category_titles: Mapping[str, str] | None = None,
                   quota_limit: int | None = None) -> MonthlyReport:
    """The month's current closed record, else figures computed now: reading a report never closes a month."""
    record = current_record(session, month_key(year, month))
    counts = (MonthlyCounts.from_dict(record.figures) if record is not None
              else compute_month(session, year, month, quota_limit=quota_limit))
    return MonthlyReport(counts, record, titles or {}, category_titles or {}, now)


def _quota_boundary(c: MonthlyCounts) -> str:
    """Which month the quota figures count: LINE's, from midnight Japan time, with its Bangkok times."""
    if not c.quota_month_start:  # closed by a version that counted the Bangkok month
        return "ยอดการใช้โควตานับตามเดือนปฏิทินเวลากรุงเทพฯ (ปิดยอดก่อนปรับตามเดือนโควตาของ LINE)"
    start = dt.datetime.fromisoformat(c.quota_month_start)
    end = dt.datetime.fromisoformat(c.quota_month_end)
    return (f"ยอดการใช้โควตานับตามเดือนของ LINE: {c.quota_boundary_th} คือช่วง {date_th(start.date())} "
            f"เวลา {start:%H:%M} น. ถึงก่อน {date_th(end.date())} เวลา {end:%H:%M} น. (เวลากรุงเทพฯ) "
            "ส่วนจำนวนการเผยแพร่และคำถามนับตามเดือนปฏิทินเวลากรุงเทพฯ")


def _outcomes_table(c: MonthlyCounts) -> list[Table | Paragraph]:
    """Every question of the month in exactly one outcome, with the sum that must equal the questions."""
    if not c.outcomes:  # a month closed by a version that did not keep outcomes
        return [Paragraph("ยอดที่ปิดไว้ไม่มีการแยกผลของคำถาม กรุณาปิดยอดเดือนนี้ใหม่")]
    total = sum(c.outcomes.values())
    rows: list[list[Cell]] = [
        [OUTCOMES_TH[k], c.outcomes.get(k, 0), round(100 * c.outcomes.get(k, 0) / total, 1) if total else 0]
        for k in OUTCOMES]
    rows.append(["รวม", total, 100 if total else 0])
    blocks: list[Table | Paragraph] = [Table(["ผลของคำถาม", "จำนวน (ข้อ)", "ร้อยละ"], rows, total_row=True,
                                             widths=[4, 1.2, 1])]
    if c.other_detail:
        blocks.append(Paragraph("อื่น ๆ ได้แก่ " + ", ".join(
            f"{OTHER_TH.get(k, k)} {number(n)} ข้อ" for k, n in c.other_detail.items())))
    return blocks


def topic_title(report: MonthlyReport, topic: Mapping[str, object]) -> str:
    """A topic as curators read it: the entry's title, a mission's key, or "matches nothing"."""
    entry_id = topic.get("entry_id")
    if not entry_id:
        return "ไม่ใกล้เคียงหัวข้อใดในฐานความรู้"
    entry_id = str(entry_id)
    title = (f"สมุดรายชื่อสถานทูต: {entry_id[8:]}" if entry_id.startswith("mission:")
             else report.titles.get(entry_id, entry_id))
    return f"{title} (หัวข้อที่ใกล้เคียงที่สุด)" if topic.get("nearest") else title


def _topics_table(report: MonthlyReport) -> list[Table | Paragraph]:
    """What to write next: each topic with how often it was handed over, declined or marked 👎."""
    topics = report.counts.topics_to_write
    note = Paragraph("นับจากคำถามของเดือนที่ส่งต่อเจ้าหน้าที่ ที่ระบบแจ้งว่าอยู่นอกขอบเขต และคำตอบที่ผู้ใช้กด "
                     "\"ไม่ตรง\" จัดตามหัวข้อในฐานความรู้ที่ระบบจับคู่ได้ (ไม่แสดงข้อความของผู้ใช้)")
    if not topics:
        return [note, Paragraph("ไม่มีในเดือนนี้")]
    return [note, Table(["ลำดับ", "เรื่อง", "ส่งต่อเจ้าหน้าที่", "นอกขอบเขต", "กด \"ไม่ตรง\"", "รวม"], [
        [i, topic_title(report, t), t["handed_over"], t["off_topic"], t["thumbs_down"], t["total"]]
        for i, t in enumerate(topics, 1)], widths=[0.6, 4, 1.2, 1.1, 1.1, 0.8])]


def _suggested_obstacles(c: MonthlyCounts) -> list[str]:
    """Obstacles the figures themselves show (the officer edits or adds)."""
    notes = []
    if c.broadcasts_sent < c.broadcast_target:
        notes.append(f"เผยแพร่ข้อมูลได้ {c.broadcasts_sent} ครั้ง ต่ำกว่าเป้าหมายเดือนละไม่น้อยกว่า "
                     f"{c.broadcast_target} ครั้ง")
    if c.quota_used_pct >= 80:
        notes.append(f"ใช้โควตาข้อความ LINE ไปแล้วร้อยละ {number(c.quota_used_pct)} ของ {number(c.quota_limit)} "
                     "ข้อความต่อเดือน (บัญชีแบบไม่เสียค่าใช้จ่าย)")
    silent = DISTRICT_COUNT - c.districts_registered
    if silent > 0:
        notes.append(f"ยังมีสำนักงานเขต {silent} แห่งที่ยังไม่ได้ลงทะเบียนใช้งาน @IAO")
    return notes


def monthly_document(report: MonthlyReport, *, thai_digits: bool = False, supporting_factors: str | None = None,
                     obstacles: str | None = None) -> Document:
    """รายงานสรุปกิจกรรมตามโครงการฯ ประจำเดือน: counts, tips vs target, quota, satisfaction, 50 districts."""
    c = report.counts
    year, month = (int(x) for x in c.month.split("-"))
    month_th = month_year_th(year, month)
    record = report.record
    as_of = (record.closed_at if record else report.generated_at).astimezone(BANGKOK)
    sat = c.satisfaction
    answered_pct = (100 * c.answered_by_bot / c.questions) if c.questions else None

    summary = Table(["รายการ", "จำนวน"], [
        ["ผู้ติดตามบัญชี @IAO ใหม่ในเดือน (คน)", c.followers_new],
        ["ผู้ติดตามทั้งหมด ณ สิ้นเดือน (คน)", c.followers_total],
        ["สำนักงานเขตที่ลงทะเบียนแล้ว (จาก 50 เขต)", c.districts_registered],
        ["สำนักงานเขตที่ส่งคำถามในเดือน (จาก 50 เขต)", c.districts_active],
        ["คำถามทั้งหมด (ข้อ)", c.questions],
        ["ร้อยละที่ระบบตอบได้เอง", answered_pct],
        ["คำถามเดือนก่อน ๆ ที่เจ้าหน้าที่ตอบในเดือนนี้รวมด้วย (ข้อ)", c.officer_answers_in_month],
        ["ระยะเวลาตอบของเจ้าหน้าที่ (มัธยฐาน, นาที)", c.officer_response_median_minutes],
    ], widths=[3, 1])
    outcomes = _outcomes_table(c)
    tips = [
        Table(["รายการ", "จำนวน"], [
            ["เผยแพร่เกร็ดความรู้ (ครั้ง)", c.broadcasts_sent],
            ["เป้าหมาย (ครั้งต่อเดือน ไม่น้อยกว่า)", c.broadcast_target],
            ["ผลเทียบเป้าหมาย", "บรรลุเป้าหมาย" if c.broadcast_target_met else "ต่ำกว่าเป้าหมาย"],
        ], widths=[3, 1]),
    ]
    if c.broadcasts:
        tips.append(Table(["ลำดับ", "วันที่ส่ง", "เรื่อง", "ผู้รับ (คน)"], [
            [i, date_th(dt.date.fromisoformat(b["bkk_day"])), b.get("title") or "–", b.get("recipients")]
            for i, b in enumerate(c.broadcasts, 1)], widths=[0.6, 1.6, 4, 1]))
    quota = Table(["รายการ", "จำนวน"], [
        ["โควตาข้อความต่อเดือน", c.quota_limit],
        ["ใช้ไปกับการเผยแพร่ (broadcast)", c.messages_consumed_broadcast],
        ["ใช้ไปกับข้อความส่งตรง (push)", c.messages_consumed_push],
        ["รวมใช้ไป", c.messages_consumed],
        ["ร้อยละของโควตา", c.quota_used_pct],
    ], widths=[3, 1])
    dist = sat.get("survey_distribution", {})
    satisfaction: list[Block] = [Table(["รายการ", "จำนวน"], [
        ["คำตอบที่ผู้ใช้กด \"ตรงคำถาม\"", sat.get("feedback_up", 0)],
        ["คำตอบที่ผู้ใช้กด \"ไม่ตรง\"", sat.get("feedback_down", 0)],
        ["แบบสอบถามที่ส่งให้ผู้ใช้ (ครั้ง)", sat.get("survey_offered", 0)],
        ["ผู้ตอบแบบสอบถาม (คน)", sat.get("survey_responses", 0)],
        ["คะแนนความพึงพอใจเฉลี่ย (เต็ม 5)", sat.get("survey_mean")],
        *[[f"ระดับ {s} คะแนน (คน)", dist.get(str(s), 0)] for s in (5, 4, 3, 2, 1)],
    ], widths=[3, 1])]
    comments = sat.get("survey_comments") or []
    if comments:
        satisfaction.append(Paragraph("ข้อเสนอแนะจากผู้ใช้: " + " / ".join(comments[:20])))
    categories = Table(["หมวด", "จำนวนคำถาม", "ร้อยละ"], [
        [report.category_titles.get(k, k), n, round(100 * n / c.questions, 1) if c.questions else 0]
        for k, n in c.by_category.items()] + [["รวม", c.questions, 100 if c.questions else 0]],
        total_row=True, widths=[4, 1.2, 1])
    top = Table(["ลำดับ", "เรื่อง", "หมวด", "จำนวน"], [
        [i, report.titles.get(t["entry_id"], t["entry_id"]), report.category_titles.get(t["category"] or "",
                                                                                       t["category"] or "–"),
         t["count"]] for i, t in enumerate(c.top_entries, 1)] or [["–", "ยังไม่มีคำถามในเดือนนี้", "", 0]],
        widths=[0.6, 4, 1.6, 1])
    to_write = _topics_table(report)
    districts = Table(["ลำดับ", "สำนักงานเขต", "กลุ่มเขต", "ผู้ใช้ที่ลงทะเบียน", "คำถาม"], [
        [i, d["name_th"], d["group_th"], d["registered_users"], d["questions"]]
        for i, d in enumerate(c.by_district, 1)] + [
        ["", "ไม่ระบุเขต", "", "", c.questions_without_district],
        ["", "รวม", "", sum(d["registered_users"] for d in c.by_district), c.questions]],
        total_row=True, widths=[0.6, 2.4, 1.8, 1.4, 1])
    days = list(c.by_day)
    chart_day = charts.questions_per_day(days, [c.by_day[d] for d in days], f"จำนวนคำถามรายวัน เดือน{month_th}",
                                         thai_digits)
    chart_district = charts.questions_per_district([d["name_th"] for d in c.by_district],
                                                   [d["questions"] for d in c.by_district],
                                                   f"จำนวนคำถามแยกตามสำนักงานเขต เดือน{month_th}", thai_digits)
    factors = supporting_factors if supporting_factors is not None else (record.supporting_factors_th
                                                                        if record else None)
    problems = obstacles if obstacles is not None else (record.obstacles_th if record else None)
    if problems is None:
        suggested = _suggested_obstacles(c)
        problems = "\n".join(f"{i}. {s}" for i, s in enumerate(suggested, 1)) if suggested else None
    version = f" (ปิดยอดครั้งที่ {record.version})" if record else ""
    header = [("ประจำเดือน", month_th), ("ปีงบประมาณ พ.ศ.", str(c.fiscal_year)),
              ("ข้อมูล ณ วันที่", date_th(as_of.date()) + f" เวลา {as_of:%H:%M} น." + version)]
    if report.provisional:
        header.append(("สถานะ", PROVISIONAL_TH + (": ยังไม่ได้ปิดยอดเดือนนี้" if record is None
                                                 else ": ปิดยอดก่อนสิ้นเดือน") + " ตัวเลขอาจเปลี่ยนแปลง"))
    return Document(
        title=f"รายงานสรุปกิจกรรมตามโครงการฯ ประจำเดือน{month_th}" + (f" ({PROVISIONAL_TH})"
                                                                       if report.provisional else ""),
        subtitle=[PROJECT_TH, UNIT_TH],
        header=header,
        sections=[
            Section("1. สรุปผลการดำเนินงาน", [summary, Paragraph(
                "ผลของคำถามแต่ละข้อ (แต่ละข้อนับในผลเดียว ผลรวมเท่ากับคำถามทั้งหมด)", bold=True), *outcomes]),
            Section("2. การเผยแพร่ข้อมูลด้านการต่างประเทศผ่านบัญชี @IAO (เป้าหมายเดือนละไม่น้อยกว่า 6 ครั้ง)", tips),
            Section("3. การใช้โควตาข้อความ LINE Official Account", [quota, Paragraph(_quota_boundary(c))]),
            Section("4. ความพึงพอใจของผู้ใช้บริการ (แบบสอบถามความคิดเห็นออนไลน์)", satisfaction),
            Section("5. คำถามแยกตามหมวด", [categories]),
            Section("6. เรื่องที่ถามบ่อย", [top]),
            Section("7. เรื่องที่ควรเขียนเพิ่มในฐานความรู้ (ส่งต่อเจ้าหน้าที่ นอกขอบเขต หรือผู้ใช้กด \"ไม่ตรง\")",
                    to_write),
            Section("8. คำถามแยกตามสำนักงานเขต (50 เขต)", [districts]),
            Section("9. แผนภูมิ", [Image(chart_day, f"แผนภูมิที่ 1 จำนวนคำถามรายวัน เดือน{month_th}"),
                                   Image(chart_district, "แผนภูมิที่ 2 จำนวนคำถามแยกตามสำนักงานเขต", 150)]),
            Section(f"10. {club_report.HEADING_TH}", club_report.monthly_blocks(c.english_club)),
            Section("11. ปัจจัยสนับสนุนการดำเนินงาน", [Field("ปัจจัยสนับสนุน", factors)]),
            Section("12. อุปสรรคต่อการดำเนินงาน", [Field("อุปสรรค", problems)]),
        ],
        thai_digits=thai_digits,
    )


# ----------------------------------------------------------------------------- yearly
def _explanation(figures: YearFigures, value: float) -> str:
    """คำชี้แจงรายละเอียดการดำเนินงาน: the project paragraph with the year's totals."""
    months = len(figures.months)
    questions = figures.total("questions")
    tips = figures.total("broadcasts_sent")
    first = figures.months[0].month if figures.months else ""
    last = figures.months[-1].month if figures.months else ""
    span = ""
    if first:
        y1, m1 = (int(x) for x in first.split("-"))
        y2, m2 = (int(x) for x in last.split("-"))
        span = f"ตั้งแต่เดือน{month_year_th(y1, m1)} ถึงเดือน{month_year_th(y2, m2)} ({months} เดือน) "
    answered = figures.answered
    return (
        f"{UNIT_TH} ดำเนินโครงการ “BMA Online InterClinic” (คลินิกออนไลน์ให้คำปรึกษาด้านการต่างประเทศของ"
        "กรุงเทพมหานคร) เพื่อสนับสนุนการปฏิบัติงานด้านการต่างประเทศให้กับสำนักงานเขตทั้ง 50 เขต ผ่านกิจกรรม "
        "“IAO Line Official” (บัญชีไลน์ @IAO) ซึ่งตอบคำถามด้านการต่างประเทศอัตโนมัติตลอด 24 ชั่วโมง "
        "ส่งต่อคำถามที่ระบบตอบไม่ได้ให้เจ้าหน้าที่ และเผยแพร่ข้อมูลที่เป็นประโยชน์เดือนละไม่น้อยกว่า 6 ครั้ง\n"
        f"ผลการดำเนินงาน{span}: มีผู้ติดตามบัญชี {number(figures.months[-1].followers_total if months else 0)} คน "
        f"จากสำนักงานเขตที่ลงทะเบียน {figures.districts_registered} เขต (จาก 50 เขต) "
        f"สำนักงานเขตที่ส่งคำถาม {figures.districts_active_any} เขต ได้รับคำถาม {number(questions)} ข้อ "
        f"ระบบตอบอัตโนมัติ {number(figures.total('answered_by_bot'))} ข้อ ผู้ใช้เลือกจากหัวข้อที่ระบบเสนอ "
        f"{number(figures.total('did_you_mean_chosen'))} ข้อ เจ้าหน้าที่ตอบ "
        f"{number(figures.total('answered_by_officer'))} ข้อ รอเจ้าหน้าที่ตอบ {number(figures.total('handed_over'))} ข้อ "
        f"(ตอบแล้วรวม {number(answered)} ข้อ) เผยแพร่ข้อมูล {number(tips)} ครั้ง "
        f"(เฉลี่ย {number(tips / months if months else 0)} ครั้งต่อเดือน; "
        f"บรรลุเป้าหมาย 6 ครั้ง {figures.months_meeting_target} จาก {months} เดือน) "
        f"ผู้ตอบแบบสอบถามความพึงพอใจ {number(sum(m.satisfaction.get('survey_responses', 0) for m in figures.months))} "
        f"คน\nค่าผลสำเร็จที่ระบบเสนอ (ร้อยละ) = ค่าเฉลี่ยของ (1) การเผยแพร่เทียบเป้าหมาย 6 ครั้งต่อเดือน "
        f"(2) สำนักงานเขตที่ลงทะเบียนจาก 50 เขต (3) สัดส่วนคำถามที่ได้รับคำตอบ = {number(value, 2)}"
    )


def yearly_document(result: IndicatorResult, figures: YearFigures, *, thai_digits: bool = False,
                    evidence_files: Mapping[str, list[str]] | None = None) -> Document:
    """The single-indicator result form of seed 001 (layout B), filled for the InterClinic indicator."""
    indicator = result.indicator
    component = indicator.component
    scheme = indicator.scheme
    levels = {lv.level: lv for lv in indicator.levels}
    headers = ["ตัวชี้วัด"] + [
        f"ระดับ {n} ({number(scheme.level_scores[n - 1])} คะแนน)" for n in range(1, 6)]
    criteria = Table(headers, [[indicator.name_th] + [levels[n].criterion_th if n in levels else "–"
                                                      for n in range(1, 6)]], widths=[3, 1, 1, 1, 1, 1])
    outcome = Table(["น้ำหนัก (ร้อยละ)", "ผลการดำเนินงาน", "คะแนนที่ได้", "ค่าคะแนนถ่วงน้ำหนัก"], [[
        indicator.weight, f"ระดับ {result.level}" if result.level else "–", result.score, result.weighted_score]])
    notes: list[Paragraph] = [Paragraph(
        f"วิธีให้คะแนน: {scheme.name_th}; ค่าคะแนนถ่วงน้ำหนัก = น้ำหนัก × คะแนนที่ได้ ÷ 100")]
    if result.override_level is not None or result.override_score is not None:
        notes.append(Paragraph(
            f"ปรับผลโดยเจ้าหน้าที่ ({result.overridden_by or 'ไม่ระบุชื่อ'}): เหตุผล {result.override_reason} "
            f"(ระบบเสนอ ระดับ {result.computed_level} คะแนน {number(result.computed_score)})", bold=True))
    monthly_rows: list[list[Cell]] = [
        [f"{MONTHS_TH_SHORT[int(m.month[5:]) - 1]} {int(m.month[:4]) + 543}", m.questions, m.answered_by_bot,
         m.handed_over, m.answered_by_officer, m.districts_active, m.broadcasts_sent, m.followers_total]
        for m in figures.months]
    monthly_rows.append(["รวม", figures.total("questions"), figures.total("answered_by_bot"),
                         figures.total("handed_over"), figures.total("answered_by_officer"),
                         figures.districts_active_any, figures.total("broadcasts_sent"),
                         figures.months[-1].followers_total if figures.months else 0])
    monthly = Table(["เดือน", "คำถาม", "ระบบตอบ", "รอตอบ", "เจ้าหน้าที่ตอบ", "เขตที่ถาม", "เผยแพร่", "ผู้ติดตาม"],
                    monthly_rows, total_row=True)
    explanation = result.explanation_th if result.be_year < 2565 and result.explanation_th else _explanation(
        figures, result.result_value if result.result_value is not None else interclinic_value(figures))
    files = evidence_files or {}
    evidence = Table(["ลำดับ", "หลักฐานอ้างอิง", "ไฟล์"], [
        [item.seq, item.title_th, "\n".join(files.get(item.kind, [])) or item.file_uri or "–"]
        for item in result.evidence], widths=[0.6, 3, 3], keep_digits=(2,))
    return Document(
        title="แบบฟอร์มการรายงาน",
        subtitle=[f"ผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. {result.be_year}"],
        header=[("หน่วยงาน", indicator.unit_th or UNIT_TH),
                (f"องค์ประกอบที่ {component.code}", component.name_th),
                ("ตัวชี้วัด", indicator.name_th),
                ("ชื่อผู้รับผิดชอบการรายงาน", indicator.reporter_name or ""),
                ("ตำแหน่ง", indicator.reporter_position or ""),
                ("หมายเลขโทรศัพท์", indicator.reporter_phone or "")],
        sections=[
            Section("เกณฑ์การให้คะแนน", [Paragraph(indicator.adjustment_note or ""), criteria,
                                        Paragraph(FLOOR_RULE_TH if scheme.floor_rule else "")]),
            Section("ผลการดำเนินงาน", [outcome, *notes]),
            Section("คำชี้แจงรายละเอียดการดำเนินงาน", [Paragraph(explanation), monthly,
                                                      *club_report.yearly_blocks(figures.english_club)]),
            Section("ปัจจัยสนับสนุนการดำเนินงาน", [Field("ปัจจัยสนับสนุน", result.supporting_factors_th)]),
            Section("อุปสรรคต่อการดำเนินงาน", [Field("อุปสรรค", result.obstacles_th),
                                               *club_report.yearly_findings(figures.english_club)]),
            Section("หลักฐานอ้างอิง", [evidence]),
        ],
        thai_digits=thai_digits,
    )
