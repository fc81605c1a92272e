"""Scheduled jobs as plain functions: each gets its dependencies, so tests and the CLI run them directly."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import utcnow
from handlers.kpi import close_previous_month
from handlers.notify.service import NoticeConfig, send_due_notices
from handlers.ports import Mailer, Messenger
from handlers.privacy import purge_expired_text
from handlers.tips.sending import SendPolicy, SendReport, acquire_lease, send_due

log = logging.getLogger(__name__)

LEASE_NAME = "tips"


def default_holder() -> str:
    """This process, as a lease holder: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


@dataclass(frozen=True)
class JobDeps:
    """What the tips job needs: the database, LINE, the send policy, and who this scheduler is."""

    sessions: sessionmaker[Session]
    messenger: Messenger
    policy: SendPolicy = SendPolicy()
    holder: str = field(default_factory=default_holder)
    lease_ttl: dt.timedelta = dt.timedelta(minutes=3)
    retention_days: int = 365
    quota_setting: int | None = None  # LINE_MONTHLY_QUOTA (Settings), for closing the month
    mailer: Mailer | None = None  # hand-off notices; None when SMTP_HOST is unset
    notices: NoticeConfig | None = None


def tips_tick(deps: JobDeps, now: dt.datetime | None = None) -> SendReport | None:
    """One tick: take the database lease, then send due tips; None when another scheduler holds the lease."""
    now = now or utcnow()
    with deps.sessions.begin() as session:
        if not acquire_lease(session, LEASE_NAME, deps.holder, now, deps.lease_ttl):
            log.info("another scheduler holds the %r lease; not sending", LEASE_NAME)
            return None
    report = send_due(deps.sessions, deps.messenger, now=now, policy=deps.policy)
    if any(report.as_dict().values()):
        log.info("tips tick: %s", report.as_dict())
    return report


_installed: JobDeps | None = None


def install(deps: JobDeps | None) -> None:
    """Give this process's dependencies to the persisted job (the job store keeps only a function name)."""
    global _installed
    _installed = deps


def installed() -> JobDeps | None:
    """The dependencies installed in this process, if any."""
    return _installed


def run_installed_tick() -> None:
    """The persisted job's target; never raises, so one bad tick does not stop the scheduler."""
    if _installed is None:
        log.error("tips job fired but no dependencies are installed in this process")
        return
    try:
        tips_tick(_installed)
    except Exception:
        log.exception("tips tick failed; the next tick will resume with the same retry keys")


def _run_leased(lease: str, what: str, job: Callable[[JobDeps], object]) -> None:
    """Run a job in the scheduler holding `lease`; never raises, so one bad run does not stop the clock."""
    if _installed is None:
        log.error("%s job fired but no dependencies are installed in this process", what)
        return
    try:
        with _installed.sessions.begin() as session:
            if not acquire_lease(session, lease, _installed.holder, utcnow(), _installed.lease_ttl):
                log.info("another scheduler holds the %r lease; not running the %s job", lease, what)
                return
        job(_installed)
    except Exception:
        log.exception("the %s job failed; run its flask command by hand", what)


def run_installed_kpi_close() -> None:
    """The monthly job: on the 1st, close the previous month's KPI record (`flask --app app kpi close`)."""
    _run_leased("kpi", "KPI close", lambda deps: close_previous_month(deps.sessions, deps.messenger,
                                                                      quota_setting=deps.quota_setting))


def run_installed_purge() -> None:
    """The daily job: blank message text older than the retention period (`flask --app app privacy purge`)."""
    _run_leased("privacy", "retention purge",
                lambda deps: purge_expired_text(deps.sessions, deps.retention_days, utcnow()))


def run_installed_notices() -> None:
    """The minute job: e-mail the officers on duty about questions handed over (`flask --app app notify send-due`)."""
    deps = _installed
    if deps is None or deps.mailer is None or deps.notices is None:
        return  # notices are off (SMTP_HOST unset): nothing to do, every minute
    mailer, notices = deps.mailer, deps.notices
    _run_leased("notices", "hand-off notice", lambda d: send_due_notices(d.sessions, mailer, notices))
