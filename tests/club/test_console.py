"""The console's English Club page (under ตัวชี้วัด): CSRF-checked forms add sessions, schedule the reminder,
record attendance by district, import a list, note findings and cancel; every change is audited."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.clock import BANGKOK
from handlers.club import service
from handlers.club.models import ClubAttendance, ClubSession
from handlers.officers import recent_audit
from handlers.tips.models import Broadcast
from tests.console.conftest import app, kb_dir, officer_client, token_on  # noqa: F401  (fixtures)

LINK = "https://meet.example.org/ecf"


def _sessions(application: Flask) -> list[ClubSession]:
    with application.extensions["iao"].sessions() as db:
        return list(db.scalars(select(ClubSession).order_by(ClubSession.held_on)))


def test_stranger_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/console/kpi/club")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_officer_runs_a_session_from_the_console(app: Flask, officer_client: FlaskClient) -> None:  # noqa: F811
    client = officer_client
    assert "กิจกรรม ผู้ลงทะเบียน และผู้เข้าร่วม" in client.get("/console/kpi").get_data(as_text=True)
    token = token_on(client, "/console/kpi/club")
    next_year = dt.datetime.now(BANGKOK).year + 1
    series = {"mode": "series", "first": f"{next_year}-05", "last": f"{next_year}-08", "topic": "ภาษาอังกฤษที่เคาน์เตอร์",
              "meeting_url": LINK, "starts_at": "13:30"}
    assert client.post("/console/kpi/club", data=series).status_code == 400  # no CSRF token
    assert _sessions(app) == []
    response = client.post("/console/kpi/club", data={**series, "csrf_token": token})
    assert response.status_code == 302
    rows = _sessions(app)
    assert [r.held_on for r in rows] == service.third_fridays((next_year, 5), (next_year, 8))
    bad = client.post("/console/kpi/club", data={"csrf_token": token, "mode": "one", "held_on": "2021-05-21",
                                                 "topic": "x", "meeting_url": "ftp://x"})
    assert bad.status_code == 400 and "ลิงก์ประชุมต้องขึ้นต้นด้วย https://" in bad.get_data(as_text=True)
    past = client.post("/console/kpi/club", data={"csrf_token": token, "mode": "one", "held_on": "2021-05-21",
                                                  "topic": "ครั้งแรกของปี 2564", "meeting_url": LINK})
    assert past.status_code == 302

    # the reminder of the first upcoming session: a tip send with the register button
    upcoming = rows[0]
    page = client.get(f"/console/kpi/club/{upcoming.id}").get_data(as_text=True)
    assert "ตั้งเวลาส่งแจ้งเตือน" in page and "บันทึกผู้เข้าร่วมได้หลังวันจัดกิจกรรม" in page
    response = client.post(f"/console/kpi/club/{upcoming.id}/remind",
                           data={"csrf_token": token, "at": f"{upcoming.held_on.isoformat()}T09:00", "audience": "all"})
    assert response.status_code == 302
    with app.extensions["iao"].sessions() as db:
        row = db.get(ClubSession, upcoming.id)
        send = db.get(Broadcast, row.reminder_broadcast_id or 0)  # type: ignore[union-attr]
        assert send is not None and send.status == "scheduled" and service.register_data(upcoming.id) in send.payload
    page = client.get(f"/console/kpi/club/{upcoming.id}").get_data(as_text=True)
    assert "รอส่ง" in page
    late = client.post(f"/console/kpi/club/{upcoming.id}/remind",
                       data={"csrf_token": token, "at": f"{upcoming.held_on.isoformat()}T14:00"})
    assert late.status_code == 400 and "ก่อนเวลาเริ่มกิจกรรม" in late.get_data(as_text=True)

    # after the 2021 session: attendance by district, then a list import replaces it, then a note
    held = next(r for r in _sessions(app) if r.held_on.year == 2021)
    response = client.post(f"/console/kpi/club/{held.id}/attendance",
                           data={"csrf_token": token, "d1004": "3", "d1007": "2", "d1028": ""})
    assert response.status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert service.attendance(db, held.id) == {"1004": 3, "1007": 2}
    wrong = client.post(f"/console/kpi/club/{held.id}/attendance", data={"csrf_token": token, "d1004": "สาม"})
    assert wrong.status_code == 400
    listing = io.BytesIO("district,attendees\nบางรัก,4\nสาทร,1\n".encode())
    response = client.post(f"/console/kpi/club/{held.id}/attendance/import",
                           data={"csrf_token": token, "file": (listing, "zoom.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert service.attendance(db, held.id) == {"1004": 4, "1028": 1}
        assert {a.via for a in db.scalars(select(ClubAttendance))} == {"import"}
    response = client.post(f"/console/kpi/club/{held.id}/note",
                           data={"csrf_token": token, "note": "ZOOM ฟรีจำกัด 45 นาที <script>x</script>"})
    assert response.status_code == 302
    page = client.get(f"/console/kpi/club/{held.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>x" not in page
    assert re.search(r'id="club-attended">5<', page)
    listing_page = client.get("/console/kpi/club").get_data(as_text=True)
    assert re.search(rf'id="club-att-{held.id}">5 คน', listing_page)

    # cancelling a session stops its unsent reminder
    response = client.post(f"/console/kpi/club/{upcoming.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert db.get(Broadcast, send.id).status == "cancelled"  # type: ignore[union-attr]
        actions = [a.action for a in recent_audit(db)]
    for action in ("club-plan", "club-add", "club-remind", "club-attendance", "club-import", "club-note",
                   "club-cancel"):
        assert action in actions
