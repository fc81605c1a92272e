"""Closing a KPI month: the one use case the CLI (`kpi close`), the console and the scheduler all call.

Closing means, in this order and always the same way:
  1. wait (outside any transaction) until the webhook events already received are handled, so the count
     does not miss the last seconds of the month;
  2. decide the month's message quota, also outside any transaction (it may ask LINE):
     an explicit limit given by the caller (the CLI's --quota-limit), else `LINE_MONTHLY_QUOTA` (read in
     Settings, passed down as `quota_setting`), else the limit LINE reports (GET /v2/bot/message/quota),
     else 300 (the Thai free plan);
  3. in one transaction, retried when a concurrent closing won: compute the month, store it as the next
     version, and write the audit row (who closed it, through which entry point).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import utcnow
from handlers.kpi.counts import DEFAULT_QUOTA_LIMIT, MonthlyCounts, close_month, current_record
from handlers.officers import Officer, audit
from handlers.ports import DeliveryError, Messenger
from handlers.transactions import conflicting_write, retrying_transaction
from handlers.webhook_queue import wait_until_handled

log = logging.getLogger(__name__)

WAIT_SECONDS = 15.0  # how long a closing waits for received webhook events to be handled
VIA = ("cli", "console", "scheduler")


class MonthBusy(Exception):
    """Another closing of the same month kept winning the race; try again in a moment."""


@dataclass(frozen=True)
class ClosedMonth:
    """What a closing stored: the figures, their version, and what the count may lack."""

    counts: MonthlyCounts
    version: int
    unhandled_events: int  # webhook events still pending after the wait (not in this count)
    quota_source: str  # "option", "setting", "line" or "default"


def month_quota(messenger: Messenger | None, *, quota_setting: int | None,
                explicit: int | None = None) -> tuple[int, str]:
    """The quota a closing uses and where it came from (see the module docstring for the order)."""
    if explicit is not None:
        return explicit, "option"
    if quota_setting is not None:
        return quota_setting, "setting"
    if messenger is not None:
        try:
            limit = messenger.quota().limit
        except DeliveryError as error:
            log.warning("KPI close: LINE quota unavailable, using the default: %s", error)
        else:
            if limit is not None:
                return limit, "line"
    return DEFAULT_QUOTA_LIMIT, "default"


def close_kpi_month(sessions: sessionmaker[Session], messenger: Messenger | None, year: int, month: int, *,
                    via: str, quota_setting: int | None, officer_id: int | None = None,
                    explicit_quota: int | None = None, remote_addr: str | None = None,
                    now: dt.datetime | None = None, wait_seconds: float | None = None,
                    wait: Callable[[sessionmaker[Session], float], int] = wait_until_handled) -> ClosedMonth:
    """Wait for received events, decide the quota, then close the month and audit it in one transaction.

    `sessions` is the entry point's unit-of-work factory: the waiting and LINE's quota call happen
    between transactions, never inside one. Raises MonthBusy when concurrent closings kept winning.
    """
    if via not in VIA:
        raise ValueError(f"via must be one of {', '.join(VIA)}")
    left = wait(sessions, WAIT_SECONDS if wait_seconds is None else wait_seconds)
    if left:
        log.warning("KPI close %04d-%02d: %d received webhook event(s) not handled yet; not in this count",
                    year, month, left)
    limit, source = month_quota(messenger, quota_setting=quota_setting, explicit=explicit_quota)
    moment = now or utcnow()

    def work(session: Session) -> tuple[MonthlyCounts, int]:
        officer = session.get(Officer, officer_id) if officer_id is not None else None
        counts = close_month(session, year, month, moment, quota_limit=limit,
                             closed_by=officer.username if officer else via, quota_source=source)
        record = current_record(session, counts.month)
        version = record.version if record else 1
        audit(session, officer, "kpi-close", target=f"month:{counts.month}", username=via,
              detail=(f"version {version}; via {via}; {counts.questions} questions; {counts.broadcasts_sent} tips; "
                      f"quota {limit} ({source}); {left} event(s) not handled yet"),
              remote_addr=remote_addr)
        return counts, version

    try:
        counts, version = retrying_transaction(sessions, work)
    except (IntegrityError, OperationalError) as error:
        if not conflicting_write(error):
            raise
        raise MonthBusy(f"{year:04d}-{month:02d} is being closed by someone else right now") from None
    return ClosedMonth(counts, version, left, source)
