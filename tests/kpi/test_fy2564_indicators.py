"""FY2564 (seed 001): every indicator recordable and scored; the seed's own results reproduced from records;
the yearly report (xlsx, docx, pdf) read back with every indicator's level and score."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from handlers.kpi.activities import ActivityError, delete_activity, record_activity, year_scores
from handlers.kpi.models import Component, Indicator
from handlers.kpi.reference import find_indicator, override, reference_data, result_for
from handlers.kpi.scoring import NONE, VALUE, ladder_for
from tests.kpi.test_reports import needs_poppler

NOW = dt.datetime(2021, 9, 20, 3, 0, tzinfo=dt.UTC)  # FY2564 ends 30 September 2021
KEYS = ["2564-1", "2564-2", "2564-3", "2564-4", "2564-5", "interclinic", "2564-5.1", "2564-5.2"]


def add(session, key: str, kind: str, count: int | None = None, day: dt.date = dt.date(2021, 9, 9)):  # type: ignore[no-untyped-def]
    """Record one FY2564 activity."""
    return record_activity(session, be_year=2564, indicator_key=key, occurred_on=day, kind=kind, count=count,
                           title="", note=None, evidence=[], by="chutana", now=NOW)


def scores(session) -> dict[str, tuple]:  # type: ignore[no-untyped-def,type-arg]
    """indicator key → (level, score, weighted) in force."""
    return {e.indicator.key: (e.result.level, e.result.score, e.result.weighted_score)
            for e in year_scores(session, 2564)}


def set_level(session, key: str, level: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    """An officer's level, with the reason the form requires."""
    indicator = find_indicator(session, 2564, key)
    assert indicator is not None
    override(result_for(session, indicator, 2564), level=level, score=None, reason=reason, by="sunisa", now=NOW)
    session.flush()


def test_every_fy2564_indicator_of_seed_001_is_seeded_with_a_ladder(app: Flask) -> None:
    year = next(y for y in reference_data()["fiscal_years"] if y["be_year"] == 2564)
    keys = [i["key"] for c in year["components"] for i in c["indicators"]]
    assert keys == KEYS
    assert {k: ladder_for(k).kind for k in keys} == {  # type: ignore[union-attr]
        **{f"2564-{n}": NONE for n in range(1, 6)}, "interclinic": VALUE, "2564-5.1": VALUE, "2564-5.2": VALUE}
    assert ladder_for("2564-5.1").value_kind == "disbursement_pct"  # type: ignore[union-attr]
    with app.extensions["iao"].sessions.begin() as session:
        rows = session.execute(select(Component.code, Indicator.key, Indicator.weight, Indicator.scheme_code)
                               .join(Indicator).where(Component.be_year == 2564)).all()
        assert sum(r.weight for r in rows) == 100  # 50 + 20 + 10 + 20 (001 L41, L237, L335, L380, L407)
        schemes = {r.key: r.scheme_code for r in rows}
        assert {schemes[f"2564-{n}"] for n in range(1, 6)} == {"LEVEL_PCT_20_100"}
        assert schemes["2564-5.1"] == schemes["2564-5.2"] == schemes["interclinic"] == "POINTS_60_100"
        group_a = find_indicator(session, 2564, "2564-5.1")
        assert [lv.threshold for lv in group_a.levels] == [80, 85, 90, 95, 100]  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "level", "weighted"), [
    (1, 1, 6.0), (79, 1, 6.0), (80, 1, 6.0), (84, 1, 6.0), (85, 2, 7.0), (94, 3, 8.0), (95, 4, 9.0), (100, 5, 10.0)])
def test_disbursement_scores_against_group_a_with_the_floor_rule(app: Flask, value: int, level: int,
                                                                 weighted: float) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        assert scores(session)["2564-5.1"] == (None, None, None)  # nothing entered: no result
        add(session, "2564-5.1", "spending_plan")
        assert scores(session)["2564-5.1"] == (None, None, None)  # a step record is evidence, not a value
        add(session, "2564-5.1", "disbursement_pct", value)
        assert scores(session)["2564-5.1"] == (level, 50.0 + 10 * level, weighted)
        entry = next(e for e in year_scores(session, 2564) if e.indicator.key == "2564-5.1")
        assert entry.computed is not None and entry.computed.floored == (value < 80)


