"""Issue 11 (Deliver 4): the KPI activities page's forms (add with evidence, delete, override, clear) are
Flask-WTF classes; an over-long, missing or stranger value, or a wrong or oversized file, is refused with a
Thai message and nothing is saved."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from bot.console.activity_forms import REASON_MAX
from handlers.kpi.activities import FILE_MAX_BYTES, NOTE_MAX, TITLE_MAX, URL_MAX
from handlers.kpi.models import Activity, ActivityEvidence, IndicatorResult
from handlers.officers import AuditLog
from tests.console.conftest import token_on

PAGE = "/console/kpi/activities?year=2567"
GOOD = {"year": "2567", "indicator_kind": "2567-1.3-1|hosted_event", "date": "2024-03-05", "count": "2"}


def _count(app: Flask, model: type) -> int:
    with app.extensions["iao"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _audits(app: Flask, action: str) -> int:
    with app.extensions["iao"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


def _add(client: FlaskClient, token: str, fields: dict[str, str], file: FileStorage | None = None) -> TestResponse:
    """POST the add form as the page does (multipart), encoded in memory so a big file needs no temp file."""
    data: dict[str, object] = {"csrf_token": token, **fields}
    if file is not None:
        data["file"] = file
    boundary, body = encode_multipart(data)
    return client.post("/console/kpi/activities", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _flash(client: FlaskClient, response: TestResponse) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(PAGE).get_data(as_text=True)


def test_add_refusals(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, PAGE)
    cases = {
        f"ข้อความยาวเกิน {TITLE_MAX:,} ตัวอักษร": {**GOOD, "title": "ก" * (TITLE_MAX + 1)},
        f"ข้อความยาวเกิน {NOTE_MAX:,} ตัวอักษร": {**GOOD, "note": "ก" * (NOTE_MAX + 1)},
        f"ข้อความยาวเกิน {URL_MAX:,} ตัวอักษร": {**GOOD, "link": "https://example.org/" + "a" * URL_MAX},
        "กรุณาระบุวันที่ของกิจกรรม": {**GOOD, "date": ""},
        "กรุณาเลือกตัวชี้วัดและประเภทกิจกรรม": {**GOOD, "indicator_kind": ""},
        "ข้อความยาวเกิน 97 ตัวอักษร": {**GOOD, "indicator_kind": "2567-1.3-1|" + "x" * 90},
        "จำนวนต้องเป็นตัวเลขจำนวนเต็ม": {**GOOD, "count": "สอง"},
    }
    for message, bad in cases.items():
        page = _flash(client, _add(client, token, bad))
        assert "บันทึกไม่สำเร็จ" in page and message in page, message
    assert "จำนวนต้องเป็นตัวเลขจำนวนเต็ม" in _flash(client, _add(client, token, {**GOOD, "count": "1" * 8}))
    assert "ประเภทกิจกรรม" in _flash(client, _add(client, token, {**GOOD, "indicator_kind": "2567-1.3-1|party"}))

    wrong = FileStorage(io.BytesIO(b"MZ\x90\x00"), filename="setup.exe", content_type="application/pdf")
    page = _flash(client, _add(client, token, GOOD, wrong))
    assert "แนบได้เฉพาะไฟล์ PDF, JPEG, PNG, Word, Excel, CSV หรือข้อความ" in page
    disguised = FileStorage(io.BytesIO(b"<html>"), filename="letter.pdf", content_type="text/html")
    assert "แนบได้เฉพาะไฟล์ PDF" in _flash(client, _add(client, token, GOOD, disguised))  # the handler's type check
    big = FileStorage(io.BytesIO(b"%" * (FILE_MAX_BYTES + 1)), filename="scan.pdf", content_type="application/pdf")
    assert "ไฟล์หลักฐานใหญ่เกิน 1.5 MB" in _flash(client, _add(client, token, GOOD, big))
    assert _count(app, Activity) == 0 and _count(app, ActivityEvidence) == 0
    assert _audits(app, "kpi-activity-add") == 0

    # the caps are the limits, not below them: the longest title and a file of exactly the cap are stored
    at_cap = FileStorage(io.BytesIO(b"%" * FILE_MAX_BYTES), filename="scan.pdf", content_type="application/pdf")
    page = _flash(client, _add(client, token, {**GOOD, "title": "ก" * TITLE_MAX}, at_cap))
    assert "บันทึกกิจกรรมแล้ว" in page
    assert _count(app, Activity) == 1 and _count(app, ActivityEvidence) == 1


def test_override_refusals_and_clear(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, PAGE)
    good = {"csrf_token": token, "year": "2567", "indicator": "2567-1.2-1", "level": "4", "reason": "สถิติครบปี"}
    cases = {
        "กรุณาเลือกระดับ 1 ถึง 5": [{**good, "level": "9"}, {**good, "level": ""}, {**good, "level": "1" * 50}],
        "การปรับผลต้องระบุเหตุผล": [{**good, "reason": "   "}],
        f"ข้อความยาวเกิน {REASON_MAX:,} ตัวอักษร": [{**good, "reason": "ก" * (REASON_MAX + 1)}],
        "กรุณาเลือกตัวชี้วัด": [{**good, "indicator": ""}],
        "ข้อความยาวเกิน 64 ตัวอักษร": [{**good, "indicator": "2567-" + "1" * 60}],
        "ไม่พบตัวชี้วัด": [{**good, "indicator": "2567-9.9-9"}],
    }
    for message, bads in cases.items():
        for bad in bads:
            page = _flash(client, client.post("/console/kpi/activities/override", data=bad))
            assert message in page, bad
    assert _audits(app, "kpi-override") == 0
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(IndicatorResult)
                         .where(IndicatorResult.override_level.is_not(None))) == 0

    page = _flash(client, client.post("/console/kpi/activities/override", data=good))
    assert "เป็นระดับ 4 แล้ว" in page
    # clearing needs neither a level nor a reason (a stale over-long reason does not block it either)
    cleared = {"csrf_token": token, "year": "2567", "indicator": "2567-1.2-1", "clear": "1", "level": "x"}
    page = _flash(client, client.post("/console/kpi/activities/override", data=cleared))
    assert "ยกเลิกการปรับผลตัวชี้วัด" in page
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(IndicatorResult)
                         .where(IndicatorResult.override_level.is_not(None))) == 0
    assert _audits(app, "kpi-override") == 2


def test_delete_refusals(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, PAGE)
    assert "บันทึกกิจกรรมแล้ว" in _flash(client, _add(client, token, GOOD))
    with app.extensions["iao"].sessions() as db:
        activity_id = db.scalars(select(Activity.id)).one()
    path = f"/console/kpi/activities/{activity_id}/delete"
    assert client.post(path, data={"csrf_token": token, "year": "25" * 20}).status_code == 404
    page = _flash(client, client.post(path, data={"csrf_token": token, "year": "2566"}))
    assert "ไม่พบกิจกรรมนี้" in page
    assert client.post(path, data={"year": "2567"}).status_code == 400  # no CSRF token
    assert _count(app, Activity) == 1 and _audits(app, "kpi-activity-delete") == 0
