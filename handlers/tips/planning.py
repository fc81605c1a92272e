"""Planning a month of tips: the one use case `broadcast plan` and the console's tips page both call.

LINE is asked first (the quota, the followers a broadcast reaches), outside any transaction; then the plan is
read from the database and, when asked, a remedy is applied in the caller's session. The caller (the CLI
command or the request) commits: this module never does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from handlers.clock import utcnow
from handlers.kpi.periods import MonthError, normalise_month
from handlers.ports import DeliveryError, Messenger, Quota
from handlers.tips.broadcasts import MONTHLY_TARGET, MonthPlan, apply_remedy, local_followers, plan_month

ASSUMED_QUOTA = 300  # the Thai free plan, when LINE cannot be asked
REMEDIES = ("bundle", "districts", "districts+bundle")


class TipsError(ValueError):
    """A plan request that cannot be carried out; the message says why, in Thai, for officers."""


@dataclass(frozen=True)
class LineFigures:
    """What LINE said before planning: the quota (None when unreadable) and a broadcast's reach."""

    quota: Quota | None
    quota_error: str | None
    reach_from_line: int | None


@dataclass(frozen=True)
class TipsPlan:
    """A month's plan, with what it assumed and what a remedy changed."""

    plan: MonthPlan
    reach: int
    quota_assumed: bool  # LINE's quota could not be read: the free plan's 300 was assumed
    quota_error: str | None
    applied: str | None = None
    kept: tuple[int, ...] = ()


def ask_line(messenger: Messenger, *, quota: Quota | None = None) -> LineFigures:
    """LINE's quota (unless the caller already has it) and insight reach; call it outside any transaction."""
    error = None
    if quota is None:
        try:
            quota = messenger.quota()
        except DeliveryError as failure:
            quota, error = None, str(failure)
    try:
        reach = messenger.followers_reach()
    except DeliveryError:
        reach = None
    return LineFigures(quota, error, reach)


def plan_tips(session: Session, line: LineFigures, month: str, *, reserve: int, target: int = MONTHLY_TARGET,
              remedy: str | None = None, now: dt.datetime | None = None) -> TipsPlan:
    """The month's planned tips against the quota, after applying `remedy` when given; the caller commits.

    A remedy changes the month's unsent sends in `session` and the plan is read again, so what is returned
    is what will now be sent.
    """
    try:
        month = normalise_month(month)
    except MonthError as error:
        raise TipsError(f"เดือนไม่ถูกต้อง: {error}") from None
    if remedy is not None and remedy not in REMEDIES:
        raise TipsError("ไม่รู้จักวิธีปรับแผนนี้")
    if reserve < 0:
        raise TipsError("จำนวนข้อความที่กันไว้ต้องไม่ติดลบ")
    now = now or utcnow()
    quota = line.quota or Quota(ASSUMED_QUOTA, 0)
    reach = max(line.reach_from_line or 0, local_followers(session))  # never underestimate a broadcast
    plan = plan_month(session, month, quota=quota, reach=reach, now=now, reserve=reserve, target=target)
    kept: tuple[int, ...] = ()
    if remedy is not None:
        kept = tuple(apply_remedy(session, month, remedy, now=now, reach=reach, available=plan.available))
        plan = plan_month(session, month, quota=quota, reach=reach, now=now, reserve=reserve, target=target)
    return TipsPlan(plan, reach, line.quota is None, line.quota_error, remedy, kept)
