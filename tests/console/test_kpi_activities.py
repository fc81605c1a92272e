"""The console's activities page: records posted with CSRF, the level they add up to, overrides with a
reason, evidence files, and the FY2567 forms downloaded in Thai digits."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from handlers.officers import recent_audit
from tests.console.conftest import token_on

PAGE = "/console/kpi/activities?year=2567"


def scores_row(page: str, key: str) -> str:
    """The summary row of one indicator."""
    match = re.search(rf'<tr id="score-{re.escape(key)}">(.*?)</tr>', page, re.S)
    assert match, key
    return re.sub(r"\s+", " ", match.group(1))


def post(client: FlaskClient, token: str, **form: object) -> str:
    """Add an activity and follow the redirect back to the page."""
    data = {"csrf_token": token, "year": "2567", **form}
    response = client.post("/console/kpi/activities", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(PAGE).get_data(as_text=True)


def test_record_activities_level_override_and_forms(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    page = client.get(PAGE).get_data(as_text=True)
    assert "กิจกรรมตามตัวชี้วัด" in page and "ปีงบประมาณ พ.ศ. 2567" in page
    assert 'value="2567-1.3-1|hosted_event"' in page and "(ระบุจำนวนครั้ง)" in page
    assert "ยังไม่ถึงระดับ 1" in scores_row(page, "2567-1.3-1")
    assert "ไม่มีเกณฑ์" in scores_row(page, "2567-1.2-1")
    token = token_on(client, PAGE)

    refused = client.post("/console/kpi/activities", data={"year": "2567", "indicator_kind": "2567-1.3-1|plan",
                                                           "date": "2024-01-10"})
    assert refused.status_code == 400  # no CSRF token
    page = post(client, token, indicator_kind="2567-1.3-1|plan", date="2024-01-10", title="แผนปี 2567",
                link="https://example.org/plan", file=(io.BytesIO(b"%PDF-1.4 plan"), "แผน.pdf", "application/pdf"))
    assert "บันทึกกิจกรรมแล้ว" in page and "ระดับ 1" in scores_row(page, "2567-1.3-1")
    page = post(client, token, indicator_kind="2567-1.3-1|hosted_event", date="2024-03-05", count="4",
                title="สัมมนาเมืองน่าอยู่")
    row = scores_row(page, "2567-1.3-1")
    assert "ระดับ 3" in row and '<td class="points">6</td>' in row and "อีก 2 ครั้ง" in row
    page = post(client, token, indicator_kind="2567-1.3-1|hosted_event", date="2024-03-05", count="")
    assert "กรุณาระบุจำนวน" in page  # refused with the reason, nothing stored
    page = post(client, token, indicator_kind="2567-1.3-1|hosted_event", date="2023-09-01", count="2")
    assert "ต้องอยู่ในปีงบประมาณ" in page and '<td class="points">6</td>' in scores_row(page, "2567-1.3-1")

    evidence = re.search(r'href="(/console/kpi/activities/evidence/\d+)">แผน.pdf</a>', page)
    assert evidence, "the uploaded file is listed"
    download = client.get(evidence.group(1))
    assert download.status_code == 200 and download.data == b"%PDF-1.4 plan"

    override = {"csrf_token": token, "year": "2567", "indicator": "2567-1.2-1", "level": "4"}
    client.post("/console/kpi/activities/override", data={**override, "reason": "  "})
    page = client.get(PAGE).get_data(as_text=True)
    assert "การปรับผลต้องระบุเหตุผล" in page and "ปรับโดยเจ้าหน้าที่" not in scores_row(page, "2567-1.2-1")
    client.post("/console/kpi/activities/override", data={**override, "reason": "สถิติ Google Analytics ครบปี"})
    row = scores_row(client.get(PAGE).get_data(as_text=True), "2567-1.2-1")
    assert "ระดับ 4" in row and "ปรับโดยเจ้าหน้าที่" in row and "สถิติ Google Analytics ครบปี" in row
    assert '<td class="points">16</td>' in row  # weight 20 × ร้อยละ 80
    assert '<td id="total-points">22</td>' in client.get(PAGE).get_data(as_text=True)
    with app.extensions["iao"].sessions() as session:
        actions = [r.action for r in recent_audit(session)]
    assert actions[:3] == ["kpi-override", "kpi-activity-add", "kpi-activity-add"]

    pdf = client.get("/console/kpi/report/yearly/2567.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = "".join(subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf.data, capture_output=True,
                                      check=True).stdout.decode().split())  # poppler spaces out สำ, ดำ
        for needle in ("แบบสรุปตัวชี้วัดเจรจาตกลง", "ประจำปีงบประมาณพ.ศ.๒๕๖๗", "ระดับ๓", "ระดับ๔*",
                       "สถิติGoogleAnalyticsครบปี"):
            assert needle in text, needle


def test_delete_is_a_post_with_csrf_and_rescores(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, PAGE)
    page = post(client, token, indicator_kind="2567-1.1-1|plan", date="2023-10-02")
    assert "ระดับ 1" in scores_row(page, "2567-1.1-1")
    match = re.search(r'action="/console/kpi/activities/(\d+)/delete"', page)
    assert match
    assert client.post(f"/console/kpi/activities/{match.group(1)}/delete", data={"year": "2567"}).status_code == 400
    client.post(f"/console/kpi/activities/{match.group(1)}/delete", data={"year": "2567", "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    assert "ลบกิจกรรมแล้ว" in page and "ยังไม่ถึงระดับ 1" in scores_row(page, "2567-1.1-1")


@pytest.mark.parametrize("year", ["1999", "abc", "9999"])
def test_years_outside_the_forms_are_not_found(officer_client: FlaskClient, year: str) -> None:
    assert officer_client.get(f"/console/kpi/activities?year={year}").status_code == 404


def test_fy2564_indicators_take_records_on_the_page(app: Flask, officer_client: FlaskClient) -> None:
    client, page_2564 = officer_client, "/console/kpi/activities?year=2564"
    page = client.get(page_2564).get_data(as_text=True)
    for key in ("2564-1", "2564-2", "2564-3", "2564-4", "2564-5", "2564-5.1", "2564-5.2"):
        scores_row(page, key)
    assert "ไม่มีเกณฑ์" in scores_row(page, "2564-1")
    assert "ยังไม่ได้บันทึกผล" in scores_row(page, "2564-5.1")
    assert 'value="2564-5.1|disbursement_pct"' in page and "(ระบุจำนวนร้อยละ)" in page
    token = token_on(client, page_2564)
    response = client.post("/console/kpi/activities", data={
        "csrf_token": token, "year": "2564", "indicator_kind": "2564-5.1|disbursement_pct", "date": "2021-09-09",
        "count": "96", "title": "แบบ ง.401 ข้อมูล ณ วันที่ 9 กันยายน 2564"}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = scores_row(client.get(page_2564).get_data(as_text=True), "2564-5.1")
    assert "ระดับ 4" in row and '<td class="points">9</td>' in row and "ร้อยละ 96" in row  # group A: 95 ≤ 96 < 100
    report = client.get("/console/kpi/report/yearly/2564.xlsx")
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    rows = [[c for c in row] for sheet in book for row in sheet.iter_rows(values_only=True)]
    first = next(r for r in rows if r[0] == "5.1")  # the summary of every FY2564 indicator comes first
    assert first[4] == "ระดับ 4" and first[6] == 9
