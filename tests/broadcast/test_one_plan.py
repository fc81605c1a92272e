"""Issue 11: planning a month of tips is one use case (handlers/tips/planning.py): `broadcast plan` and the
console's tips page show the same plan from the same settings, and a remedy applied by either changes the
same sends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from handlers.clock import BANGKOK, utcnow
from handlers.officers import AuditLog
from handlers.ports import DeliveryError, Quota
from handlers.tips.models import Broadcast
from handlers.tips.planning import LineFigures, TipsError, ask_line, plan_tips
from handlers.tips.schedule import create_tip, schedule
from tests.conftest import make_settings
from tests.console.conftest import add_officer, login, token_on
from tests.fakes import FakeMessenger

RESERVE = 7  # BROADCAST_QUOTA_RESERVE, read in Settings only


def _next_month() -> str:
    first = utcnow().astimezone(BANGKOK).replace(day=28) + dt.timedelta(days=7)
    return first.strftime("%Y-%m")


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """LINE: quota 300, 120 friends; four single-tip broadcasts planned next month (480 > 300 - 7)."""
    messenger = FakeMessenger(quota_limit=300, followers=120)
    application = create_app(make_settings(database_url, broadcast_quota_reserve=RESERVE), messenger=messenger)
    month = _next_month()
    with application.extensions["iao"].sessions.begin() as session:
        for day in (3, 10, 17, 24):
            tip = create_tip(session, f"เกร็ดวันที่ {day}")
            schedule(session, [tip], dt.datetime.fromisoformat(f"{month}-{day:02d}T09:00+07:00"))
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


@pytest.fixture
def officer(app: Flask) -> FlaskClient:
    add_officer(app)
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def _pending(app: Flask) -> list[int]:
    with app.extensions["iao"].sessions() as session:
        return list(session.scalars(select(Broadcast.id).where(Broadcast.status == "scheduled")
                                    .order_by(Broadcast.id)))


def test_cli_and_console_show_the_same_plan(app: Flask, officer: FlaskClient) -> None:
    month = _next_month()
    cli = json.loads(app.test_cli_runner().invoke(args=["broadcast", "plan", "--month", month, "--json"]).output)
    assert (cli["reserve"], cli["quota_limit"], cli["reach"]) == (RESERVE, 300, 120)
    assert (cli["planned_sends"], cli["planned_cost"], cli["available"]) == (4, 480, 300 - RESERVE)
    page = officer.get(f"/console/tips?month={month}").get_data(as_text=True)
    shown = re.search(r"กันไว้ให้เจ้าหน้าที่ (\d+) · ใช้ได้อีก (\d+)", page)
    assert shown and (int(shown.group(1)), int(shown.group(2))) == (cli["reserve"], cli["available"])
    assert f"{cli['planned_sends']} ครั้ง · {cli['planned_tips']} เกร็ด · ใช้ {cli['planned_cost']} ข้อความ" in page


@pytest.mark.parametrize("caller", ["cli", "console"])
def test_a_remedy_from_either_caller_bundles_the_same_sends(app: Flask, officer: FlaskClient, caller: str) -> None:
    month = _next_month()
    before = _pending(app)
    if caller == "cli":
        result = app.test_cli_runner().invoke(args=["broadcast", "plan", "--month", month, "--apply", "bundle",
                                                    "--json"])
        assert result.exit_code == 0, result.output
    else:
        token = token_on(officer, f"/console/tips?month={month}")
        officer.post("/console/tips/plan", data={"csrf_token": token, "month": month, "remedy": "bundle"})
        with app.extensions["iao"].sessions() as session:
            assert session.scalars(select(AuditLog.action).where(AuditLog.action == "tip-plan")).all() == ["tip-plan"]
    after = _pending(app)
    assert after == [before[0], before[2]]  # 293 available / 120 a broadcast: two sends of two tips each


def test_bad_requests_are_a_domain_error_not_a_click_one(app: Flask) -> None:
    line = LineFigures(Quota(300, 0), None, 120)
    with app.extensions["iao"].sessions() as session:
        with pytest.raises(TipsError, match="เดือนไม่ถูกต้อง"):
            plan_tips(session, line, "2026-13", reserve=RESERVE)
        with pytest.raises(TipsError):
            plan_tips(session, line, _next_month(), reserve=RESERVE, remedy="spam")


def test_line_unreadable_assumes_the_free_plan() -> None:
    class Down(FakeMessenger):
        def quota(self) -> Quota:
            raise DeliveryError("LINE quota failed with HTTP 503", status=503, retryable=True)

    line = ask_line(Down(followers=5))
    assert line.quota is None and "503" in (line.quota_error or "") and line.reach_from_line == 5
