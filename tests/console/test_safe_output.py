"""#2, #3: text from users leaves as data, never as a formula, and XML-illegal characters never break a report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.chat.satisfaction import SurveyResponse
from handlers.clock import BANGKOK, utcnow
from handlers.kpi import close_month
from handlers.models import LineUser
from tests.conftest import Line
from tests.console.conftest import ASKER, add_officer, hand_off, login, token_on
from tests.fakes import text_event

HOSTILE_FORMULA = "\x01=HYPERLINK(\"http://evil.example\",\"คลิก\")"
BAD_COMMENT = "ดีมาก\uffff ขอบคุณ\x0bค่ะ\ufffe"


def _this_month() -> str:
    return dt.datetime.now(BANGKOK).strftime("%Y-%m")


def _export(client: FlaskClient, fmt: str) -> bytes:
    token = token_on(client, "/console/conversations")
    response = client.post("/console/export", data={"csrf_token": token, "month": _this_month(), "format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


def test_control_character_cannot_hide_a_formula_in_the_chat_log(app: Flask, officer_client: FlaskClient,
                                                                   line: Line) -> None:
    hand_off(app, line)
    assert line.post(text_event(ASKER, HOSTILE_FORMULA)) == 200
    sheet = openpyxl.load_workbook(io.BytesIO(_export(officer_client, "xlsx"))).active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith("=")]
    assert "'=HYPERLINK(\"http://evil.example\",\"คลิก\")" in texts
    rows = list(csv.DictReader(io.StringIO(_export(officer_client, "csv").decode("utf-8-sig"))))
    assert any(r["text"] == "'=HYPERLINK(\"http://evil.example\",\"คลิก\")" for r in rows)


def test_xml_illegal_characters_in_messages_and_names_export(app: Flask, officer_client: FlaskClient,
                                                            line: Line) -> None:
    hand_off(app, line)
    assert line.post(text_event(ASKER, "บัตร\uffffหาย\x0b\ufffe")) == 200
    with app.extensions["iao"].sessions.begin() as db:
        db.scalars(select(LineUser)).one().display_name = "สม\x0bศรี\uffff"
    add_officer(app, "admin1", role="admin")
    login(officer_client, "admin1")
    token = token_on(officer_client, "/console/conversations")
    response = officer_client.post("/console/export", data={"csrf_token": token, "month": _this_month(),
                                                            "format": "xlsx", "real_ids": "1"})
    assert response.status_code == 200
    texts = [c.value for row in openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows()
             for c in row]
    assert "บัตรหาย" in texts and "สมศรี" in texts


def _closed_month_with_bad_comment(app: Flask, line: Line) -> str:
    """A month already closed whose stored figures quote a comment with U+FFFF, U+FFFE and \\x0b."""
    hand_off(app, line)
    now = utcnow()
    month = now.astimezone(BANGKOK)
    with app.extensions["iao"].sessions.begin() as db:
        user = db.scalars(select(LineUser)).one()
        db.add(SurveyResponse(user_id=user.id, period=month.strftime("%Y-%m"), offered_at=now, score=5,
                              answered_at=now, comment=BAD_COMMENT, commented_at=now))
        db.flush()
        close_month(db, month.year, month.month, now, closed_by="test")
    return month.strftime("%Y-%m")


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf", "html"])
def test_report_of_a_closed_month_with_bad_text_renders(app: Flask, officer_client: FlaskClient, line: Line,
                                                        fmt: str) -> None:
    month = _closed_month_with_bad_comment(app, line)
    response = officer_client.get(f"/console/kpi/report/monthly/{month}.{fmt}")
    assert response.status_code == 200
    data = response.get_data()
    if fmt == "xlsx":
        texts = " ".join(str(c.value) for row in openpyxl.load_workbook(io.BytesIO(data))["รายงาน"].iter_rows()
                         for c in row if c.value is not None)
        assert "ดีมาก ขอบคุณค่ะ" in texts
    elif fmt == "docx":
        assert "ดีมาก ขอบคุณค่ะ" in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert "\uffff" not in archive.read("word/document.xml").decode("utf-8")
    elif fmt == "html":
        assert "ดีมาก ขอบคุณค่ะ" in data.decode("utf-8")


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_report_command_survives_bad_text(app: Flask, line: Line, tmp_path: Path, fmt: str) -> None:
    month = _closed_month_with_bad_comment(app, line)
    out = tmp_path / f"report.{fmt}"
    result = app.test_cli_runner().invoke(args=["report", "monthly", "--month", month, "--format", fmt,
                                                "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
