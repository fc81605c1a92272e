"""Issue 11 (Deliver 4): the tips, directory, KPI, privacy and English Club forms are Flask-WTF classes; each
refuses an over-long field, a missing one or a bad choice with a Thai message, and nothing is saved."""

from __future__ import annotations

import datetime as dt
import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bot.console.club_forms import COUNT_DIGITS
from bot.console.forms import LINE_ID_MAX, TIP_TEXT_MAX
from handlers.clock import BANGKOK
from handlers.club import service as club
from handlers.club.models import ClubAttendance, ClubSession
from handlers.directory.models import Mission, MissionChange
from handlers.directory.records import MAX_LENGTH
from handlers.officers import AuditLog
from handlers.tips.models import Broadcast, Tip
from tests.console.conftest import add_officer, login, token_on

LINK = "https://meet.example.org/ecf"
THAI = range(0x0E00, 0x0E80)


def _count(app: Flask, model: type) -> int:
    with app.extensions["iao"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _thai(text: str) -> bool:
    return any(ord(c) in THAI for c in text)


def _big_upload(client: FlaskClient, path: str, token: str, size: int, name: str):  # type: ignore[no-untyped-def]
    """POST a file of `size` bytes, encoded in memory (the test client spools a big body to a file it never closes)."""
    boundary, body = encode_multipart({"csrf_token": token,
                                       "file": FileStorage(io.BytesIO(b"a" * size), filename=name)})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _later() -> str:
    return (dt.datetime.now(BANGKOK) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def test_tip_schedule_refusals(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/tips")
    cases = {
        "ข้อความยาวเกิน 2,000 ตัวอักษร": {"mode": "once", "text": "ก" * (TIP_TEXT_MAX + 1), "at": _later()},
        "ค่าที่เลือกไม่ถูกต้อง": {"mode": "monthly", "text": "x", "at": _later()},
        "เลือกผู้รับ": {"mode": "once", "text": "x", "audience": "everyone", "at": _later()},
        "ข้อความยาวเกิน 1,000": {"mode": "once", "text": "x", "link": "https://x.org/" + "a" * 1000, "at": _later()},
        "ข้อความยาวเกิน 40": {"mode": "once", "text": "x", "at": "2".ljust(41, "0")},
    }
    for message, bad in cases.items():
        page = client.post("/console/tips", data={**bad, "csrf_token": token}, follow_redirects=True)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "ตั้งเวลาไม่สำเร็จ" in text and message in text, bad
    stranger_day = client.post("/console/tips", data={"csrf_token": token, "mode": "weekly", "text": "x",
                                                      "days": ["tue", "someday"], "time": "09:00"},
                               follow_redirects=True).get_data(as_text=True)
    assert "ค่าที่เลือกไม่ถูกต้อง" in stranger_day
    assert _count(app, Tip) == 0 and _count(app, Broadcast) == 0
    # the maximum is still accepted, so the cap is the limit and not below it
    ok = client.post("/console/tips", data={"csrf_token": token, "mode": "once", "text": "ก" * TIP_TEXT_MAX,
                                            "at": _later()})
    assert ok.status_code == 302 and _count(app, Broadcast) == 1


def test_tip_plan_refuses_an_unknown_remedy_in_thai(app: Flask, officer_client: FlaskClient) -> None:
    token = token_on(officer_client, "/console/tips")
    for data in ({"remedy": "magic"}, {}, {"remedy": "bundle", "month": "2026-" + "1" * 30}):
        response = officer_client.post("/console/tips/plan", data={**data, "csrf_token": token})
        assert response.status_code == 400 and _thai(response.get_data(as_text=True)), data
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).where(AuditLog.action == "tip-plan")) == 0


def test_kpi_close_refuses_an_overlong_month(app: Flask, officer_client: FlaskClient) -> None:
    token = token_on(officer_client, "/console/kpi")
    response = officer_client.post("/console/kpi/close", data={"csrf_token": token, "month": "2" * 30})
    assert response.status_code == 400 and "ข้อความยาวเกิน 20 ตัวอักษร" in response.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).where(AuditLog.action.like("kpi%"))) == 0


def test_privacy_refusals(app: Flask) -> None:
    add_officer(app, "admin1", role="admin")
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    token = token_on(client, "/console/privacy")
    for path in ("/console/privacy/export", "/console/privacy/forget"):
        missing = client.post(path, data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
        assert "กรุณาใส่รหัสผู้ใช้ LINE" in missing.get_data(as_text=True)
        long = client.post(path, data={"csrf_token": token, "confirm": "1", "line_user_id": "U" * (LINE_ID_MAX + 1)},
                           follow_redirects=True)
        assert f"ข้อความยาวเกิน {LINE_ID_MAX} ตัวอักษร" in long.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).where(AuditLog.action.like("user-%"))) == 0


