"""Recording activities (service and CLI): checks where they enter, rescoring, overrides that need a reason."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from flask import Flask

from handlers.kpi.activities import (
    FILE_MAX_BYTES,
    ActivityError,
    EvidenceInput,
    delete_activity,
    record_activity,
    year_scores,
)
from handlers.kpi.reference import clear_override, find_indicator, override, result_for

NOW = dt.datetime(2024, 9, 20, 3, 0, tzinfo=dt.UTC)  # FY2567 ends 30 September 2024


def add(session, key: str, kind: str, count: int | None = None, day: dt.date = dt.date(2024, 3, 1),  # type: ignore[no-untyped-def]
        **extra):
    """Record one FY2567 activity."""
    return record_activity(session, be_year=2567, indicator_key=key, occurred_on=day, kind=kind, count=count,
                           title=extra.pop("title", ""), note=extra.pop("note", None),
                           evidence=extra.pop("evidence", []), by="somchai", now=NOW)


def scores(session) -> dict[str, tuple]:  # type: ignore[no-untyped-def,type-arg]
    """indicator key → (level, score, weighted) in force."""
    return {e.indicator.key: (e.result.level, e.result.score, e.result.weighted_score)
            for e in year_scores(session, 2567)}


def test_fy2567_scores_from_entered_activities(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        assert scores(session)["2567-1.3-1"] == (0, 0.0, 0.0)
        add(session, "2567-1.3-1", "plan", evidence=[EvidenceInput(url="https://example.org/plan.pdf")])
        add(session, "2567-1.3-1", "hosted_event", 3, day=dt.date(2023, 12, 5))
        add(session, "2567-1.3-1", "hosted_event", 1)
        add(session, "2567-1.1-3", "product_data")
        add(session, "2567-1.1-3", "plan")
        add(session, "2567-1.1-3", "products", 12, title="Bangkok Brand ที่งาน THAIFEX")
        add(session, "2567-1.1-3", "products", 9)
        current = scores(session)
    assert current["2567-1.3-1"] == (3, 60.0, 6.0)  # 4 events → ระดับ 3 = ร้อยละ 60 of weight 10
    assert current["2567-1.1-3"] == (3, 60.0, 6.0)  # 21 products → ระดับ 3
    assert current["2567-1.2-1"] == (None, None, None)  # no scoring table in seed 002
    with app.extensions["iao"].sessions.begin() as session:
        activity = add(session, "2567-1.3-1", "hosted_event", 2)
        assert scores(session)["2567-1.3-1"] == (4, 80.0, 8.0)
        delete_activity(session, activity.id, 2567)
        assert scores(session)["2567-1.3-1"] == (3, 60.0, 6.0)


@pytest.mark.parametrize(("kind", "count", "day", "message"), [
    ("hosted_event", None, dt.date(2024, 3, 1), "กรุณาระบุจำนวน"),
    ("hosted_event", 0, dt.date(2024, 3, 1), "กรุณาระบุจำนวน"),
    ("plan", 2, dt.date(2024, 3, 1), "ไม่ต้องระบุจำนวน"),
    ("products", 5, dt.date(2024, 3, 1), "ไม่มีในเกณฑ์"),  # a kind of another indicator
    ("plan", None, dt.date(2023, 9, 30), "ต้องอยู่ในปีงบประมาณ"),  # FY2566's last day
    ("plan", None, dt.date(2024, 10, 1), "ต้องอยู่ในปีงบประมาณ"),
])
def test_records_are_checked_where_they_enter(app: Flask, kind: str, count: int | None, day: dt.date,
                                              message: str) -> None:
    with app.extensions["iao"].sessions.begin() as session, pytest.raises(ActivityError, match=message):
        add(session, "2567-1.3-1", kind, count, day=day)


def test_evidence_is_a_web_link_or_a_small_allowed_file(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        for bad in (EvidenceInput(url="javascript:alert(1)"), EvidenceInput(url="ftp://x/y"),
                    EvidenceInput(filename="a.exe", content_type="application/x-msdownload", data=b"MZ"),
                    EvidenceInput(filename="big.pdf", content_type="application/pdf",
                                  data=b"x" * (FILE_MAX_BYTES + 1))):
            with pytest.raises(ActivityError):
                add(session, "2567-1.3-1", "plan", evidence=[bad])
        activity = add(session, "2567-1.3-1", "plan", evidence=[
            EvidenceInput(filename="../../แผน 2567.pdf", content_type="application/pdf", data=b"%PDF-1.4 x")])
        assert activity.evidence[0].filename == "แผน 2567.pdf" and activity.evidence[0].size == 10
    with app.extensions["iao"].sessions.begin() as session, pytest.raises(ActivityError, match="ยาวเกิน"):
        add(session, "2567-1.3-1", "plan", note="ก" * 2001)


def test_override_needs_a_reason_and_wins_until_cleared(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        add(session, "2567-1.3-2", "plan")
        indicator = find_indicator(session, 2567, "2567-1.3-2")
        result = result_for(session, indicator, 2567)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="reason"):
            override(result, level=4, score=None, reason="  ", by="somchai", now=NOW)
        assert scores(session)["2567-1.3-2"] == (1, 20.0, 2.0)
        override(result, level=4, score=None, reason="กิจกรรมครั้งที่ 3 ยังไม่ได้บันทึก", by="somchai", now=NOW)
        assert scores(session)["2567-1.3-2"] == (4, 80.0, 8.0)
        add(session, "2567-1.3-2", "preparation")  # a new record recomputes but the override stays in force
        entry = next(e for e in year_scores(session, 2567) if e.indicator.key == "2567-1.3-2")
        assert entry.overridden and entry.result.computed_level == 2 and entry.result.level == 4
        clear_override(result)
        assert scores(session)["2567-1.3-2"] == (2, 40.0, 4.0)


def test_cli_add_list_score_and_override(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    evidence = tmp_path / "photo.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    base = ["kpi", "activity", "add", "--fiscal-year", "2567", "--indicator", "2567-1.3-1"]
    result = runner.invoke(args=[*base, "--date", "2567-01-15", "--kind", "plan", "--link", "https://example.org/a"])
    assert result.exit_code == 0, result.output
    assert "level 1, score 20.0, weighted 2.0" in result.output and "hosted_event +2" in result.output
    result = runner.invoke(args=[*base, "--date", "2024-02-01", "--kind", "hosted_event", "--count", "6",
                                 "--file", str(evidence), "--title", "สัมมนาเมืองน่าอยู่"])
    assert result.exit_code == 0, result.output
    assert "level 4, score 80.0, weighted 8.0" in result.output
    bad = runner.invoke(args=[*base, "--date", "2024-02-01", "--kind", "hosted_event"])
    assert bad.exit_code != 0 and "กรุณาระบุจำนวน" in bad.output
    listed = json.loads(runner.invoke(args=["kpi", "activity", "list", "--fiscal-year", "2567", "--json"]).output)
    assert [(r["date"], r["kind"], r["count"]) for r in listed] == [("2024-01-15", "plan", None),
                                                                   ("2024-02-01", "hosted_event", 6)]
    assert listed[1]["evidence"] == ["photo.png"] and listed[0]["evidence"] == ["https://example.org/a"]
    assert runner.invoke(args=["kpi", "override", "--fiscal-year", "2567", "--indicator", "2567-1.2-1",
                               "--level", "3"]).exit_code != 0  # no reason
    assert runner.invoke(args=["kpi", "override", "--fiscal-year", "2567", "--indicator", "2567-1.2-1", "--level",
                               "3", "--reason", "สถิติ Google Analytics ตามหนังสือสำนักงานการคลัง"]).exit_code == 0
    rows = {r["indicator"]: r for r in json.loads(runner.invoke(
        args=["kpi", "activity", "score", "--fiscal-year", "2567", "--json"]).output)}
    assert (rows["2567-1.3-1"]["level"], rows["2567-1.3-1"]["weighted"]) == (4, 8.0)
    assert (rows["2567-1.2-1"]["level"], rows["2567-1.2-1"]["weighted"], rows["2567-1.2-1"]["computed_level"]) == (
        3, 12.0, None)  # weight 20 × ร้อยละ 60
    assert rows["2567-1.2-1"]["override_reason"].startswith("สถิติ")
    kinds = runner.invoke(args=["kpi", "activity", "kinds", "--fiscal-year", "2567", "--indicator", "2567-1.1-3"])
    assert "level 5: products ≥ 40, report ≥ 1" in kinds.output
