"""`report yearly` for both fiscal years, read back: FY2567's summary and indicator forms scored from the
activities (Thai digits, as seed 002), FY2564's InterClinic form with its recorded activities."""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask

from handlers.reports import linebreak
from tests.kpi.test_reports import needs_poppler
from tests.kpi.test_thai_pdf import check_lines

NAME_131 = "ระดับความสำเร็จในการจัดกิจกรรมส่งเสริมศักยภาพ"  # 1.3-๑ as the summary form names it
NAME_113 = "ระดับความสำเร็จในการประชาสัมพันธ์/จำหน่ายผลิตภัณฑ์ชุมชน"


def run(app: Flask, *args: str) -> str:
    """A flask command that must succeed."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def fy2567(app: Flask) -> None:
    """Activities of three FY2567 indicators and an override of the Joint KPI (no scoring table in seed 002)."""
    add = ["kpi", "activity", "add", "--fiscal-year", "2567"]
    run(app, *add, "--indicator", "2567-1.3-1", "--date", "2566-11-20", "--kind", "plan",
        "--link", "https://example.org/plan-2567.pdf")
    run(app, *add, "--indicator", "2567-1.3-1", "--date", "2567-02-14", "--kind", "hosted_event", "--count", "3",
        "--title", "สัมมนา Bangkok Urban Forum")
    run(app, *add, "--indicator", "2567-1.3-1", "--date", "2567-05-10", "--kind", "hosted_event", "--count", "1")
    run(app, *add, "--indicator", "2567-1.1-3", "--date", "2567-01-10", "--kind", "product_data")
    run(app, *add, "--indicator", "2567-1.1-3", "--date", "2567-01-11", "--kind", "plan")
    run(app, *add, "--indicator", "2567-1.1-3", "--date", "2567-06-11", "--kind", "products", "--count", "31")
    run(app, "kpi", "override", "--fiscal-year", "2567", "--indicator", "2567-1.2-1", "--level", "2",
        "--reason", "สถิติจากสำนักงานการคลัง", "--by", "somchai")
    # 1.3-๑: plan + 4 events = ระดับ ๓ → ๖ of ๑๐; 1.1-๓: 31 products = ระดับ ๔ → ๘; 1.2-๑: ระดับ ๒* → ๘ of ๒๐


def summary_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    """Summary-table rows by the start of the indicator's name (the first table naming it is the summary)."""
    found: dict[str, list[str]] = {}
    for row in rows:
        if len(row) > 6 and row[1]:
            found.setdefault(row[1][:len(NAME_131)], row)
    return found


