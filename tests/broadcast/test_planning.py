"""Rules (Tue/Fri, third Friday), the month plan against the quota, remedies that work, tips on demand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from bot.line.messenger import LineMessenger
from handlers.clock import BANGKOK, utcnow
from handlers.ports import Quota
from handlers.tips.models import Broadcast
from handlers.tips.on_demand import tips_on_demand_message
from handlers.tips.planning import apply_remedy, plan_month, render_plan
from handlers.tips.schedule import create_tip, materialize, nth_weekday, occurrences, schedule
from handlers.tips.sending import send_due
from tests.broadcast.conftest import Db, Sim

BKK = BANGKOK


def test_third_friday() -> None:
    assert nth_weekday(2026, 11, 4, 3) == dt.date(2026, 11, 20)
    assert nth_weekday(2026, 12, 4, 3) == dt.date(2026, 12, 18)
    assert nth_weekday(2027, 1, 4, 3) == dt.date(2027, 1, 15)
    assert nth_weekday(2027, 4, 4, -1) == dt.date(2027, 4, 30)
    fired = occurrences("0 9 * * fri#3", dt.datetime(2026, 1, 1, tzinfo=BKK), dt.datetime(2028, 1, 1, tzinfo=BKK))
    assert len(fired) == 24
    for moment in fired:
        local = moment.astimezone(BKK)
        assert local.weekday() == 4 and 15 <= local.day <= 21 and (local.hour, local.minute) == (9, 0)
        assert local.date() == nth_weekday(local.year, local.month, 4, 3)
    assert occurrences("0 9 * * 5#3",
                       dt.datetime(2026, 12, 1, tzinfo=BKK), dt.datetime(2027, 1, 1, tzinfo=BKK)) == [
        dt.datetime(2026, 12, 18, 2, 0, tzinfo=dt.UTC)]


def test_every_tuesday_and_friday_at_nine() -> None:
    fired = occurrences("0 9 * * tue,fri", dt.datetime(2026, 12, 1, tzinfo=BKK), dt.datetime(2027, 1, 1, tzinfo=BKK))
    days = [m.astimezone(BKK).day for m in fired]
    assert days == [1, 4, 8, 11, 15, 18, 22, 25, 29]
    assert occurrences("0 9 * * 2", dt.datetime(2026, 12, 1, tzinfo=BKK),
                       dt.datetime(2026, 12, 9, tzinfo=BKK))[0].astimezone(BKK).day == 1  # cron 2 = Tuesday


@pytest.mark.parametrize("rule", ["0 9 * *", "0 25 * * *", "0 9 1 * fri#3", "0 9 * * fri#9", "0 9 * * 8"])
def test_bad_rules_are_refused(db: Db, rule: str) -> None:
    with db.sessions() as session, pytest.raises(ValueError):
        create_tip(session, "x", rule=rule)


def test_recurring_tips_become_sends_once(db: Db) -> None:
    start = dt.datetime(2026, 12, 1, 8, 0, tzinfo=BKK)
    with db.sessions() as session:
        create_tip(session, "อังคาร/ศุกร์", rule="tue-fri-9", now=start - dt.timedelta(days=1))
        create_tip(session, "English Club", rule="english-club", now=start - dt.timedelta(days=1))
        session.commit()
        until = dt.datetime(2027, 1, 1, tzinfo=BKK)
        assert materialize(session, start, until=until) == 10
        assert materialize(session, start, until=until) == 0
        session.commit()
        assert len(list(session.scalars(select(Broadcast)))) == 10


def schedule_month(db: Db, count: int = 6) -> None:
    """Six one-off tips through December 2026, one broadcast each."""
    with db.sessions() as session:
        for n in range(count):
            tip = create_tip(session, f"เกร็ดความรู้ข้อ {n + 1}")
            schedule(session, [tip], dt.datetime(2026, 12, 1 + 5 * n, 9, 0, tzinfo=BKK))
        session.commit()


def test_plan_flags_six_a_month_against_300_with_120_friends(db: Db) -> None:
    schedule_month(db)
    now = dt.datetime(2026, 11, 25, tzinfo=BKK)
    with db.sessions() as session:
        plan = plan_month(session, "2026-12", quota=Quota(300, 0), reach=120, now=now, reserve=20)
    assert (plan.available, plan.planned_tips, plan.planned_cost) == (280, 6, 720)
    assert not plan.planned_fits and not plan.target_fits and plan.max_broadcasts == 2
    remedies = {r.name: r for r in plan.remedies}
    assert (remedies["bundle"].sends, remedies["bundle"].cost, remedies["bundle"].fits) == (2, 240, True)
    assert remedies["on_demand"].fits and remedies["on_demand"].cost == 120
    assert not remedies["districts"].fits  # no district representative registered yet
    text = render_plan(plan)
    assert "DOES NOT FIT" in text and "6 × 120 = 720" in text and "2 × 120 = 240" in text


def test_bundle_remedy_really_fits_the_simulator(db: Db, sim: Sim, line: LineMessenger) -> None:
    schedule_month(db)
    now = dt.datetime(2026, 11, 25, tzinfo=BKK)
    with db.sessions() as session:
        kept = apply_remedy(session, "2026-12", "bundle", now=now, reach=120, available=280)
        session.commit()
        plan = plan_month(session, "2026-12", quota=Quota(300, 0), reach=120, now=now, reserve=20)
        sends = list(session.scalars(select(Broadcast).where(Broadcast.id.in_(kept)).order_by(Broadcast.id)))
    assert len(kept) == 2 and [len(json.loads(s.payload)) for s in sends] == [3, 3]
    assert plan.planned_fits and plan.planned_cost == 240 and plan.planned_tips == 6 and plan.target_fits
    assert "met by the plan" in render_plan(plan)
    for send in sends:
        report = send_due(db.sessions, line, now=send.scheduled_at + dt.timedelta(minutes=1))
        assert report.sent == [send.id]
    requests = sim.client.requests(path="/v2/bot/message/broadcast")
    assert [r["status"] for r in requests] == [200, 200]
    assert [len(r["json"]["messages"]) for r in requests] == [3, 3]
    assert sim.client.state()["consumption"] == 240  # six tips delivered within 300, reserve kept


def test_tips_on_demand_lists_the_latest_for_free(db: Db) -> None:
    now = utcnow()
    with db.sessions() as session:
        assert tips_on_demand_message(session, now) is None
        tips = [create_tip(session, f"เกร็ด {n}", entry_id="tm30-basics" if n == 1 else None,
                           now=now - dt.timedelta(days=10 - n)) for n in range(7)]
        sent = schedule(session, [tips[1]], now - dt.timedelta(days=1))
        sent.status, sent.sent_at = "sent", now - dt.timedelta(days=1)
        session.commit()
        message = tips_on_demand_message(session, now)
    assert message is not None
    assert message.text.index("เกร็ด 1") < message.text.index("เกร็ด 6")  # what went out first, then newest
    assert message.text.count("\n\n") == 5 and "เกร็ด 0" not in message.text
    assert [q.data for q in message.quick_replies] == ["action=entry&id=tm30-basics"]
