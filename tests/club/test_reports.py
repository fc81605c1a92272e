"""English Club Friday in the reports, read back: the FY2564 sessions (4, on the 3rd Fridays of May–August 2564)
with registrations from LINE and attendance by district, in the monthly summary and the yearly InterClinic form."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask

from handlers.club import service
from handlers.reports import linebreak
from tests.club.test_service import at, join, ms
from tests.conftest import Line
from tests.fakes import postback_event
from tests.kpi.test_reports import needs_poppler, pdf_text
from tests.kpi.test_thai_pdf import check_lines

USERS = [("U" + ch * 32, district) for ch, district in zip("abcd", ("บางรัก", "บางรัก", "ปทุมวัน", "สาทร"),
                                                           strict=True)]
LINK = "https://meet.example.org/ecf"
NOTE = "ZOOM แบบไม่เสียค่าใช้จ่ายจำกัดเวลาไม่เกิน 45 นาที เจ้าหน้าที่เขตบางคนไม่คุ้นเคยกับแพลตฟอร์ม"


@pytest.fixture
def fy2564(app: Flask, line: Line, tmp_path: Path) -> None:
    """The seed's four sessions planned from the CLI, registrations by tap, attendance by list and by count."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["club", "plan", "--from", "2564-05", "--to", "2564-08", "--time", "13:30",
                                 "--topic", "ภาษาอังกฤษในชีวิตประจำวัน", "--link", LINK])
    assert result.exit_code == 0, result.output
    assert "2021-05-21, 2021-06-18, 2021-07-16, 2021-08-20" in result.output
    for user, district in USERS:
        join(line, user, district, at(dt.date(2021, 5, 3)))
    for user, _ in USERS[:3]:  # three register for May, all four for June
        assert line.post(postback_event(user, service.register_data(1), timestamp_ms=ms(at(dt.date(2021, 5, 20))))) \
            == 200
    for user, _ in USERS:
        assert line.post(postback_event(user, service.register_data(2), timestamp_ms=ms(at(dt.date(2021, 6, 17))))) \
            == 200
    listing = tmp_path / "may.csv"
    listing.write_text("district\nเขตบางรัก\nบางรัก\nปทุมวัน\nPathum Wan\n", encoding="utf-8")
    for args in (["attendance", "1", "--file", str(listing)],
                 ["attendance", "2", "--district", "1004=2", "--district", "1028=3"],
                 ["note", "1", NOTE], ["cancel", "4"]):
        result = runner.invoke(args=["club", *args])
        assert result.exit_code == 0, result.output


