"""The clock process: APScheduler with its job store in the app's database, timezone Asia/Bangkok."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from handlers.notify.service import NoticeConfig
from handlers.ports import Mailer, Messenger
from handlers.tips.sending import SendPolicy, release_lease
from scheduler.jobs import LEASE_NAME, JobDeps, install

log = logging.getLogger(__name__)

TIMEZONE = "Asia/Bangkok"
JOB_ID = "tips-send-due"
JOB_FUNC = "scheduler.jobs:run_installed_tick"
JOBS_TABLE = "apscheduler_jobs"
KPI_JOB_ID = "kpi-close-previous-month"
KPI_JOB_FUNC = "scheduler.jobs:run_installed_kpi_close"
PURGE_JOB_ID = "privacy-purge-expired-text"
PURGE_JOB_FUNC = "scheduler.jobs:run_installed_purge"
NOTICE_JOB_ID = "notify-officers-of-handoffs"
NOTICE_JOB_FUNC = "scheduler.jobs:run_installed_notices"
NOTICE_INTERVAL = 60  # seconds: a hand-off is mailed within about a minute (bursts are batched per officer)
DEFAULT_INTERVAL = 60  # seconds between ticks
DEFAULT_GRACE = 3600  # a tick missed by less than this still runs (once) after downtime


def job_is_stored(engine: Engine, job_id: str = JOB_ID) -> bool:
    """True when the job is already persisted (then its missed run time is kept, not reset)."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return False
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT 1 FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id}).first() is not None


def build_scheduler(engine: Engine, deps: JobDeps, *, interval: int = DEFAULT_INTERVAL,
                    misfire_grace_time: int = DEFAULT_GRACE,
                    scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler whose tips job lives in the database: coalesced, one instance, with a grace period."""
    install(deps)
    scheduler = scheduler_class(
        timezone=TIMEZONE,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": misfire_grace_time, "max_instances": 1},
    )
    if not job_is_stored(engine):
        scheduler.add_job(JOB_FUNC, IntervalTrigger(seconds=interval, timezone=TIMEZONE), id=JOB_ID,
                          name="send due tips", replace_existing=True)
    if not job_is_stored(engine, KPI_JOB_ID):
        scheduler.add_job(KPI_JOB_FUNC, CronTrigger(day=1, hour=0, minute=30, timezone=TIMEZONE), id=KPI_JOB_ID,
                          name="close the previous month's KPI record", replace_existing=True)
    if not job_is_stored(engine, PURGE_JOB_ID):
        scheduler.add_job(PURGE_JOB_FUNC, CronTrigger(hour=3, minute=15, timezone=TIMEZONE), id=PURGE_JOB_ID,
                          name="blank message text past the retention period", replace_existing=True)
    if not job_is_stored(engine, NOTICE_JOB_ID):
        scheduler.add_job(NOTICE_JOB_FUNC, IntervalTrigger(seconds=NOTICE_INTERVAL, timezone=TIMEZONE),
                          id=NOTICE_JOB_ID, name="e-mail officers on duty about handed-over questions",
                          replace_existing=True, misfire_grace_time=120)
    return scheduler


def run_scheduler(engine: Engine, deps: JobDeps, **options: Any) -> None:
    """Run the clock until SIGTERM or SIGINT, then hand the lease back for a standby scheduler."""
    scheduler = build_scheduler(engine, deps, **options)
    if threading.current_thread() is threading.main_thread():
        def stop(signum: int, _frame: object) -> None:
            log.info("signal %s: stopping the scheduler", signum)
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    log.info("scheduler %s started (job store in the database, timezone %s)", deps.holder, TIMEZONE)
    try:
        scheduler.start()
    finally:
        with deps.sessions.begin() as session:
            release_lease(session, LEASE_NAME, deps.holder)


def run_clock(engine: Engine, sessions: sessionmaker[Session], messenger: Messenger, policy: SendPolicy, *,
              interval: int = DEFAULT_INTERVAL, misfire_grace_time: int = DEFAULT_GRACE,
              retention_days: int = 365, quota_setting: int | None = None, mailer: Mailer | None = None,
              notices: NoticeConfig | None = None) -> None:
    """The `run-scheduler` entry point, called with plain collaborators by the composition root's CLI."""
    run_scheduler(engine, JobDeps(sessions=sessions, messenger=messenger, policy=policy,
                                  retention_days=retention_days, quota_setting=quota_setting, mailer=mailer,
                                  notices=notices),
                  interval=interval, misfire_grace_time=misfire_grace_time)
