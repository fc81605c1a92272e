"""Planning a month of tips: the one use case `broadcast plan` and the console's tips page both call.

LINE is asked first (the quota, the followers a broadcast reaches), outside any transaction; then the plan is
read from the database and, when asked, a remedy is applied in the caller's session. The caller (the CLI
command or the request) commits: this module never does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.clock import BANGKOK, utcnow
from handlers.kpi.periods import (
    QUOTA_BOUNDARY_EN,
    QUOTA_BOUNDARY_TH,
    MonthError,
    normalise_month,
    parse_month,
    quota_month_bounds,
)
from handlers.ports import DeliveryError, Messenger, Quota
from handlers.tips.models import DEFAULT_RESERVE, MAX_MESSAGES, Tip
from handlers.tips.schedule import (
    bangkok_iso,
    list_broadcasts,
    materialize,
    occurrences,
    reach_of,
    representatives,
)

MONTHLY_TARGET = 6
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


# ----------------------------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class Remedy:
    """One way to meet the monthly target within the quota, with what it would cost."""

    name: str
    description: str
    sends: int
    cost: int
    fits: bool
    apply: str | None  # the `broadcast plan --apply` value that carries it out, if any


@dataclass(frozen=True)
class MonthPlan:
    """A month's planned tips and their cost against the quota, and what to do when they do not fit."""

    month: str
    quota_limit: int | None
    used: int
    reserve: int
    available: int | None
    reach: int
    districts: int
    target: int
    tips_sent: int
    planned_sends: int
    planned_tips: int
    planned_cost: int
    planned_fits: bool
    target_cost: int
    target_fits: bool
    max_broadcasts: int | None
    remedies: tuple[Remedy, ...]
    sends: tuple[dict[str, object], ...]
    quota_month_start: str = ""  # LINE's quota month (Bangkok times): from 22:00 on the previous month's last day
    quota_month_end: str = ""
    quota_boundary_th: str = QUOTA_BOUNDARY_TH

    def as_dict(self) -> dict[str, object]:
        """Plain data for `plan --json` and the console."""
        data = dict(self.__dict__)
        data["remedies"] = [r.__dict__ for r in self.remedies]
        data["sends"] = list(self.sends)
        return data


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The Bangkok calendar month "YYYY-MM" as [start, end) aware datetimes; MonthError when malformed."""
    year, mon = parse_month(month)
    start = dt.datetime(year, mon, 1, tzinfo=BANGKOK)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=BANGKOK)
    return start, end


def quota_month_window(month: str) -> tuple[dt.datetime, dt.datetime]:
    """LINE's quota month "YYYY-MM" as [start, end) in Bangkok time: it turns at 00:00 Japan time (22:00 here)."""
    start, end = quota_month_bounds(*parse_month(month))
    return start.astimezone(BANGKOK), end.astimezone(BANGKOK)


