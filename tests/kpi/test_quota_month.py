"""LINE's quota month turns at midnight Japan time (22:00 Bangkok): the KPI quota figures and the plan use it."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from handlers.clock import bangkok_day
from handlers.kpi import close_month
from handlers.kpi.periods import quota_month_bounds, quota_month_of
from handlers.models import Interaction
from handlers.ports import Quota
from handlers.tips.models import Broadcast
from handlers.tips.planning import plan_month, render_plan
from handlers.tips.schedule import create_tip, schedule
from tests.kpi.test_close_month import bkk


def test_quota_month_bounds_are_midnight_japan_time() -> None:
    start, end = quota_month_bounds(2026, 12)
    assert start == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)  # 00:00 JST = 22:00 Bangkok
    assert end == dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC)
    assert quota_month_of(bkk(30, 21, 59)) == (2026, 11)
    assert quota_month_of(bkk(30, 22, 0)) == (2026, 12)
    jan_start, _ = quota_month_bounds(2027, 1)
    assert jan_start == end  # consecutive months meet


def _push(at: dt.datetime) -> Interaction:
    """A delivered officer push at a Bangkok moment."""
    return Interaction(occurred_at=at, bkk_day=bangkok_day(at), direction="out", kind="push", text="คำตอบ",
                       answered_by="officer", delivery="sent")


def test_kpi_counts_quota_in_lines_month_and_tips_in_bangkoks(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        session.add_all([_push(bkk(30, 21, 59)), _push(bkk(30, 22, 30)), _push(bkk(31, 21, 0, month=10))])
        for at in (bkk(30, 22, 30), bkk(30, 21, 0)):
            session.add(Broadcast(text="เกร็ด", payload="[]", scheduled_at=at, status="sent", sent_at=at,
                                  recipients=10, messages_consumed=10))
        november = close_month(session, 2026, 11, bkk(1, 9, month=12))
        december = close_month(session, 2026, 12, bkk(1, 9, month=1, year=2027))
    # the tip at 22:30 on 30 November is a November tip (Bangkok) but December quota (Japan)
    assert november.broadcasts_sent == 2 and december.broadcasts_sent == 0
    assert november.messages_consumed_broadcast == 10 and december.messages_consumed_broadcast == 10
    # 31 Oct 21:00 Bangkok is 23:00 JST: October's quota; 30 Nov 21:59 November's; 22:30 December's
    assert november.messages_consumed_push == 1 and december.messages_consumed_push == 1
    assert november.quota_month_start == "2026-10-31T22:00+07:00"
    assert november.quota_month_end == "2026-11-30T22:00+07:00"


def test_plan_prices_a_late_last_day_send_in_the_next_quota_month(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        tip = create_tip(session, "เกร็ดความรู้ ตม.30", now=bkk(1, 8))
        schedule(session, [tip], bkk(30, 23, 0))  # after 22:00 Bangkok: LINE counts it in December
        schedule(session, [tip], bkk(30, 21, 0))
        now = bkk(2, 9)
        november = plan_month(session, "2026-11", quota=Quota(300, 0), reach=5, now=now)
        december = plan_month(session, "2026-12", quota=Quota(300, 0), reach=5, now=now)
    assert november.planned_sends == 1 and november.planned_cost == 5
    assert december.planned_sends == 1
    assert november.quota_month_start == "2026-10-31T22:00+07:00"
    assert "Japan time" in render_plan(november)
