"""English Club Friday records: sessions, a register tap through the signed webhook, the reminder within the
quota, attendance by district, and the month's counts (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import pytest
from flask import Flask
from sqlalchemy import func, select

from handlers.clock import BANGKOK
from handlers.club import service
from handlers.club.models import ClubRegistration, ClubSession
from handlers.kpi import close_month
from handlers.ports import Quota
from handlers.tips.models import Broadcast
from handlers.tips.planning import plan_month
from handlers.tips.sending import SendPolicy, send_due
from tests.conftest import Line
from tests.fakes import FakeMessenger, follow_event, postback_event, text_event

A, B, C = ("U" + ch * 32 for ch in "abc")
LINK = "https://meet.example.org/english-club"


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BANGKOK)


def add(app: Flask, day: dt.date, topic: str = "การทักทายชาวต่างชาติที่เคาน์เตอร์", **kw: str) -> int:
    with app.extensions["iao"].sessions.begin() as db:
        return service.create_session(db, service.SessionInput(day.isoformat(), topic, LINK, **kw), by="test").id


def join(line: Line, user: str, district: str | None, when: dt.datetime) -> None:
    """Follow @IAO and (optionally) choose a district, as district staff do."""
    assert line.post(follow_event(user, timestamp_ms=ms(when))) == 200
    if district:
        assert line.post(text_event(user, district, timestamp_ms=ms(when + dt.timedelta(minutes=1)))) == 200


def test_third_fridays_are_the_seed_dates() -> None:
    # seed 001: «วันศุกร์ที่ 3 ของทุกเดือน ตั้งแต่เดือนพฤษภาคม – สิงหาคม 2564 รวมทั้งสิ้น 4 ครั้ง»
    assert service.third_fridays((2021, 5), (2021, 8)) == [
        dt.date(2021, 5, 21), dt.date(2021, 6, 18), dt.date(2021, 7, 16), dt.date(2021, 8, 20)]
    assert service.date_th(dt.date(2021, 5, 21)) == "วันศุกร์ที่ 21 พฤษภาคม 2564"


def test_bad_session_input_names_every_fault_in_thai(app: Flask) -> None:
    with app.extensions["iao"].sessions() as db:
        with pytest.raises(service.ClubError) as caught:
            service.create_session(db, service.SessionInput("21/05/2564", " ", "javascript:alert(1)", "25:00",
                                                            "0"), by="t")
    assert len(caught.value.problems) == 5
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in p) for p in caught.value.problems)


def test_register_tap_twice_registers_once_with_date_link_and_district(app: Flask, line: Line,
                                                                        messenger: FakeMessenger) -> None:
    today = dt.datetime.now(BANGKOK).date()
    day = today + dt.timedelta(days=10)
    session_id = add(app, day, starts_at="13:30")
    join(line, A, "บางรัก", dt.datetime.now(BANGKOK) - dt.timedelta(minutes=5))
    tap = postback_event(A, service.register_data(session_id))
    assert line.post(tap) == 200
    first = "\n".join(line.replies(tap))
    assert "ลงทะเบียนเข้าร่วม English Club Friday แล้วค่ะ" in first
    assert service.date_th(day) + " เวลา 13.30 น." in first and LINK in first and "สำนักงานเขตบางรัก" in first
    again = postback_event(A, service.register_data(session_id))
    assert line.post(again) == 200
    second = "\n".join(line.replies(again))
    assert "ลงทะเบียน English Club Friday ครั้งนี้ไว้แล้ว" in second and LINK in second
    with app.extensions["iao"].sessions() as db:
        rows = list(db.scalars(select(ClubRegistration)))
        assert len(rows) == 1 and rows[0].via == "postback" and rows[0].district_id is not None


def test_typed_registration_is_for_the_next_session_and_is_not_a_question(app: Flask, line: Line) -> None:
    today = dt.datetime.now(BANGKOK).date()
    add(app, today + dt.timedelta(days=30), topic="ครั้งที่สอง")
    first_id = add(app, today + dt.timedelta(days=3), topic="ครั้งแรก")
    join(line, B, "ปทุมวัน", dt.datetime.now(BANGKOK) - dt.timedelta(minutes=5))
    typed = text_event(B, "ลงทะเบียน English Club")
    assert line.post(typed) == 200
    assert "ครั้งแรก" in "\n".join(line.replies(typed))
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(ClubRegistration.session_id)) == first_id
        now = dt.datetime.now(BANGKOK)
        counts = close_month(db, now.year, now.month, now)
        assert counts.questions == 0  # a sign-up is not a question, like a district registration


def test_past_cancelled_and_unknown_sessions_do_not_register(app: Flask, line: Line) -> None:
    past = add(app, dt.date(2021, 5, 21))
    soon = add(app, dt.datetime.now(BANGKOK).date() + dt.timedelta(days=5))
    with app.extensions["iao"].sessions.begin() as db:
        service.cancel_session(db, db.get(ClubSession, soon))
    join(line, C, "สาทร", dt.datetime.now(BANGKOK) - dt.timedelta(minutes=5))
    replies = []
    for data in (service.register_data(past), service.register_data(soon), "action=club-register&s=999",
                 "action=club-register&s=x"):
        event = postback_event(C, data)
        assert line.post(event) == 200
        replies.append("\n".join(line.replies(event)))
    assert "จัดไปแล้ว" in replies[0] and "ยกเลิกแล้ว" in replies[1]
    assert "ไม่พบกิจกรรมนี้" in replies[2] and "ไม่พบกิจกรรมนี้" in replies[3]
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(ClubRegistration)) == 0


def test_reminder_is_a_tip_send_priced_in_the_plan_and_held_when_the_quota_does_not_fit(
        app: Flask, messenger: FakeMessenger) -> None:
    sessions = app.extensions["iao"].sessions
    now = dt.datetime.now(dt.UTC)
    day = (now + dt.timedelta(days=2)).astimezone(BANGKOK).date()
    session_id = add(app, day, starts_at="23:59")
    when = now + dt.timedelta(hours=1)
    with sessions.begin() as db:
        send = service.schedule_reminder(db, db.get(ClubSession, session_id), when, now=now)
        send_id = send.id
    with sessions() as db:
        month = when.astimezone(BANGKOK).strftime("%Y-%m")
        plan = plan_month(db, month, quota=Quota(300, 0), reach=250, now=now)
        assert any(s["id"] == send_id and s["cost"] == 250 for s in plan.sends)  # priced like every tip
    messenger.followers, messenger.quota_limit, messenger.quota_used = 250, 300, 100
    report = send_due(sessions, messenger, now=when + dt.timedelta(minutes=1), policy=SendPolicy(backoff=0))
    assert report.held == [send_id] and messenger.broadcasts == []  # 100 + 250 > 300 - 20: held, not lost
    messenger.quota_used = 0
    report = send_due(sessions, messenger, now=when + dt.timedelta(hours=2), policy=SendPolicy(backoff=0))
    assert report.sent == [send_id]
    (messages, _key), = messenger.broadcasts
    button = messages[0].quick_replies[0]
    assert parse_qs(button.data or "") == {"action": ["club-register"], "s": [str(session_id)]}
    assert service.date_th(day) in messages[0].text and "ลงทะเบียน English Club" in messages[0].text
    with sessions() as db:
        row = db.get(Broadcast, send_id)
        assert row is not None and row.status == "sent" and row.messages_consumed == 250
        with pytest.raises(service.ClubError):  # sent once: a second reminder would cost twice
            service.schedule_reminder(db, db.get(ClubSession, session_id), None, now=now)
        assert json.loads(row.payload)[0]["quick_replies"][0]["data"] == service.register_data(session_id)


def test_rescheduling_replaces_the_unsent_reminder(app: Flask) -> None:
    now = dt.datetime.now(dt.UTC)
    session_id = add(app, (now + dt.timedelta(days=4)).astimezone(BANGKOK).date())
    with app.extensions["iao"].sessions.begin() as db:
        row = db.get(ClubSession, session_id)
        first = service.schedule_reminder(db, row, now + dt.timedelta(hours=2), now=now).id
        second = service.schedule_reminder(db, row, None, now=now).id
    with app.extensions["iao"].sessions() as db:
        assert db.get(Broadcast, first).status == "cancelled"  # type: ignore[union-attr]
        assert db.get(Broadcast, second).status == "scheduled"  # type: ignore[union-attr]
        with pytest.raises(service.ClubError, match="อนาคต"):
            service.schedule_reminder(db, db.get(ClubSession, session_id), now - dt.timedelta(hours=1), now=now)


def test_attendance_list_by_district_and_its_faults() -> None:
    rows = "district,attendees\nเขตบางรัก,\nBang Rak,\nปทุมวัน,3\n".encode()
    assert service.parse_attendance_list(rows) == {"1004": 2, "1007": 3}
    with pytest.raises(service.ClubError) as caught:
        service.parse_attendance_list("district,attendees\nดาวอังคาร,1\nบางรัก,สอง\n".encode())
    assert caught.value.problems == ['แถว 2: ไม่รู้จักสำนักงานเขต "ดาวอังคาร"', "แถว 3: จำนวนผู้เข้าร่วมต้องเป็นจำนวนเต็ม"]
    with pytest.raises(service.ClubError):
        service.parse_attendance_list(b"name\nx\n")


def test_month_counts_sessions_registrations_attendance_and_districts(app: Flask, line: Line) -> None:
    # May 2021 (FY2564): one session held on the 3rd Friday, three registrants from two districts
    day = dt.date(2021, 5, 21)
    session_id = add(app, day)
    for user, district in ((A, "บางรัก"), (B, "บางรัก"), (C, "ปทุมวัน")):
        join(line, user, district, at(dt.date(2021, 5, 10)))
        assert line.post(postback_event(user, service.register_data(session_id),
                                        timestamp_ms=ms(at(dt.date(2021, 5, 20))))) == 200
    with app.extensions["iao"].sessions.begin() as db:
        row = db.get(ClubSession, session_id)
        service.record_attendance(db, row, service.parse_attendance_list(
            "district\nบางรัก\nบางรัก\nสาทร\n".encode()), by="test", via="import")
        service.set_note(db, row, "Zoom แบบไม่เสียค่าใช้จ่ายจำกัดเวลา 45 นาที")
    with app.extensions["iao"].sessions() as db:
        club = close_month(db, 2021, 5, dt.datetime.now(dt.UTC)).english_club
    assert club["sessions_held"] == 1 and club["registrations"] == 3 and club["attendance"] == 3
    assert club["districts_registered"] == 2 and club["districts_reached"] == 2  # บางรัก, สาทร
    assert club["registrations_by_district"] == {"1004": 2, "1007": 1}
    assert club["attendance_by_district"] == {"1004": 2, "1028": 1}
    assert club["sessions"][0]["note"].startswith("Zoom") and club["sessions"][0]["attendance_recorded"]


def test_export_lists_registrations_and_forget_keeps_the_counts(app: Flask, line: Line) -> None:
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=6)
    session_id = add(app, day)
    join(line, A, "บางรัก", dt.datetime.now(BANGKOK) - dt.timedelta(minutes=5))
    assert line.post(postback_event(A, service.register_data(session_id))) == 200
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["user", "export", A])
    assert exported.exit_code == 0, exported.output
    registrations = json.loads(exported.output)["english_club_registrations"]
    assert [r["session_date"] for r in registrations] == [day.isoformat()]
    assert runner.invoke(args=["user", "forget", A, "--yes"]).exit_code == 0
    with app.extensions["iao"].sessions() as db:
        club = close_month(db, day.year, day.month, dt.datetime.now(dt.UTC)).english_club
    assert club["registrations"] == 1 and club["registrations_by_district"] == {"1004": 1}


def test_a_reminder_bundled_by_the_plan_is_followed_to_its_send(app: Flask, messenger: FakeMessenger) -> None:
    from handlers.club.figures import club_month
    from handlers.tips.planning import apply_remedy
    from handlers.tips.schedule import create_tip, schedule

    sessions = app.extensions["iao"].sessions
    # a fixed moment in the middle of a future month, so both sends always fall in one quota month
    now = dt.datetime(2031, 5, 13, 3, 0, tzinfo=dt.UTC)
    day = (now + dt.timedelta(days=3)).astimezone(BANGKOK).date()
    session_id = add(app, day)
    with sessions.begin() as db:
        tip = create_tip(db, "เกร็ดความรู้ ตม.30", now=now)
        first = schedule(db, [tip], now + dt.timedelta(hours=1)).id  # earlier: the bundle's head
        reminder = service.schedule_reminder(db, db.get(ClubSession, session_id), now + dt.timedelta(hours=2),
                                             now=now).id
        apply_remedy(db, "2031-05", "bundle", now=now, reach=10, available=10)  # room for one send: bundle
    with sessions() as db:
        merged = db.get(Broadcast, reminder)
        assert merged is not None and merged.status == "cancelled"  # folded into the earlier send
        assert service.reminder_send(db, db.get(ClubSession, session_id)).id == first  # type: ignore[union-attr]
        assert service.register_data(session_id) in db.get(Broadcast, first).payload  # type: ignore[union-attr]
    messenger.followers = 10
    assert send_due(sessions, messenger, now=now + dt.timedelta(hours=1, minutes=1),
                    policy=SendPolicy(backoff=0)).sent == [first]
    with sessions() as db:
        club = club_month(db, day.replace(day=1), day, day)
    assert club["reminders_sent"] == 1 and club["reminder_messages"] == 10