def plan_month(session: Session, month: str, *, quota: Quota | None, reach: int, now: dt.datetime,
               reserve: int = DEFAULT_RESERVE, target: int = MONTHLY_TARGET) -> MonthPlan:
    """Planned tips × cost against the quota; flags the target and prices bundling, districts and on-demand.

    The month is LINE's quota month (Japan time), so a send at 23:00 Bangkok on the last day is priced
    against the next month's quota, where LINE counts it.
    """
    start, end = quota_month_window(month)
    current = start <= now < end
    used = quota.used if quota is not None and current else 0
    limit = quota.limit if quota is not None else None
    available = None if limit is None else max(0, limit - reserve - used)
    districts = len(representatives(session))

    rows = [r for r in list_broadcasts(session, since=start) if r.scheduled_at < end]
    sent = [r for r in rows if r.status == "sent"]
    pending = [r for r in rows if r.status in ("scheduled", "sending", "held_for_quota")]
    keys = {r.occurrence_key for r in rows}
    sends: list[dict[str, object]] = []

    def cost_of(audience: str, targets: str | None) -> int:
        if audience == "all":
            return reach
        return districts if audience == "districts" else len(json.loads(targets or "[]"))

    for r in pending:
        sends.append({"id": r.id, "at": bangkok_iso(r.scheduled_at), "tips": len(json.loads(r.tip_ids)),
                      "audience": r.audience, "cost": cost_of(r.audience, r.targets), "status": r.status,
                      "text": r.text[:60]})
    for tip in session.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))):
        for moment in occurrences(tip.rule or "", max(start, now, tip.created_at), end):
            if f"tip{tip.id}@{moment.strftime('%Y%m%dT%H%MZ')}" not in keys:
                sends.append({"id": None, "at": bangkok_iso(moment), "tips": 1, "audience": tip.audience,
                              "cost": cost_of(tip.audience, None), "status": "rule", "text": tip.text[:60]})
    sends.sort(key=lambda s: str(s["at"]))
    tips_sent = sum(len(json.loads(r.tip_ids)) for r in sent)
    planned_tips = sum(int(str(s["tips"])) for s in sends)
    planned_cost = sum(int(str(s["cost"])) for s in sends)
    fits = available is None or planned_cost <= available

    still_needed = max(target - tips_sent, planned_tips, 0)  # price the larger of the target and the plan
    target_cost = max(target - tips_sent, 0) * reach
    covered = tips_sent + planned_tips >= target and fits  # e.g. after bundling: 6 tips in 2 sends
    target_fits = covered or available is None or target_cost <= available
    max_broadcasts = None if available is None or reach == 0 else available // reach
    remedies = _remedies(still_needed, reach, districts, available, max_broadcasts)
    return MonthPlan(month=month, quota_limit=limit, used=used, reserve=reserve, available=available, reach=reach,
                     districts=districts, target=target, tips_sent=tips_sent, planned_sends=len(sends),
                     planned_tips=planned_tips, planned_cost=planned_cost, planned_fits=fits, target_cost=target_cost,
                     target_fits=target_fits, max_broadcasts=max_broadcasts, remedies=tuple(remedies),
                     sends=tuple(sends), quota_month_start=start.isoformat(timespec="minutes"),
                     quota_month_end=end.isoformat(timespec="minutes"))


def _remedies(tips: int, reach: int, districts: int, available: int | None,
              max_broadcasts: int | None) -> list[Remedy]:
    """Priced alternatives for sending `tips` tips this month."""
    def fits(cost: int) -> bool:
        return available is None or cost <= available

    remedies: list[Remedy] = []
    if tips == 0:
        return remedies
    least = math.ceil(tips / MAX_MESSAGES)
    sends = max(least, min(tips, max_broadcasts or least))
    per_send = math.ceil(tips / sends)
    remedies.append(Remedy(
        "bundle", f"bundle the {tips} tips into {sends} broadcast(s) of up to {per_send} tips "
                  f"(up to {MAX_MESSAGES} messages count once per friend): {sends} × {reach} = {sends * reach}",
        sends, sends * reach, fits(sends * reach), "bundle"))
    if districts:
        remedies.append(Remedy(
            "districts", f"multicast each tip to one representative per district ({districts} districts): "
                         f"{tips} × {districts} = {tips * districts}",
            tips, tips * districts, fits(tips * districts), "districts"))
        bundled = least * districts
        remedies.append(Remedy(
            "districts+bundle", f"bundle into {least} send(s) to the {districts} district representatives: "
                                f"{least} × {districts} = {bundled}", least, bundled, fits(bundled),
            "districts+bundle"))
    else:
        remedies.append(Remedy("districts", "multicast to one representative per district: no district has a "
                                            "registered follower yet", tips, 0, False, None))
    remedies.append(Remedy(
        "on_demand", f"offer the {tips} tips free on demand (the 'เกร็ดความรู้' menu answers by reply, 0 quota), "
                     f"announced by one broadcast: 1 × {reach} = {reach}", 1, reach, fits(reach), None))
    return remedies


