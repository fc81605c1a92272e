"""The clock: APScheduler's job store in the database, a missed tick coalesced, and the lease between schedulers."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select, text

from bot.line.messenger import LineMessenger
from handlers.clock import utcnow
from handlers.kpi import current_record
from handlers.tips.models import Broadcast, SchedulerLease
from handlers.tips.schedule import create_tip, schedule
from handlers.tips.sending import acquire_lease, release_lease
from scheduler.jobs import LEASE_NAME, JobDeps, install, run_installed_kpi_close, tips_tick
from scheduler.runner import JOB_ID, KPI_JOB_ID, build_scheduler, job_is_stored
from tests.broadcast.conftest import Db, Sim


def ticks(db: Db) -> int:
    with db.sessions() as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        return lease.ticks if lease else 0


def overdue(db: Db, by: dt.timedelta) -> None:
    """Make the stored job as overdue as if the clock process had been down for `by`."""
    moment = (dt.datetime.now(dt.UTC) - by).astimezone(ZoneInfo("Asia/Bangkok"))
    with db.engine.begin() as conn:
        state = pickle.loads(conn.execute(text("SELECT job_state FROM apscheduler_jobs WHERE id = :id"),
                                          {"id": JOB_ID}).scalar_one())
        state["next_run_time"] = moment
        conn.execute(text("UPDATE apscheduler_jobs SET job_state = :s, next_run_time = :t WHERE id = :id"),
                     {"s": pickle.dumps(state), "t": moment.timestamp(), "id": JOB_ID})


def wait_for(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_job_store_is_in_the_database_and_a_missed_run_is_coalesced(db: Db, sim: Sim,
                                                                      line: LineMessenger) -> None:
    deps = JobDeps(sessions=db.sessions, messenger=line)
    # first start: the job is persisted; then the clock goes down with the job five ticks overdue
    first = build_scheduler(db.engine, deps, interval=60, scheduler_class=BackgroundScheduler)
    first.start(paused=True)
    first.shutdown()
    assert job_is_stored(db.engine)
    overdue(db, dt.timedelta(minutes=5, seconds=30))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar_one() == 4  # tips, KPI, purge, mail
    with db.sessions() as session:
        tip = create_tip(session, "เกร็ดที่ค้างระหว่างระบบหยุด")
        due = schedule(session, [tip], utcnow() - dt.timedelta(minutes=5)).id
        session.commit()
    install(None)

    # restart with the production scheduler class: one coalesced run, the tip sent once
    second = build_scheduler(db.engine, deps, interval=60)
    assert isinstance(second, BlockingScheduler)
    thread = threading.Thread(target=second.start, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: ticks(db) >= 1)
        time.sleep(0.5)
        assert ticks(db) == 1  # five missed ticks ran once
        job = second.get_job(JOB_ID)
        assert job is not None and job.next_run_time > dt.datetime.now(dt.UTC)
        assert str(job.next_run_time.tzinfo) == "Asia/Bangkok"
    finally:
        second.shutdown(wait=True)
        thread.join(timeout=5)
    assert [r["status"] for r in sim.client.requests(path="/v2/bot/message/broadcast")] == [200]
    with db.sessions() as session:
        assert session.get(Broadcast, due).status == "sent"  # type: ignore[union-attr]


def test_only_one_scheduler_holds_the_lease(db: Db) -> None:
    now = utcnow()
    ttl = dt.timedelta(minutes=3)

    def take(holder: str, at: dt.datetime) -> bool:  # each scheduler's tick: one transaction of its own
        with db.sessions.begin() as session:
            return acquire_lease(session, LEASE_NAME, holder, at, ttl)

    assert take("a", now)
    assert not take("b", now)
    assert take("a", now + dt.timedelta(minutes=1))  # renewal
    assert take("b", now + dt.timedelta(minutes=5))  # a died
    assert not take("a", now + dt.timedelta(minutes=6))
    with db.sessions.begin() as session:
        release_lease(session, LEASE_NAME, "b")
    assert take("a", utcnow())  # handed back at shutdown


def test_two_schedulers_ticking_together_send_once(db: Db, sim: Sim) -> None:
    with db.sessions() as session:
        tip = create_tip(session, "เกร็ดวันอังคาร")
        schedule(session, [tip], utcnow() - dt.timedelta(seconds=30))
        session.commit()
    barrier = threading.Barrier(2)
    results = []

    def run(holder: str) -> None:
        deps = JobDeps(sessions=db.sessions, messenger=LineMessenger("test-access-token", sim.url), holder=holder)
        barrier.wait()
        results.append(tips_tick(deps))

    threads = [threading.Thread(target=run, args=(name,)) for name in ("clock-1", "clock-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(1 for r in results if r is None) == 1  # the other one did not hold the lease
    assert [r["status"] for r in sim.client.requests(path="/v2/bot/message/broadcast")] == [200]
    with db.sessions() as session:
        assert session.scalar(select(SchedulerLease.holder)) in ("clock-1", "clock-2")


def test_previous_month_is_closed_on_the_first_at_0030_bangkok(db: Db, sim: Sim, line: LineMessenger) -> None:
    deps = JobDeps(sessions=db.sessions, messenger=line)
    scheduler = build_scheduler(db.engine, deps, interval=60, scheduler_class=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(KPI_JOB_ID)
        assert job is not None
        fire = job.trigger.get_next_fire_time(None, dt.datetime(2026, 11, 21, tzinfo=ZoneInfo("Asia/Bangkok")))
        assert (fire.day, fire.hour, fire.minute, fire.month) == (1, 0, 30, 12)
    finally:
        scheduler.shutdown()
    install(deps)
    try:
        run_installed_kpi_close()
    finally:
        install(None)
    previous = (utcnow().astimezone(ZoneInfo("Asia/Bangkok")).replace(day=1) - dt.timedelta(days=1))
    with db.sessions() as session:
        assert current_record(session, previous.strftime("%Y-%m")) is not None