def test_fy2567_forms_in_xlsx_docx_pdf_with_thai_digits(fy2567: None, app: Flask, tmp_path: Path) -> None:
    out = {fmt: tmp_path / f"fy2567.{fmt}" for fmt in ("xlsx", "docx", "pdf")}
    for fmt, path in out.items():
        run(app, "report", "yearly", "--fiscal-year", "2567", "--format", fmt, "--output", str(path))

    sheet = openpyxl.load_workbook(out["xlsx"])["รายงาน"]
    rows = [[str(c.value) if c.value is not None else "" for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "แบบสรุปตัวชี้วัดเจรจาตกลงประเมินผลการปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. ๒๕๖๗"
    by_name = summary_rows(rows)
    assert by_name[NAME_131][3:7] == ["ระดับ ๕", "๑๐", "ระดับ ๓", "๖"]
    assert by_name[NAME_113[:len(NAME_131)]][4:7] == ["๑๐", "ระดับ ๔", "๘"]
    joint = next(r for r in rows if r[1].startswith("จำนวนชาวต่างชาติที่เข้าใช้บริการ"))
    assert joint[4:7] == ["๒๐", "ระดับ ๒*", "๘"]
    total = next(r for r in rows if r[1] == "รวม")
    assert total[4] == "๗๐" and total[6] == "๒๒"  # 6 + 8 + 8
    assert any(r[0].startswith("องค์ประกอบที่ ๑ การประเมินประสิทธิผล") for r in rows)  # heading row across

    word = docx.Document(str(out["docx"]))
    table = word.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["ที่", "ชื่อตัวชี้วัด", "ผลการดำเนินงานย้อนหลัง ๓ ปี", "เป้าหมาย", "น้ำหนักคะแนน",
                        "ผลการดำเนินงาน", "คะแนนที่ได้รับ"]
    assert summary_rows(cells)[NAME_131][5:7] == ["ระดับ ๓", "๖"]
    assert cells[-1][1] == "รวม" and cells[-1][6] == "๒๒"
    assert cells[1][0] == cells[1][6]  # the component heading spans the table (merged cells)
    body = "\n".join(p.text for p in word.paragraphs)
    assert body.count("แบบวิเคราะห์และกำหนดตัวชี้วัดเจาะจงจากผลการประเมินผลการปฏิบัติราชการ") == 6
    assert "ปรับผลโดยเจ้าหน้าที่ (somchai" in body and "สถิติจากสำนักงานการคลัง" in body
    criteria = next(t for t in word.tables if t.rows[0].cells[0].text == "ระดับความสำเร็จ"
                    and "๔๐ ผลิตภัณฑ์" in t.rows[1].cells[2].text)
    reached = [[c.text for c in row.cells] for row in criteria.rows if row.cells[4].text]
    assert reached[1:] == [["๔", "ร้อยละ ๘๐", reached[1][2], "๘ คะแนน", "ระดับที่ได้"]]
    assert "https://example.org/plan-2567.pdf" in "\n".join(c.text for t in word.tables for r in t.rows
                                                             for c in r.cells)  # links keep their digits

    if shutil.which("pdftotext"):
        text = "".join(subprocess.run(["pdftotext", "-raw", str(out["pdf"]), "-"], capture_output=True, check=True,
                                      text=True).stdout.split())  # poppler spaces out สำ and ดำ
        for needle in ("แบบสรุปตัวชี้วัดเจรจาตกลง", "พ.ศ.๒๕๖๗", "ระดับ๓", "ระดับ๒*", "รวม๗๐๒๒",
                       "ระดับ๔ยังต้องการ", "ยอดสะสมจากกิจกรรมที่บันทึก", "เครือข่ายต่างประเทศ:๓๑ผลิตภัณฑ์"):
            assert needle in text, needle


def test_arabic_digits_on_request(fy2567: None, app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "fy2567.xlsx"
    run(app, "report", "yearly", "--fiscal-year", "2567", "--format", "xlsx", "--output", str(path),
        "--arabic-digits")
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path)["รายงาน"].iter_rows()]
    total = next(r for r in rows if r[1] == "รวม")
    assert total[4] == 70 and total[6] == 22  # numbers stay numbers the spreadsheet can sum


@needs_poppler
def test_fy2567_pdf_lines_fit_their_boxes(fy2567: None, app: Flask, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = linebreak.break_lines

    def recording(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
        lines = original(text, width, measure)
        check_lines(text, lines, width, measure)
        seen.append(text)
        return lines

    monkeypatch.setattr(importlib.import_module("handlers.reports.render_pdf"), "break_lines", recording)
    run(app, "report", "yearly", "--fiscal-year", "2567", "--format", "pdf", "--output", str(tmp_path / "f.pdf"))
    assert any(s.startswith("นิยาม กิจกรรมกระชับและส่งเสริมความสัมพันธ์") for s in seen)  # the long cell text
    assert len(seen) > 300


def test_fy2564_interclinic_form_lists_its_activities(app: Flask, tmp_path: Path) -> None:
    run(app, "kpi", "activity", "add", "--fiscal-year", "2564", "--indicator", "interclinic", "--date",
        "2564-05-21", "--kind", "published", "--count", "2", "--title", "คลิปวิดีโอการจดทะเบียนสมรสกับชาวต่างชาติ")
    path = tmp_path / "fy2564.docx"
    run(app, "report", "yearly", "--fiscal-year", "2564", "--format", "docx", "--output", str(path), "--no-exports")
    word = docx.Document(str(path))
    body = "\n".join(p.text for p in word.paragraphs)
    assert "ผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. 2564" in body
    assert "กิจกรรมที่บันทึก" in body
    activity = next(t for t in word.tables
                    if t.rows[0].cells[0].text == "ลำดับ" and t.rows[0].cells[1].text == "วันที่")
    assert [c.text for c in activity.rows[1].cells][1:4] == ["21 พฤษภาคม 2564",
                                                             "คลิปวิดีโอการจดทะเบียนสมรสกับชาวต่างชาติ\n"
                                                             "(ข้อมูลและคลิปวิดีโอที่เผยแพร่)", "2 ครั้ง"]
    outcome = next(t for t in word.tables if t.rows[0].cells[0].text == "น้ำหนัก (ร้อยละ)")
    # the level is the proposal from the bot's log (handlers/kpi/yearly.py), which the activities do not change;
    # the log of FY2564 is empty, so the floor rule of seed 001 gives ระดับ 1 = 60 points
    assert [c.text for c in outcome.rows[1].cells] == ["10", "ระดับ 1", "60", "6"]