def test_database_indicator_scores_from_the_entered_percentage_and_records_its_steps(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        for step in range(1, 6):
            add(session, "2564-5.2", f"step{step}", day=dt.date(2021, 1 + step, 1))
        assert scores(session)["2564-5.2"] == (None, None, None)  # the steps do not compute the ร้อยละ
        first = add(session, "2564-5.2", "success_pct", 60)
        assert scores(session)["2564-5.2"] == (1, 60.0, 6.0)  # «≤ 60» = ระดับ 1 (001 L403)
        add(session, "2564-5.2", "success_pct", 90)
        assert scores(session)["2564-5.2"] == (4, 90.0, 9.0)  # the highest value recorded
        delete_activity(session, first.id, 2564)
        assert scores(session)["2564-5.2"][0] == 4
        with pytest.raises(ActivityError, match="1 ถึง 100"):
            add(session, "2564-5.2", "success_pct", 101)
        with pytest.raises(ActivityError, match="ระบุจำนวน"):
            add(session, "2564-5.2", "success_pct", None)
        with pytest.raises(ActivityError, match="ปีงบประมาณ พ.ศ. 2564"):
            add(session, "2564-5.2", "step1", day=dt.date(2021, 10, 1))


def test_component_1_and_2_indicators_take_records_and_an_officers_level(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        add(session, "2564-1", "project")
        add(session, "2564-1", "evidence")
        assert scores(session)["2564-1"] == (None, None, None)  # no legible criteria: nothing computed
        with pytest.raises(ValueError, match="reason"):
            set_level(session, "2564-1", 4, " ")
        set_level(session, "2564-1", 4, "เผยแพร่วีดิทัศน์ผ่านเว็บไซต์เมืองพี่เมืองน้อง 10 เมือง")
        assert scores(session)["2564-1"] == (4, 80.0, 12.0)  # survives the rescore of every indicator
        add(session, "2564-1", "other")
        assert scores(session)["2564-1"] == (4, 80.0, 12.0)


def enter_seed_001(session) -> None:  # type: ignore[no-untyped-def]
    """The seed's FY2564 results, entered as an officer would: levels of components 1–2, values of 5.1/5.2."""
    for key, level in (("2564-1", 4), ("2564-2", 5), ("2564-3", 5), ("2564-4", 4), ("2564-5", 5)):
        set_level(session, key, level, "ตามแบบฟอร์มการรายงานผล พ.ศ. 2564")
    add(session, "2564-5.1", "disbursement_pct", 100)  # 001 L380 «10 100 100 10»
    for step in range(1, 6):
        add(session, "2564-5.2", f"step{step}")
    add(session, "2564-5.2", "success_pct", 100)  # 001 L407 «10 ระดับ 5 100 10»


def test_the_seeds_own_results_are_reproduced(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        enter_seed_001(session)
        current = scores(session)
    # 001 L25–L28: «1. 15 ระดับ 4 ร้อยละ 80 12», «2. 15 ระดับ 5 ร้อยละ 100 15», «3. 20 ระดับ 5 ร้อยละ 100 20», 47
    assert [current[f"2564-{n}"] for n in (1, 2, 3)] == [(4, 80.0, 12.0), (5, 100.0, 15.0), (5, 100.0, 20.0)]
    assert sum(current[f"2564-{n}"][2] for n in (1, 2, 3)) == 47
    # 001 L223–L225: «4. 10 ระดับ 4 ร้อยละ 80 8», «5. 10 ระดับ 5 ร้อยละ 100 10», 18
    assert [current[f"2564-{n}"] for n in (4, 5)] == [(4, 80.0, 8.0), (5, 100.0, 10.0)]
    assert current["2564-5.1"] == (5, 100.0, 10.0) and current["2564-5.2"] == (5, 100.0, 10.0)


def _xlsx_rows(path: Path) -> list[list[str]]:
    """Every row of every sheet as text."""
    book = openpyxl.load_workbook(path)
    return [["" if v is None else str(v) for v in row] for sheet in book for row in sheet.iter_rows(values_only=True)]


def _run(app: Flask, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output


@needs_poppler
def test_yearly_report_shows_every_fy2564_indicator(app: Flask, tmp_path: Path) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        enter_seed_001(session)
    _run(app, "kpi", "override", "--fiscal-year", "2564", "--indicator", "interclinic", "--level", "5",
         "--reason", "ตามแบบฟอร์มการรายงานผล พ.ศ. 2564", "--by", "sunisa")
    out = {fmt: tmp_path / f"fy2564.{fmt}" for fmt in ("xlsx", "docx", "pdf")}
    for fmt, path in out.items():
        _run(app, "report", "yearly", "--fiscal-year", "2564", "--format", fmt, "--output", str(path),
             "--no-exports")

    rows = _xlsx_rows(out["xlsx"])
    summary: dict[str, list[str]] = {}  # the first table naming them is the summary of every indicator
    for r in rows:
        if r[0] in ("1", "2", "3", "4", "5", "5.1", "5.2"):
            summary.setdefault(r[0], r)
    assert {k: (r[4], r[6]) for k, r in summary.items()} == {
        "1": ("ระดับ 4*", "12"), "2": ("ระดับ 5*", "15"), "3": ("ระดับ 5*", "20"), "4": ("ระดับ 4*", "8"),
        "5": ("ระดับ 5*", "10"), "5.1": ("ระดับ 5", "10"), "5.2": ("ระดับ 5", "10")}
    assert summary["1"][5] == "ร้อยละ 80" and summary["5.1"][5] == "100"
    assert any(r[1] == "รวม" and r[3] == "100" and r[6] == "95" for r in rows)  # 47 + 18 + 10 + 10 + 10
    assert any(r[:5] == ["", "50", "", "คะแนนที่ได้", "47"] for r in rows)  # component 1's total (001 L28)
    assert any(r[:5] == ["", "20", "", "คะแนนที่ได้", "18"] for r in rows)  # component 2's (001 L225)

    word = docx.Document(str(out["docx"]))
    body = "\n".join(p.text for p in word.paragraphs)
    for line in ("องค์ประกอบที่ 1 : ประสิทธิภาพในการดำเนินงานภารกิจหลักตามยุทธศาสตร์กรุงเทพมหานคร (Function Base)",
                 "5.1 ความสำเร็จของการเบิกจ่ายงบประมาณในภาพรวม", "ชื่อผู้รับผิดชอบการรายงาน : นางสาวชุตานา ทิมจำลอง",
                 "5.2 ร้อยละความสำเร็จในการพัฒนาและจัดเก็บฐานข้อมูลที่มีความสำคัญต่อการปฏิบัติงาน หรือการให้บริการ"):
        assert line in body
    criteria = next(t for t in word.tables if t.rows[0].cells[0].text == "กลุ่มหน่วยงาน")
    assert [c.text for c in criteria.rows[1].cells] == ["กลุ่มหน่วยงาน A", "80", "85", "90", "95", "100"]
    outcome = [t for t in word.tables if t.rows[0].cells[0].text == "น้ำหนัก (ร้อยละ)"]
    assert [c.text for c in outcome[-1].rows[1].cells] == ["10", "ร้อยละ 100 (ระดับ 5)", "100", "10"]  # 5.2

    text = subprocess.run(["pdftotext", "-layout", str(out["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())  # pdftotext spaces out some Thai vowels (คำ รับรอง)
    for words in ("ระดับ4*ร้อยละ8012", "ระดับ4*ร้อยละ808", "รวม10095", "คะแนนที่ได้47", "คะแนนที่ได้18",
                  "5.1ความสำเร็จของการเบิกจ่ายงบประมาณในภาพรวม", "กลุ่มหน่วยงานA8085909510", "BMAOnlineInterClinic"):
        assert words in flat, words