def apply_remedy(session: Session, month: str, remedy: str, *, now: dt.datetime, reach: int,
                 available: int | None) -> list[int]:
    """Carry out a remedy on the month's unsent sends; returns the ids of the sends that remain."""
    start, end = quota_month_window(month)  # the same window plan_month priced
    materialize(session, max(now, start), until=end)
    pending = [r for r in list_broadcasts(session, since=max(now, start))
               if r.scheduled_at < end and r.status in ("scheduled", "held_for_quota") and r.audience == "all"]
    if "districts" in remedy:
        for row in pending:
            row.audience = "districts"
    if "bundle" in remedy and pending:
        cost = reach if "districts" not in remedy else len(representatives(session))
        fit = len(pending) if not available or not cost else max(1, available // cost)
        groups = max(math.ceil(len(pending) / MAX_MESSAGES), min(len(pending), fit))
        size = math.ceil(len(pending) / groups)
        for i in range(0, len(pending), size):
            head, rest = pending[i], pending[i + 1:i + size]
            if not rest:
                continue
            head.payload = json.dumps(json.loads(head.payload) + [m for r in rest for m in json.loads(r.payload)],
                                      ensure_ascii=False)
            head.tip_ids = json.dumps(json.loads(head.tip_ids) + [t for r in rest for t in json.loads(r.tip_ids)])
            for r in rest:
                r.status, r.reason = "cancelled", f"bundled into send #{head.id}"
    session.flush()
    return [r.id for r in pending if r.status != "cancelled"]


def render_plan(plan: MonthPlan) -> str:
    """The plan as officers read it on the command line."""
    quota = "no limit" if plan.quota_limit is None else str(plan.quota_limit)
    lines = [
        f"Plan for {plan.month}: quota {quota}, used {plan.used}, reserve {plan.reserve}, "
        f"available {plan.available if plan.available is not None else 'unlimited'}",
        f"{QUOTA_BOUNDARY_EN}: {plan.quota_month_start} to {plan.quota_month_end} (Bangkok time)",
        f"One broadcast reaches {plan.reach} friend(s); {plan.districts} district(s) have a representative.",
        f"Planned: {plan.planned_sends} send(s), {plan.planned_tips} tip(s), cost {plan.planned_cost} → "
        + ("fits" if plan.planned_fits else "DOES NOT FIT: later sends will be held for quota"),
    ]
    for send in plan.sends:
        lines.append(f"  {send['at']}  {send['status']:<14} {send['audience']:<9} tips {send['tips']} "
                     f"cost {send['cost']:>4}  {send['text']}")
    target = (f"Target {plan.target} tips a month ({plan.tips_sent} sent so far): {plan.target} × {plan.reach} "
              f"= {plan.target_cost} → ")
    if plan.target_fits and plan.planned_fits and plan.tips_sent + plan.planned_tips >= plan.target:
        lines.append(f"Target {plan.target} tips a month: met by the plan ({plan.tips_sent} sent + "
                     f"{plan.planned_tips} planned in {plan.planned_sends} send(s), cost {plan.planned_cost}) → fits")
    elif plan.target_fits:
        lines.append(target + "fits")
    else:
        lines.append(target + f"DOES NOT FIT the quota (only {plan.max_broadcasts} single broadcast(s) fit).")
    if plan.remedies and (not plan.target_fits or not plan.planned_fits):
        lines.append("Remedies:")
        for remedy in plan.remedies:
            how = f" [broadcast plan --month {plan.month} --apply {remedy.apply}]" if remedy.apply else ""
            lines.append(f"  - {remedy.name}: {remedy.description} → {'fits' if remedy.fits else 'does not fit'}"
                         + how)
    return "\n".join(lines)


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
    reach = reach_of(session, line.reach_from_line)  # never underestimates a broadcast
    plan = plan_month(session, month, quota=quota, reach=reach, now=now, reserve=reserve, target=target)
    kept: tuple[int, ...] = ()
    if remedy is not None:
        kept = tuple(apply_remedy(session, month, remedy, now=now, reach=reach, available=plan.available))
        plan = plan_month(session, month, quota=quota, reach=reach, now=now, reserve=reserve, target=target)
    return TipsPlan(plan, reach, line.quota is None, line.quota_error, remedy, kept)