def test_directory_refusals(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/directory")
    with app.extensions["iao"].sessions() as db:
        mission = db.scalars(select(Mission).order_by(Mission.id)).first()
        assert mission is not None
        form = {c: ("" if getattr(mission, c) is None else str(getattr(mission, c))) for c in MAX_LENGTH if c != "key"}
        mission_id, phones = mission.id, mission.phones
    changes = _count(app, MissionChange)
    long = client.post(f"/console/directory/{mission_id}",
                       data={**form, "csrf_token": token, "phones": "1" * (MAX_LENGTH["phones"] + 1)})
    assert long.status_code == 400 and "phones ข้อความยาวเกิน 300 ตัวอักษร" in long.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.get(Mission, mission_id).phones == phones  # type: ignore[union-attr]
    assert _count(app, MissionChange) == changes

    none = client.post("/console/directory/import", data={"csrf_token": token}, content_type="multipart/form-data",
                       follow_redirects=True)
    assert "กรุณาเลือกไฟล์ .csv หรือ .xlsx" in none.get_data(as_text=True)
    wrong = client.post("/console/directory/import", data={"csrf_token": token, "file": (io.BytesIO(b"x"), "x.exe")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 400 and "รับเฉพาะไฟล์ .csv หรือ .xlsx" in wrong.get_data(as_text=True)
    big = _big_upload(client, "/console/directory/import", token, 2_000_001, "x.csv")
    assert big.status_code == 400 and "ไฟล์ใหญ่เกิน 2 MB" in big.get_data(as_text=True)
    export = client.post("/console/directory/export", data={"csrf_token": token, "format": "pdf"})
    assert export.status_code == 400 and "csv หรือ xlsx" in export.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).where(AuditLog.action.like("directory-%"))) == 0


def test_club_refusals(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/kpi/club")
    one = {"csrf_token": token, "mode": "one", "held_on": "2021-05-21", "topic": "ครั้งแรก", "meeting_url": LINK}
    long = client.post("/console/kpi/club", data={**one, "topic": "ก" * (club.TOPIC_MAX + 1)})
    assert long.status_code == 400 and "หัวข้อ: ข้อความยาวเกิน 300 ตัวอักษร" in long.get_data(as_text=True)
    mode = client.post("/console/kpi/club", data={**one, "mode": "weekly"})
    assert mode.status_code == 400 and "ค่าที่เลือกไม่ถูกต้อง" in mode.get_data(as_text=True)
    series = client.post("/console/kpi/club", data={**one, "mode": "series", "first": "2026-0" + "1" * 10})
    assert series.status_code == 400 and "ตั้งแต่เดือน: ข้อความยาวเกิน 10" in series.get_data(as_text=True)
    assert _count(app, ClubSession) == 0
    assert client.post("/console/kpi/club", data=one).status_code == 302
    with app.extensions["iao"].sessions() as db:
        row = db.scalars(select(ClubSession)).one()
        session_id, topic = row.id, row.topic

    edit = {**one, "note": ""}
    edit.pop("mode")
    bad_edit = client.post(f"/console/kpi/club/{session_id}", data={**edit, "meeting_url": LINK + "/" + "a" * 500})
    assert bad_edit.status_code == 400 and "ลิงก์ประชุมออนไลน์: ข้อความยาวเกิน 500" in bad_edit.get_data(as_text=True)
    note = client.post(f"/console/kpi/club/{session_id}/note",
                       data={"csrf_token": token, "note": "ก" * (club.NOTE_MAX + 1)})
    assert note.status_code == 400 and "ข้อความยาวเกิน 4,000 ตัวอักษร" in note.get_data(as_text=True)
    remind = client.post(f"/console/kpi/club/{session_id}/remind",
                         data={"csrf_token": token, "at": "", "audience": "everyone"})
    assert remind.status_code == 400 and "ผู้รับ: ค่าที่เลือกไม่ถูกต้อง" in remind.get_data(as_text=True)
    with app.extensions["iao"].sessions() as db:
        row = db.get(ClubSession, session_id)
        assert row is not None and row.topic == topic and not row.note and row.reminder_broadcast_id is None

    digits = client.post(f"/console/kpi/club/{session_id}/attendance",
                         data={"csrf_token": token, "d1004": "1" * (COUNT_DIGITS + 1)})
    assert digits.status_code == 400 and "เขตบางรักต้องเป็นจำนวนเต็ม" in digits.get_data(as_text=True)
    none = client.post(f"/console/kpi/club/{session_id}/attendance/import", data={"csrf_token": token},
                       content_type="multipart/form-data")
    assert none.status_code == 400 and "กรุณาเลือกไฟล์ .csv" in none.get_data(as_text=True)
    big = _big_upload(client, f"/console/kpi/club/{session_id}/attendance/import", token, club.IMPORT_MAX_BYTES + 1,
                      "list.csv")
    assert big.status_code == 400 and "ไฟล์ใหญ่เกิน 1 MB" in big.get_data(as_text=True)
    xlsx = client.post(f"/console/kpi/club/{session_id}/attendance/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"district,attendees\n"), "list.xlsx")},
        content_type="multipart/form-data")
    assert xlsx.status_code == 400 and "รับเฉพาะไฟล์ .csv" in xlsx.get_data(as_text=True)
    assert _count(app, ClubAttendance) == 0
