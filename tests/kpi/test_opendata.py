"""Component 5.2's evidence: a data dictionary from the models and open data with no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
from flask import Flask

from handlers.clock import BANGKOK
from handlers.kpi.opendata import OPEN_FIELDS, PERSONAL, data_dictionary
from handlers.kpi.periods import fiscal_year_months
from handlers.models import Base
from tests.conftest import Line
from tests.kpi.test_outcomes import AMBIGUOUS, ANSWERED, RECIPE, A, B, C, send_mixed_month


def test_dictionary_covers_every_table_and_names_personal_columns(app: Flask, tmp_path: Path) -> None:
    rows = data_dictionary()
    assert {r.table for r in rows} == set(Base.metadata.tables)
    assert {(r.table, r.column) for r in rows} == {(t.name, c.name) for t in Base.metadata.tables.values()
                                                   for c in t.columns}
    assert PERSONAL <= {(r.table, r.column) for r in rows}  # a renamed column would leave a stale entry
    direction = next(r for r in rows if (r.table, r.column) == ("interactions", "direction"))
    assert '"in" | "out"' in direction.description and not direction.nullable
    assert next(r for r in rows if (r.table, r.column) == ("interactions", "text")).personal
    runner = app.test_cli_runner()
    for fmt in ("md", "html", "xlsx"):
        result = runner.invoke(args=["report", "data-dictionary", "--format", fmt, "--output",
                                     str(tmp_path / f"dict.{fmt}")])
        assert result.exit_code == 0, result.output
    assert "## `kpi_monthly_records`" in (tmp_path / "dict.md").read_text(encoding="utf-8")
    assert "<td>missions</td>" in (tmp_path / "dict.html").read_text(encoding="utf-8")
    sheet = openpyxl.load_workbook(tmp_path / "dict.xlsx").active
    assert sheet.max_row == 1 + len(rows)


def test_open_data_is_one_row_per_month_per_district_without_personal_data(line: Line, app: Flask,
                                                                             tmp_path: Path) -> None:
    send_mixed_month(line, app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kpi", "close", "--month", "2026-11"]).exit_code == 0
    for fmt in ("csv", "json"):
        result = runner.invoke(args=["report", "open-data", "--year", "2570", "--format", fmt, "--output",
                                     str(tmp_path / f"open.{fmt}")])
        assert result.exit_code == 0, result.output
    today = dt.datetime.now(BANGKOK).date()
    begun = sum(1 for y, m in fiscal_year_months(2570) if dt.date(y, m, 1) <= today)
    with (tmp_path / "open.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert tuple(table[0]) == OPEN_FIELDS
    assert len(table) == 50 * begun
    assert len({(r["month"], r["district_code"]) for r in table}) == len(table)
    november = {r["district_name_th"]: r for r in table if r["month"] == "2026-11"}
    assert november["บางรัก"]["questions"] == "3" and november["บางรัก"]["source"] == "closed v1"
    assert november["ปทุมวัน"]["questions"] == "4" and november["ดุสิต"]["questions"] == "3"
    data = json.loads((tmp_path / "open.json").read_text(encoding="utf-8"))
    assert data["fields"] == list(OPEN_FIELDS) and len(data["rows"]) == len(table)
    for path in (tmp_path / "open.csv", tmp_path / "open.json"):
        text = path.read_text(encoding="utf-8")
        for secret in (A, B, C, ANSWERED, AMBIGUOUS, RECIPE):
            assert secret not in text
