"""Every report format opens and shows the Thai month, the BE year and the figures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask

from handlers.reports.thai import month_year_th, thai_digits
from tests.conftest import Line
from tests.fakes import follow_event, text_event
from tests.kpi.test_close_month import bkk, ms

USERS = ["U" + f"{i:032x}" for i in range(3)]


@pytest.fixture
def november(line: Line) -> None:
    """Three district officers and a few questions in November 2026 (Bangkok)."""
    for i, (user, district) in enumerate(zip(USERS, ("บางรัก", "ปทุมวัน", "ป้อมปราบศัตรูพ่าย"), strict=True)):
        assert line.post(follow_event(user, timestamp_ms=ms(bkk(2 + i, 9)))) == 200
        assert line.post(text_event(user, district, timestamp_ms=ms(bkk(2 + i, 9, 1)))) == 200
        for day in range(3 + i, 20, 4):
            assert line.post(text_event(user, "ตม.30 คืออะไร", timestamp_ms=ms(bkk(day, 10 + i)))) == 200


def pdf_text(path: Path) -> str:
    """Text of a PDF via poppler's pdftotext."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@needs_poppler
def test_monthly_report_in_every_format(november: None, app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    month_th = month_year_th(2026, 11)
    assert month_th == "พฤศจิกายน 2569"
    out = {}
    for fmt in ("xlsx", "pdf", "html", "docx"):
        out[fmt] = tmp_path / f"nov.{fmt}"
        result = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--format", fmt,
                                     "--output", str(out[fmt]), "--factors", "ผู้แทนเขตเข้าร่วมต่อเนื่อง"])
        assert result.exit_code == 0, result.output
        assert out[fmt].stat().st_size > 1000

    book = openpyxl.load_workbook(out["xlsx"])
    cells = [str(c.value) for row in book["รายงาน"].iter_rows() for c in row if c.value is not None]
    assert any(month_th in c for c in cells)
    assert "บางรัก" in cells and "ป้อมปราบศัตรูพ่าย" in cells
    assert book["แผนภูมิ"]._images  # the charts are embedded

    text = pdf_text(out["pdf"])
    assert month_th in " ".join(text.split())
    assert "2570" in text  # fiscal year
    assert "ผู้แทนเขตเข้าร่วมต่อเนื่อง" in text
    pages = subprocess.run(["pdfinfo", str(out["pdf"])], capture_output=True, text=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))) >= 2

    page = out["html"].read_text(encoding="utf-8")
    assert month_th in page and "ป้อมปราบศัตรูพ่าย" in page and "data:image/png;base64," in page

    document = docx.Document(str(out["docx"]))
    body = "\n".join(p.text for p in document.paragraphs)
    assert month_th in body
    assert len(document.tables) >= 5 and len(document.inline_shapes) == 2
    district_table = next(t for t in document.tables if t.rows[0].cells[1].text == "สำนักงานเขต")
    assert len(district_table.rows) == 1 + 50 + 2  # header, 50 districts (zeros too), no district, total


def test_monthly_html_with_thai_digits(november: None, app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "nov.html"
    result = app.test_cli_runner().invoke(args=["report", "monthly", "--month", "2026-11", "--format", "html",
                                                "--output", str(path), "--thai-digits"])
    assert result.exit_code == 0, result.output
    page = path.read_text(encoding="utf-8")
    assert thai_digits("พฤศจิกายน 2569") == "พฤศจิกายน ๒๕๖๙"
    assert "พฤศจิกายน ๒๕๖๙" in page


@needs_poppler
def test_yearly_form_with_evidence_and_override(november: None, app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kpi", "close", "--month", "2026-11"]).exit_code == 0
    result = runner.invoke(args=["kpi", "override", "--fiscal-year", "2570", "--level", "5",
                                 "--reason", "คณะกรรมการประเมินให้ระดับ 5"])
    assert result.exit_code == 0, result.output
    assert "weighted 10.0" in result.output
    assert runner.invoke(args=["kpi", "override", "--fiscal-year", "2570", "--level", "4"]).exit_code != 0
    for fmt in ("pdf", "docx", "xlsx"):
        path = tmp_path / f"fy2570.{fmt}"
        result = runner.invoke(args=["report", "yearly", "--fiscal-year", "2570", "--format", fmt,
                                     "--output", str(path)])
        assert result.exit_code == 0, result.output
    # pdftotext splits a shaped SARA AM (ำ) off its syllable; compare without whitespace
    text = "".join(pdf_text(tmp_path / "fy2570.pdf").split())
    for expected in ("ผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. 2570",
                     "ความสำเร็จในการเสนอนวัตกรรม",
                     "แบบสอบถามความคิดเห็นออนไลน์", "คณะกรรมการประเมินให้ระดับ 5"):
        assert "".join(expected.split()) in text, expected
    evidence = tmp_path / "fy2570_evidence"
    assert (evidence / "monthly-2026-11.pdf").is_file() and (evidence / "chat-log-FY2570.csv").is_file()
    document = docx.Document(str(tmp_path / "fy2570.docx"))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("fy2570_evidence/monthly-2026-10.pdf" in c for c in cells)  # evidence points at the exports
    assert "10" in cells and "ระดับ 5" in cells and "ระดับ 5 (100 คะแนน)" in cells  # weight, result, criteria
    assert openpyxl.load_workbook(tmp_path / "fy2570.xlsx")["รายงาน"].max_row > 20


def test_missing_font_names_the_package(tmp_path: Path) -> None:
    from app import Settings
    from handlers.reports import fonts

    settings = Settings.from_env({"IAO_ENV": "test", "IAO_THAI_FONT_DIR": str(tmp_path)})
    assert settings.thai_font_dir == tmp_path  # read in Settings only, handed to the renderers at start-up
    fonts.configure(settings.thai_font_dir)
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-tlwg-laksaman"):
            fonts.font_path()
    finally:
        fonts.configure(None)
    assert fonts.font_path().name == "Laksaman.ttf"