def bare(text: str) -> str:
    """Text without spaces and Thai marks: pdftotext moves shaped vowels and tone marks off their letters."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


def cells(path: Path) -> list[list[object]]:
    """Every non-empty row of the report sheet."""
    sheet = openpyxl.load_workbook(path)["รายงาน"]
    return [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]


def value_after(rows: list[list[object]], label: str) -> object:
    """The cell right of the first cell that reads `label`."""
    return next(r[r.index(label) + 1] for r in rows if label in r)


@needs_poppler
def test_monthly_report_counts_the_club(fy2564: None, app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = {}
    for fmt in ("xlsx", "pdf", "docx"):
        out[fmt] = tmp_path / f"may.{fmt}"
        result = runner.invoke(args=["report", "monthly", "--month", "2021-05", "--format", fmt,
                                     "--output", str(out[fmt])])
        assert result.exit_code == 0, result.output
    rows = cells(out["xlsx"])
    assert value_after(rows, "จัดกิจกรรม (ครั้ง)") == 1
    assert value_after(rows, "ผู้ลงทะเบียนผ่าน @IAO (คน)") == 3
    assert value_after(rows, "ผู้เข้าร่วม (คน)") == 4
    assert value_after(rows, "สำนักงานเขตที่เข้าร่วม (จาก 50 เขต)") == 2
    assert ["บางรัก", 2, 2] in rows and ["ปทุมวัน", 1, 2] in rows  # the club's district table
    assert any(NOTE in str(c) for r in rows for c in r)

    document = docx.Document(str(out["docx"]))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ครั้งที่")
    assert [c.text for c in table.rows[1].cells][1:] == [
        "21 พฤษภาคม 2564", "ภาษาอังกฤษในชีวิตประจำวัน", "จัดแล้ว", "3", "4", "2"]
    districts = next(t for t in document.tables if t.rows[0].cells[0].text == "เขตที่ลงทะเบียนหรือเข้าร่วม")
    assert [[c.text for c in r.cells] for r in districts.rows[1:]] == [
        ["บางรัก", "2", "2"], ["ปทุมวัน", "1", "2"], ["รวม", "3", "4"]]

    text = bare(pdf_text(out["pdf"]))
    assert bare("10. กิจกรรม English Club Friday") in text and bare(NOTE) in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out["pdf"]), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page-*.png"))


@needs_poppler
def test_yearly_form_fy2564_counts_four_sessions_by_district(fy2564: None, app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for fmt in ("pdf", "docx", "xlsx"):
        result = runner.invoke(args=["report", "yearly", "--fiscal-year", "2564", "--format", fmt, "--no-exports",
                                     "--output", str(tmp_path / f"fy2564.{fmt}")])
        assert result.exit_code == 0, result.output
    text = bare(pdf_text(tmp_path / "fy2564.pdf"))
    # held: May, June, July (August was cancelled); 3 + 4 registered, 4 + 5 attended from บางรัก, ปทุมวัน, สาทร
    for expected in ("รวมทั้งสิ้น 3 ครั้ง", "มีผู้ลงทะเบียนผ่าน @IAO 7 คน ผู้เข้าร่วม 9 คน",
                     "จากสำนักงานเขต 3 เขต (จาก 50 เขต)", "อุปสรรคและข้อค้นพบจากกิจกรรม English Club Friday", NOTE):
        assert bare(expected) in text, expected
    document = docx.Document(str(tmp_path / "fy2564.docx"))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ครั้งที่")
    body = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[1] for r in body[:4]] == ["21 พฤษภาคม 2564", "18 มิถุนายน 2564", "16 กรกฎาคม 2564", "20 สิงหาคม 2564"]
    assert [r[3] for r in body[:4]] == ["จัดแล้ว", "จัดแล้ว", "จัดแล้ว", "ยกเลิก"]
    assert body[1][4:6] == ["4", "5"] and body[2][5] == "ยังไม่บันทึก" and body[-1][4:6] == ["7", "9"]
    rows = cells(tmp_path / "fy2564.xlsx")
    assert any("รวมทั้งสิ้น 3 ครั้ง" in str(c) for r in rows for c in r)


@needs_poppler
def test_club_tables_break_thai_between_words_in_their_boxes(fy2564: None, app: Flask, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = linebreak.break_lines

    def recording(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
        lines = original(text, width, measure)
        check_lines(text, lines, width, measure)  # every line fits, starts on a cluster, breaks between words
        seen.append(text)
        return lines

    monkeypatch.setattr(importlib.import_module("handlers.reports.render_pdf"), "break_lines", recording)
    runner = app.test_cli_runner()
    for args in (["report", "monthly", "--month", "2021-06", "--thai-digits"],
                 ["report", "yearly", "--fiscal-year", "2564", "--no-exports"]):
        result = runner.invoke(args=[*args, "--format", "pdf", "--output", str(tmp_path / f"{args[1]}.pdf")])
        assert result.exit_code == 0, result.output
    assert any(t.startswith("กิจกรรม “English Club Friday” เพื่อให้ข้อมูล") for t in seen)
    assert "ลงทะเบียน (คน)" in seen and any("ภาษาอังกฤษในชีวิตประจำวัน" in t for t in seen)
