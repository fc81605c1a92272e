"""The scheduler's monthly job: on the 1st (Bangkok), close the month that just ended, as `kpi close` would."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import utcnow
from handlers.kpi.close import ClosedMonth, close_kpi_month
from handlers.kpi.periods import previous_month
from handlers.ports import Messenger

log = logging.getLogger(__name__)


def close_previous_month(sessions: sessionmaker[Session], messenger: Messenger | None, *,
                         quota_setting: int | None, now: dt.datetime | None = None) -> ClosedMonth:
    """Close last month through the one closing use case; safe to run again (adds a version, same figures)."""
    now = now or utcnow()
    year, month = previous_month(now)
    closed = close_kpi_month(sessions, messenger, year, month, via="scheduler", quota_setting=quota_setting,
                             now=now)
    log.info("closed KPI month %s (version %d): %d questions, %d broadcasts, quota %d from %s",
             closed.counts.month, closed.version, closed.counts.questions, closed.counts.broadcasts_sent,
             closed.counts.quota_limit, closed.quota_source)
    return closed
