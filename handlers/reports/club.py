"""English Club Friday in the reports: the monthly section and the yearly form's paragraph, table and findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from handlers.reports.document import Block, Cell, Paragraph, Table
from handlers.reports.thai import date_th, number

DISTRICT_COUNT = 50
STATE_TH = {"held": "จัดแล้ว", "planned": "กำหนดการ", "cancelled": "ยกเลิก"}
HEADING_TH = "กิจกรรม English Club Friday (วันศุกร์ที่ 3 ของเดือน ผ่านแพลตฟอร์มการประชุมออนไลน์)"
NOT_COUNTED_TH = "ยอดที่ปิดไว้ไม่มีข้อมูลกิจกรรม English Club Friday กรุณาปิดยอดเดือนนี้ใหม่"


def _sessions_table(sessions: list[Mapping[str, Any]]) -> Table:
    """One row per session: date, topic, state, registered, attended, districts attending."""
    rows: list[list[Cell]] = []
    for i, s in enumerate(sessions, 1):
        attended: Cell = s["attendance"] if s["attendance_recorded"] else "ยังไม่บันทึก"
        if s["status"] != "held":
            attended = "–"
        rows.append([i, date_th(dt.date.fromisoformat(s["date"])), s["topic"], STATE_TH.get(s["status"], s["status"]),
                     s["registrations"], attended, s["districts_attended"] if s["status"] == "held" else "–"])
    live = [s for s in sessions if s["status"] != "cancelled"]
    rows.append(["", "รวม", "", "", sum(s["registrations"] for s in live), sum(s["attendance"] for s in live), ""])
    return Table(["ครั้งที่", "วันที่", "หัวข้อ", "สถานะ", "ลงทะเบียน (คน)", "เข้าร่วม (คน)", "เขตที่ร่วม"],
                 rows, total_row=True, widths=[0.9, 1.7, 2.2, 1.0, 1.5, 1.3, 1.3])


def _districts_table(club: Mapping[str, Any]) -> Table:
    """Districts that registered or attended, with their counts (districts with neither are left out)."""
    names = club.get("district_names", {})
    regs, atts = club.get("registrations_by_district", {}), club.get("attendance_by_district", {})
    codes = sorted(set(regs) | set(atts), key=lambda c: (c == "-", names.get(c, c)))
    rows: list[list[Cell]] = [[names.get(c, "ไม่ระบุเขต") if c != "-" else "ไม่ระบุเขต", regs.get(c, 0),
                               atts.get(c, 0)] for c in codes]
    rows.append(["รวม", sum(regs.values()), sum(atts.values())])
    return Table(["เขตที่ลงทะเบียนหรือเข้าร่วม", "ลงทะเบียน (คน)", "เข้าร่วม (คน)"], rows, total_row=True,
                 widths=[3, 1.2, 1.2])


def _findings(sessions: list[Mapping[str, Any]]) -> list[Paragraph]:
    """Each session's recorded obstacles and findings, dated."""
    return [Paragraph(f"ครั้งวันที่ {date_th(dt.date.fromisoformat(s['date']))}: {s['note']}")
            for s in sessions if s.get("note")]


def monthly_blocks(club: Mapping[str, Any]) -> list[Block]:
    """The monthly summary's English Club section: totals, the sessions, the districts, the findings."""
    if not club:
        return [Paragraph(NOT_COUNTED_TH)]
    sessions = club.get("sessions", [])
    if not sessions:
        return [Paragraph("ไม่มีกิจกรรมในเดือนนี้")]
    blocks: list[Block] = [Table(["รายการ", "จำนวน"], [
        ["จัดกิจกรรม (ครั้ง)", club["sessions_held"]],
        ["กำหนดการที่ยังไม่ถึงวัน (ครั้ง)", club["sessions_planned"]],
        ["ยกเลิก (ครั้ง)", club["sessions_cancelled"]],
        ["ผู้ลงทะเบียนผ่าน @IAO (คน)", club["registrations"]],
        ["ผู้เข้าร่วม (คน)", club["attendance"]],
        [f"สำนักงานเขตที่เข้าร่วม (จาก {DISTRICT_COUNT} เขต)", club["districts_reached"]],
        ["ส่งข้อความแจ้งเตือนทาง LINE (ครั้ง / ข้อความที่ใช้โควตา)",
         f"{number(club['reminders_sent'])} / {number(club['reminder_messages'])}"],
    ], widths=[3, 1]), _sessions_table(sessions)]
    if club.get("registrations_by_district") or club.get("attendance_by_district"):
        blocks.append(_districts_table(club))
    findings = _findings(sessions)
    if findings:
        blocks.append(Paragraph("อุปสรรคและข้อค้นพบจากการจัดกิจกรรม", bold=True))
        blocks.extend(findings)
    return blocks


def yearly_sentence(club: Mapping[str, Any]) -> str:
    """The yearly explanation's sentence on the club, in the seed's words («จัดกิจกรรม … รวมทั้งสิ้น N ครั้ง»)."""
    held = [s for s in club.get("sessions", []) if s["status"] == "held"]
    if not held:
        return "กิจกรรม “English Club Friday”: ยังไม่มีการจัดกิจกรรมในปีงบประมาณนี้"
    dates = ", ".join(date_th(dt.date.fromisoformat(s["date"])) for s in held)
    return (f"กิจกรรม “English Club Friday” เพื่อให้ข้อมูลและตอบคำถามเกี่ยวกับภาษาอังกฤษแก่บุคลากรของสำนักงานเขต "
            f"ผ่านแพลตฟอร์มการประชุมออนไลน์ รวมทั้งสิ้น {number(len(held))} ครั้ง ({dates}) "
            f"มีผู้ลงทะเบียนผ่าน @IAO {number(club['registrations'])} คน ผู้เข้าร่วม {number(club['attendance'])} คน "
            f"จากสำนักงานเขต {number(club['districts_reached'])} เขต (จาก {DISTRICT_COUNT} เขต)")


def yearly_blocks(club: Mapping[str, Any]) -> list[Block]:
    """The yearly form's club paragraph and session table."""
    blocks: list[Block] = [Paragraph(yearly_sentence(club))]
    if club.get("sessions"):
        blocks.append(_sessions_table(club["sessions"]))
    return blocks


def yearly_findings(club: Mapping[str, Any]) -> list[Block]:
    """The sessions' findings under the form's อุปสรรค, as officers recorded them."""
    findings = _findings(club.get("sessions", []))
    if not findings:
        return []
    return [Paragraph("อุปสรรคและข้อค้นพบจากกิจกรรม English Club Friday", bold=True), *findings]
