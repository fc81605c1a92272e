"""The console's KPI page: a month's figures from signed webhook events, closing it, charts and downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handlers.clock import BANGKOK
from handlers.officers import recent_audit
from tests.conftest import Line
from tests.console.conftest import token_on
from tests.fakes import follow_event, text_event

A, B = ("U" + ch * 32 for ch in "pq")
MONTH = "2026-10"  # ตุลาคม 2569, fiscal year 2570
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ms(day: int, hour: int = 10, month: int = 10) -> int:
    """LINE's timestamp for a Bangkok time in 2026."""
    return int(dt.datetime(2026, month, day, hour, tzinfo=BANGKOK).timestamp() * 1000)


@pytest.fixture
def october(line: Line) -> None:
    """Two district officers follow, register and ask three questions in October; one asks in November."""
    for event in (follow_event(A, timestamp_ms=ms(2, 9)), text_event(A, "บางรัก", timestamp_ms=ms(2, 9)),
                  follow_event(B, timestamp_ms=ms(3, 9)), text_event(B, "ดุสิต", timestamp_ms=ms(3, 9)),
                  text_event(A, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง", timestamp_ms=ms(5)),
                  text_event(A, "บัตรสีชมพูหายต้องทำอย่างไร", timestamp_ms=ms(12)),
                  text_event(B, "ขอเบอร์ติดต่อสถานทูต", timestamp_ms=ms(20)),
                  text_event(B, "บัตรประชาชนหายทำยังไง", timestamp_ms=ms(2, month=11))):
        assert line.post(event) == 200


def test_figures_and_close(app: Flask, officer_client: FlaskClient, october: None) -> None:
    client = officer_client
    page = client.get(f"/console/kpi?month={MONTH}").get_data(as_text=True)
    assert "ตุลาคม 2569" in page and "ปีงบประมาณ พ.ศ. 2570" in page
    assert "ยังไม่ได้ปิดยอด" in page
    assert '<td id="kpi-questions">3 ข้อ</td>' in page
    assert "บางรัก" in page and "ดุสิต" in page and "2 / 50 เขต" in page
    assert "/ ไม่น้อยกว่า 6 ครั้ง" in page and "ต่ำกว่าเป้าหมาย" in page
    assert page.count('<tr class="active">') == 2

    token = token_on(client, f"/console/kpi?month={MONTH}")
    assert client.post("/console/kpi/close", data={"month": MONTH}).status_code == 400  # no CSRF token
    for _ in range(2):
        assert client.post("/console/kpi/close", data={"month": MONTH, "csrf_token": token}).status_code == 302
    page = client.get(f"/console/kpi?month={MONTH}").get_data(as_text=True)
    assert "ครั้งที่ 2" in page and "ปิดยอดเดือนนี้แล้ว 2 ครั้ง" in page and "somchai" in page
    assert '<td id="kpi-questions">3 ข้อ</td>' in page
    with app.extensions["iao"].sessions() as session:
        assert [r.action for r in recent_audit(session)][:2] == ["kpi-close", "kpi-close"]


def test_charts_and_downloads(app: Flask, officer_client: FlaskClient, october: None) -> None:
    client = officer_client
    for kind in ("day", "district"):
        response = client.get(f"/console/kpi/chart/{MONTH}/{kind}.png")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG")
    assert client.get(f"/console/kpi/chart/{MONTH}/pie.png").status_code == 404

    expected = {"xlsx": XLSX, "pdf": "application/pdf", "html": "text/html", "docx": DOCX}
    for fmt, mimetype in expected.items():
        response = client.get(f"/console/kpi/report/monthly/{MONTH}.{fmt}")
        assert response.status_code == 200, fmt
        assert response.mimetype == mimetype
        assert f"iao-monthly-{MONTH}.{fmt}" in response.headers["Content-Disposition"]
        assert len(response.data) > 1000
        if fmt == "pdf":
            assert response.data.startswith(b"%PDF")
        if fmt == "html":
            assert "ตุลาคม 2569" in response.get_data(as_text=True)
    for fmt in ("pdf", "xlsx"):
        response = client.get(f"/console/kpi/report/yearly/2570.{fmt}")
        assert response.status_code == 200 and response.mimetype == expected[fmt]
        assert f"iao-yearly-FY2570.{fmt}" in response.headers["Content-Disposition"]
        assert response.data.startswith(b"%PDF" if fmt == "pdf" else b"PK")
    assert client.get(f"/console/kpi/report/monthly/{MONTH}.exe").status_code == 404
    assert client.get("/console/kpi?month=bad").status_code == 400
    with app.extensions["iao"].sessions() as session:
        assert "report-download" in {r.action for r in recent_audit(session)}


def test_open_data_and_data_dictionary_downloads(app: Flask, officer_client: FlaskClient, october: None) -> None:
    page = officer_client.get("/console/kpi?month=2026-10").get_data(as_text=True)
    assert "/console/kpi/open-data/2570.csv" in page and "/console/kpi/data-dictionary.xlsx" in page
    csv_file = officer_client.get("/console/kpi/open-data/2570.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    lines = csv_file.get_data(as_text=True).splitlines()
    assert lines[0].startswith("month,fiscal_year_be,district_code") and len(lines) >= 1 + 50
    assert officer_client.get("/console/kpi/open-data/2570.json").get_json()["rows"][0]["month"] == "2026-10"
    dictionary = officer_client.get("/console/kpi/data-dictionary.md").get_data(as_text=True)
    assert "## `interactions`" in dictionary
    assert officer_client.get("/console/kpi/open-data/2570.exe").status_code == 404
    with app.extensions["iao"].sessions() as session:
        assert any(a.target == "open-data:2570" for a in recent_audit(session))
