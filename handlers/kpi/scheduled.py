"""The scheduler's monthly job: on the 1st (Bangkok), close the month that just ended."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import utcnow
from handlers.kpi.counts import MonthlyCounts, close_month
from handlers.kpi.periods import previous_month
from handlers.transactions import retrying_transaction

log = logging.getLogger(__name__)


def close_previous_month(sessions: sessionmaker[Session], now: dt.datetime | None = None,
                         quota_limit: int | None = None) -> MonthlyCounts:
    """Close last month in its own transaction; safe to run again (adds a version, same figures)."""
    now = now or utcnow()
    year, month = previous_month(now)
    counts = retrying_transaction(sessions, lambda session: close_month(
        session, year, month, now, quota_limit=quota_limit, closed_by="scheduler"))
    log.info("closed KPI month %s: %d questions, %d broadcasts", counts.month, counts.questions,
             counts.broadcasts_sent)
    return counts
