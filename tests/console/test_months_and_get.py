"""#12, #13: a report GET changes nothing and says when it is provisional; bad months are a Thai 400, not a 500."""

from __future__ import annotations

import io
import threading

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from handlers.kpi import counts as kpi_counts
from handlers.kpi.models import IndicatorResult, MonthlyRecord
from handlers.kpi.periods import MonthError, parse_month
from tests.console.conftest import PASSWORD, add_officer, login, token_on
from tests.fakes import text_event

PROVISIONAL = "ฉบับชั่วคราว"
BAD_MONTHS = ["0000-01", "02026-11", "2026-011", "２０２６-１１", "๒๐๒๖-๑๑", "2026-13", "2026-00", "-2026-11",
              "99999-01", "2026-1x", "9999-12"]


def _records(app: Flask) -> int:
    with app.extensions["iao"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(MonthlyRecord)) or 0)


def _report_text(data: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["รายงาน"]
    return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


def test_parse_month_is_strict() -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert parse_month("2569-11") == (2026, 11)  # a BE year
    for bad in BAD_MONTHS:
        with pytest.raises(MonthError, match="เดือน"):
            parse_month(bad)


@pytest.mark.parametrize("month", ["2026-10", "2031-01"])  # a past month never closed, a future month
def test_report_get_never_closes_a_month_and_says_provisional(app: Flask, officer_client: FlaskClient,
                                                               month: str) -> None:
    for fmt in ("xlsx", "html"):
        response = officer_client.get(f"/console/kpi/report/monthly/{month}.{fmt}")
        assert response.status_code == 200
        text = _report_text(response.get_data()) if fmt == "xlsx" else response.get_data(as_text=True)
        assert PROVISIONAL in text
    assert _records(app) == 0


def test_report_of_a_month_closed_after_it_ended_is_final(app: Flask, officer_client: FlaskClient) -> None:
    token = token_on(officer_client, "/console/kpi?month=2026-10")
    assert officer_client.post("/console/kpi/close", data={"month": "2026-10", "csrf_token": token}).status_code == 302
    response = officer_client.get("/console/kpi/report/monthly/2026-10.xlsx")
    assert response.status_code == 200 and PROVISIONAL not in _report_text(response.get_data())


def _results(app: Flask) -> list[tuple[object, ...]]:
    with app.extensions["iao"].sessions() as db:
        return [(r.id, r.be_year, r.result_value, r.computed_level, r.updated_at)
                for r in db.scalars(select(IndicatorResult).order_by(IndicatorResult.id))]


def test_yearly_report_get_stores_nothing(app: Flask, officer_client: FlaskClient, line) -> None:  # type: ignore[no-untyped-def]
    before = _results(app)
    assert line.post(text_event("U" + "e" * 32, "ตม.30 คืออะไร")) == 200
    assert officer_client.get("/console/kpi/report/yearly/2570.xlsx").status_code == 200
    assert _results(app) == before
    assert _records(app) == 0


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_bad_months_are_a_clear_400(app: Flask, officer_client: FlaskClient, month: str) -> None:
    client = officer_client
    for path in (f"/console/kpi?month={month}", f"/console/tips?month={month}",
                 f"/console/kpi/chart/{month}/day.png", f"/console/kpi/report/monthly/{month}.xlsx"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "เดือน" in response.get_data(as_text=True), path
    token = token_on(client, "/console/conversations")
    for path, data in (("/console/export", {"month": month, "format": "csv"}),
                       ("/console/export", {"month": month, "format": "xlsx"}),
                       ("/console/kpi/close", {"month": month})):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 400, path
        assert "เดือน" in response.get_data(as_text=True), path
    assert _records(app) == 0


def test_bad_month_on_the_command_line_is_a_usage_error(app: Flask) -> None:
    for args in (["kpi", "close", "--month", "0000-01"], ["kpi", "history", "--month", "２０２６-１１"],
                 ["report", "monthly", "--month", "0000-01", "--format", "xlsx", "--output", "/tmp/x.xlsx"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 2, (args, result.output)
        assert "YYYY-MM" in result.output and "Traceback" not in result.output


def test_two_concurrent_closes_both_succeed(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                            line) -> None:  # type: ignore[no-untyped-def]
    """Both officers read the current version before either stores: the second gets the next one, not a 500."""
    add_officer(app, "somchai")
    add_officer(app, "somsri")
    clients = []
    for name in ("somchai", "somsri"):
        c = app.test_client()
        assert login(c, name, PASSWORD).status_code == 302
        clients.append((c, token_on(c, "/console/kpi?month=2026-10")))
    assert line.post(text_event("U" + "d" * 32, "ตม.30 คืออะไร")) == 200
    both_computed = threading.Barrier(2, timeout=10)
    real = kpi_counts.current_record
    first_two = iter(range(2))

    def racing_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        if next(first_two, None) is not None:
            both_computed.wait()
        return found

    monkeypatch.setattr(kpi_counts, "current_record", racing_read)
    statuses: list[int] = []

    def close(c: FlaskClient, token: str) -> None:
        statuses.append(c.post("/console/kpi/close", data={"month": "2026-10", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=close, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [302, 302]
    with app.extensions["iao"].sessions() as db:
        assert sorted(db.scalars(select(MonthlyRecord.version))) == [1, 2]

