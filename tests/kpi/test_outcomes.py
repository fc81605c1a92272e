"""A month of signed webhook events of every outcome: each question in exactly one, and the reports agree."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import docx
import openpyxl
from flask import Flask
from sqlalchemy import select

from handlers.directory.models import Mission
from handlers.directory.service import seed_missions
from handlers.kpi.counts import OUTCOMES, OUTCOMES_TH
from handlers.kpi.periods import QUOTA_BOUNDARY_TH
from handlers.models import Interaction, LineUser
from tests.conftest import Line
from tests.fakes import follow_event, postback_event, text_event
from tests.kpi.test_close_month import bkk, ms, officer_answer, question_id
from tests.kpi.test_reports import pdf_text

A, B, C = ("U" + ch * 32 for ch in "pqr")
ANSWERED = "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง"
DIRECTORY = "ขอเบอร์สถานทูตญี่ปุ่น"
AMBIGUOUS = "กงสุลจีน"  # the directory holds three consulates-general of China: "which one?"
RECIPE = "ขอสูตรทำต้มยำกุ้งหน่อย"
DOMESTIC = "บัตรประชาชนหายทำยังไง"  # a Thai ID card: handed to an officer
VAGUE = "วีซ่า"  # nothing close enough: handed over, the nearest entry noted
PINK = "บัตรสีชมพูหายต้องทำอย่างไร"  # answered, then the user asks for an officer
EXPECTED = {"answered_by_bot": 2, "did_you_mean_chosen": 1, "did_you_mean_not_chosen": 1, "handed_over": 2,
            "answered_by_officer": 1, "off_topic": 1, "other": 2}


def row(app: Flask, user: str, text: str) -> Interaction:
    """The logged question (detached, read-only)."""
    with app.extensions["iao"].sessions() as session:
        found = session.scalars(select(Interaction).join(LineUser, Interaction.user_id == LineUser.id).where(
            LineUser.line_user_id == user, Interaction.text == text)).one()
        session.expunge(found)
        return found


def send_mixed_month(line: Line, app: Flask) -> dict[str, Any]:
    """November 2026: ten questions, at least one of every outcome, plus October noise."""
    with app.extensions["iao"].sessions.begin() as session:
        seed_missions(session)
    post = line.post
    assert post(follow_event(A, timestamp_ms=ms(bkk(20, 9, month=10)))) == 200
    assert post(text_event(A, "บางรัก", timestamp_ms=ms(bkk(20, 9, 1, month=10)))) == 200
    assert post(text_event(A, "ต่างด้าวหาย วีซ่า", timestamp_ms=ms(bkk(31, 20, month=10)))) == 200  # October
    for user, district, day in ((B, "ปทุมวัน", 2), (C, "ดุสิต", 2)):
        assert post(follow_event(user, timestamp_ms=ms(bkk(day, 9)))) == 200
        assert post(text_event(user, district, timestamp_ms=ms(bkk(day, 9, 1)))) == 200
    for user, text, day in ((A, ANSWERED, 3), (A, DIRECTORY, 4), (B, AMBIGUOUS, 5), (C, AMBIGUOUS, 6),
                            (B, RECIPE, 7), (C, DOMESTIC, 8), (C, VAGUE, 9), (A, PINK, 10),
                            (B, "สวัสดีครับ", 11), (B, "ขอบคุณครับ", 12)):
        assert post(text_event(user, text, timestamp_ms=ms(bkk(day, 10)))) == 200
    answered = row(app, A, ANSWERED)
    # 👎 on the TM.30 answer: feedback, not a question, listed under "what to write next"
    assert post(postback_event(A, f"action=feedback&v=down&q={answered.id}&e=tm30-basics",
                               timestamp_ms=ms(bkk(3, 10, 1)))) == 200
    b_choice = row(app, B, AMBIGUOUS)
    with app.extensions["iao"].sessions() as session:
        key = session.scalars(select(Mission.key).where(Mission.country_en == "China")
                              .order_by(Mission.key)).first()
    assert post(postback_event(B, f"action=mission&key={key}&q={b_choice.id}", timestamp_ms=ms(bkk(5, 10, 1)))) == 200
    # C tries to claim B's question by its id: it must not count as B's choice
    c_choice = row(app, C, AMBIGUOUS)
    assert post(postback_event(C, f"action=mission&key={key}&q={b_choice.id}", timestamp_ms=ms(bkk(6, 10, 2)))) == 200
    pink = row(app, A, PINK)
    assert post(postback_event(A, f"action=officer&q={pink.id}", timestamp_ms=ms(bkk(10, 10, 1)))) == 200
    vague = row(app, C, VAGUE)
    officer_answer(app, vague.id, bkk(9, 11))
    october = question_id(app, A, "ต่างด้าวหาย วีซ่า")
    officer_answer(app, october, bkk(1, 9))  # an October question answered in November
    return {"answered": answered, "b_choice": b_choice, "c_choice": c_choice, "vague": vague}


def test_every_question_in_exactly_one_outcome(line: Line, app: Flask, tmp_path: Path) -> None:
    facts = send_mixed_month(line, app)
    # what the bot did, as logged: the test's premises
    assert row(app, A, ANSWERED).outcome == "answer"
    directory = row(app, A, DIRECTORY)
    assert (directory.outcome, directory.category, directory.answered_by) == ("answer", "directory", "bot")
    assert facts["b_choice"].outcome == "suggest" and facts["c_choice"].outcome == "suggest"
    assert row(app, B, RECIPE).outcome == "off_topic"
    assert row(app, C, DOMESTIC).outcome == "handoff"
    assert facts["vague"].outcome == "handoff" and facts["vague"].detail == "nearest:tm30-basics"

    result = app.test_cli_runner().invoke(args=["kpi", "close", "--month", "2026-11", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["questions"] == 10
    assert set(figures["outcomes"]) == set(OUTCOMES)
    assert figures["outcomes"] == EXPECTED
    assert sum(figures["outcomes"].values()) == figures["questions"]
    for key, n in EXPECTED.items():
        assert figures[key] == n, key
    assert figures["other_detail"] == {"greeting": 1, "thanks": 1}
    assert figures["officer_answers_in_month"] == 2  # C's VAGUE and A's October question
    topics = {(t["entry_id"], t["nearest"]): t for t in figures["topics_to_write"]}
    assert topics[("tm30-basics", False)]["thumbs_down"] == 1
    assert topics[("tm30-basics", True)]["handed_over"] == 1  # VAGUE, answered by an officer since
    assert topics[("domestic-id-card-lost", False)]["handed_over"] == 1
    assert topics[("migrant-pink-card-lost", False)]["handed_over"] == 1
    assert topics[(None, False)]["off_topic"] == 1
    assert sum(t["total"] for t in figures["topics_to_write"]) == 5

    # October keeps its question; the November answer makes it answered by an officer, in October's count
    october = json.loads(app.test_cli_runner().invoke(args=["kpi", "close", "--month", "2026-10", "--json"]).output)
    assert october["questions"] == 1 and october["outcomes"]["answered_by_officer"] == 1
    assert sum(october["outcomes"].values()) == 1

    _reports_show_the_breakdown(app, tmp_path)


def _reports_show_the_breakdown(app: Flask, tmp_path: Path) -> None:
    """All four formats carry the outcome table with the same numbers and the topics to write."""
    runner = app.test_cli_runner()
    out = {}
    for fmt in ("xlsx", "pdf", "html", "docx"):
        out[fmt] = tmp_path / f"nov.{fmt}"
        result = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--format", fmt,
                                     "--output", str(out[fmt])])
        assert result.exit_code == 0, result.output

    book = openpyxl.load_workbook(out["xlsx"])
    rows = [[c.value for c in r] for r in book["รายงาน"].iter_rows()]
    by_label = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}
    for key, n in EXPECTED.items():
        assert by_label[OUTCOMES_TH[key]] == n, key
    assert any(r[1] == "การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30) (หัวข้อที่ใกล้เคียงที่สุด)" for r in rows if len(r) > 1)

    document = docx.Document(str(out["docx"]))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ผลของคำถาม")
    cells = {r.cells[0].text: r.cells[1].text for r in table.rows[1:]}
    assert {k: int(cells[OUTCOMES_TH[k]]) for k in OUTCOMES} == EXPECTED
    assert cells["รวม"] == "10"

    page = out["html"].read_text(encoding="utf-8")
    for key in OUTCOMES:
        assert OUTCOMES_TH[key] in page
    assert QUOTA_BOUNDARY_TH in page and "31 ตุลาคม 2569 เวลา 22:00 น." in page  # which month the quota counts

    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read the PDF back"
    text = bare(pdf_text(out["pdf"]))
    assert bare("ผลของคำถาม") in text and bare("ไม่ใกล้เคียงหัวข้อใดในฐานความรู้") in text
    for key, n in EXPECTED.items():
        assert f"{bare(OUTCOMES_TH[key])}{n}{round(100 * n / 10)}" in text, key


THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\\s]")


def bare(text: str) -> str:
    """Text without spaces and Thai marks: pdftotext places shaped marks apart from their letters."""
    return THAI_MARKS.sub("", text)
