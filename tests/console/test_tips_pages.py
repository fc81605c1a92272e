"""The console's tips page: schedule (one-off, weekly, English Club), cancel, calendar, quota gauge and notices."""

from __future__ import annotations

import datetime as dt
import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.console.tips_views import describe_rule, read_quota, weekly_rule
from handlers.clock import BANGKOK
from handlers.officers import recent_audit
from handlers.ports import DeliveryError, Quota
from handlers.tips.models import Broadcast, Notice, Tip
from handlers.tips.schedule import ENGLISH_CLUB_RULE
from tests.console.conftest import token_on
from tests.fakes import FakeMessenger

TIP = "ชาวต่างชาติแจ้งที่พัก ตม.30 ภายใน 24 ชั่วโมง <b>สำคัญ</b>"


def _next_month_day() -> dt.datetime:
    """The 10th of next month, 09:00 Bangkok (always in the future)."""
    today = dt.datetime.now(BANGKOK)
    first_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=10, hour=9, minute=0, second=0,
                                                                         microsecond=0)
    return first_next


def _cli_list(app: Flask) -> list[dict[str, object]]:
    """What `flask broadcast list --json` prints."""
    result = app.test_cli_runner().invoke(args=["broadcast", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _actions(app: Flask) -> list[str]:
    """The audit log's actions, newest first."""
    with app.extensions["iao"].sessions() as session:
        return [row.action for row in recent_audit(session)]


def test_stranger_is_sent_to_login(client: FlaskClient) -> None:
    for path in ("/console/tips", "/console/kpi", "/console/kpi?month=2026-10"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/console/login" in response.headers["Location"]


def test_schedule_list_and_cancel(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/tips")
    when = _next_month_day()
    form = {"mode": "once", "text": TIP, "link": "https://www.immigration.go.th/", "entry": "tm30-basics",
            "at": when.strftime("%Y-%m-%dT%H:%M"), "audience": "all"}
    assert client.post("/console/tips", data=form).status_code == 400  # no CSRF token
    response = client.post("/console/tips", data={**form, "csrf_token": token})
    assert response.status_code == 302
    month = when.strftime("%Y-%m")
    assert f"month={month}" in response.headers["Location"]

    page = client.get(f"/console/tips?month={month}").get_data(as_text=True)
    assert "&lt;b&gt;สำคัญ&lt;/b&gt;" in page and "<b>สำคัญ</b>" not in page  # user text is escaped
    assert "รอส่ง" in page and when.strftime("%d/%m/%Y 09:00") in page
    sends = _cli_list(app)
    assert len(sends) == 1 and sends[0]["status"] == "scheduled" and sends[0]["text"] == TIP
    assert str(sends[0]["scheduled_at"]).startswith(when.strftime("%Y-%m-%dT09:00:00+07:00"))
    assert _actions(app)[0] == "tip-schedule"

    send_id = sends[0]["id"]
    assert client.post(f"/console/tips/{send_id}/cancel").status_code == 400  # no CSRF token
    assert client.post(f"/console/tips/{send_id}/cancel", data={"csrf_token": token}).status_code == 302
    assert _cli_list(app)[0]["status"] == "cancelled"
    assert _actions(app)[0] == "tip-cancel"
    page = client.get(f"/console/tips?month={month}").get_data(as_text=True)
    assert "ยกเลิกแล้ว" in page
    client.post(f"/console/tips/{send_id}/cancel", data={"csrf_token": token})
    assert f"ยกเลิก #{send_id} ไม่ได้" in client.get(f"/console/tips?month={month}").get_data(as_text=True)


def test_recurring_rules_and_calendar(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/tips")
    assert client.post("/console/tips", data={"csrf_token": token, "mode": "weekly", "days": ["tue", "fri"],
                                              "time": "09:00", "text": "เกร็ดประจำสัปดาห์"}).status_code == 302
    assert client.post("/console/tips", data={"csrf_token": token, "mode": "english-club", "text": ""}
                       ).status_code == 302
    with app.extensions["iao"].sessions() as session:
        rules = [t.rule for t in session.scalars(select(Tip).order_by(Tip.id))]
    assert rules == ["0 9 * * tue,fri", ENGLISH_CLUB_RULE]
    assert _actions(app)[:2] == ["tip-recurring", "tip-recurring"]
    month = _next_month_day().strftime("%Y-%m")
    page = client.get(f"/console/tips?month={month}").get_data(as_text=True)
    assert "English Club Friday" in page and "เกร็ดประจำสัปดาห์" in page
    assert "ทุก อ. ศ. เวลา 09:00" in page and "วันศุกร์ที่ 3 ของทุกเดือน เวลา 09:00" in page
    assert len(re.findall(r'class="ev s-rule"', page)) >= 9  # 8+ Tue/Fri and the third Friday
    assert "ใช้ไป" in page and "จาก 300" in page  # the fake LINE reports a 300 quota


def test_bad_form_is_refused(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    token = token_on(client, "/console/tips")
    for bad in ({"mode": "once", "text": "x", "at": "2000-01-01T09:00"},
                {"mode": "once", "text": "", "at": _next_month_day().strftime("%Y-%m-%dT%H:%M")},
                {"mode": "weekly", "text": "x", "time": "09:00"},
                {"mode": "once", "text": "x", "at": "soon"},
                {"mode": "once", "text": "x", "link": "javascript:alert(1)", "at": "2099-01-01T09:00"},
                {"mode": "once", "text": "x", "entry": "no-such-entry", "at": "2099-01-01T09:00"}):
        response = client.post("/console/tips", data={**bad, "csrf_token": token}, follow_redirects=True)
        assert "ตั้งเวลาไม่สำเร็จ" in response.get_data(as_text=True), bad
    assert _cli_list(app) == []


def test_held_notice_and_plan_remedies(app: Flask, officer_client: FlaskClient) -> None:
    client = officer_client
    now = dt.datetime.now(BANGKOK)
    with app.extensions["iao"].sessions.begin() as session:
        row = Broadcast(text="เกร็ดที่โควตาไม่พอ", payload="[]", scheduled_at=now, status="held_for_quota",
                        reason="needs 400 messages; 280 left this month")
        session.add(row)
        session.flush()
        session.add(Notice(kind="held_for_quota", broadcast_id=row.id, text="tip held: <quota>"))
    page = client.get("/console/tips").get_data(as_text=True)
    assert "พักไว้เพราะโควตา" in page and "tip held: &lt;quota&gt;" in page
    assert "พักไว้ (โควตาไม่พอ)" in page
    with app.extensions["iao"].sessions() as session:
        notice_id = session.scalars(select(Notice.id)).one()
    token = token_on(client, "/console/tips")
    assert client.post(f"/console/tips/notices/{notice_id}/ack", data={"csrf_token": token}).status_code == 302
    assert "tip held: &lt;quota&gt;" not in client.get("/console/tips").get_data(as_text=True)
    assert _actions(app)[0] == "notice-ack"


def test_quota_reading() -> None:
    assert read_quota(None)[0].left_text == "ไม่ทราบ"

    def failing() -> Quota:
        raise DeliveryError("LINE is down", status=503, retryable=True)

    gauge, quota = read_quota(failing)
    assert not gauge.known and gauge.left_text == "ไม่ทราบ" and quota is None
    gauge, quota = read_quota(lambda: Quota(300, 120))
    assert (gauge.used, gauge.limit, gauge.percent, gauge.left_text) == (120, 300, 40, "180")
    assert read_quota(lambda: Quota(None, 5))[0].left_text == "ไม่จำกัด"
    assert weekly_rule(["fri", "tue"], "09:30") == "30 9 * * tue,fri"
    assert describe_rule("30 9 * * tue,fri") == "ทุก อ. ศ. เวลา 09:30"
    assert describe_rule(ENGLISH_CLUB_RULE) == "วันศุกร์ที่ 3 ของทุกเดือน เวลา 09:00"
    assert describe_rule("0 9 1 * *") == "0 9 1 * *"


def test_plan_remedy_bundles_sends(app: Flask, officer_client: FlaskClient, messenger: FakeMessenger) -> None:
    messenger.quota_limit, messenger.followers = 45, 20  # 20 per broadcast; 25 left after the reserve
    client = officer_client
    token = token_on(client, "/console/tips")
    when = _next_month_day()
    for day in (10, 12, 14):
        assert client.post("/console/tips", data={"csrf_token": token, "mode": "once", "text": f"เกร็ด {day}",
                                                  "at": when.replace(day=day).strftime("%Y-%m-%dT%H:%M")}
                           ).status_code == 302
    month = when.strftime("%Y-%m")
    page = client.get(f"/console/tips?month={month}").get_data(as_text=True)
    assert "เกินโควตา" in page and "ใช้วิธีนี้กับรายการที่ยังไม่ส่ง" in page
    assert client.post("/console/tips/plan", data={"csrf_token": token, "month": month, "remedy": "bundle"}
                       ).status_code == 302
    statuses = sorted(str(s["status"]) for s in _cli_list(app))
    assert statuses == ["cancelled", "cancelled", "scheduled"]
    assert _actions(app)[0] == "tip-plan"
    assert "พอดีโควตา" in client.get(f"/console/tips?month={month}").get_data(as_text=True)
