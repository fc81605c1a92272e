"""Closing a month: the activity figures computed from the log, stored as a new MonthlyRecord version."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Table, and_, case, column, func, inspect, or_, select, table
from sqlalchemy.orm import Session

from handlers.kpi.models import MonthlyRecord
from handlers.kpi.periods import fiscal_year_of, month_days, month_utc_bounds
from handlers.models import District, Interaction, LineUser, bangkok_day
from handlers.satisfaction import month_satisfaction

BROADCAST_TARGET = 6  # «เดือนละไม่น้อยกว่า 6 ครั้ง» (seed 001, component 4)
DEFAULT_QUOTA_LIMIT = 300  # LINE OA Thailand free plan today; FY2564's form says 1,000: configurable
# Inbound text that is not a question: district registration, the menu, a survey comment.
NOT_QUESTIONS = ("registration", "menu", "survey-comment")
_CHUNK = 500


@dataclass
class MonthlyCounts:
    """The figures of one Bangkok month, as `kpi close --json` prints them and the reports show them."""

    month: str
    fiscal_year: int
    followers_new: int = 0
    followers_lost: int = 0
    followers_total: int = 0
    districts_registered: int = 0
    districts_active: int = 0
    questions: int = 0
    answered_by_bot: int = 0
    handed_off: int = 0
    answered_by_officer: int = 0
    officer_response_median_minutes: float | None = None
    broadcasts_sent: int = 0
    broadcast_target: int = BROADCAST_TARGET
    broadcast_target_met: bool = False
    broadcasts: list[dict[str, Any]] = field(default_factory=list)
    messages_consumed: int = 0
    messages_consumed_broadcast: int = 0
    messages_consumed_push: int = 0
    quota_limit: int = DEFAULT_QUOTA_LIMIT
    quota_used_pct: float = 0.0
    satisfaction: dict[str, Any] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_district: list[dict[str, Any]] = field(default_factory=list)
    questions_without_district: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    top_entries: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (the stored `figures`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonthlyCounts:
        """Rebuild from stored figures, ignoring keys a later version may have added."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


def compute_month(session: Session, year: int, month: int, *, quota_limit: int | None = None) -> MonthlyCounts:
    """Count a Bangkok month from the log and the broadcast tables; reads only, stores nothing."""
    first, last = month_days(year, month)
    start_utc, end_utc = month_utc_bounds(year, month)
    counts = MonthlyCounts(month=f"{year:04d}-{month:02d}", fiscal_year=fiscal_year_of(year, month))
    in_month = Interaction.bkk_day.between(first, last)

    per_district = _questions(session, counts, in_month)
    _followers(session, counts, first, last, end_utc, per_district)
    _officer_answers(session, counts, in_month, first, last)
    _quota(session, counts, in_month, start_utc, end_utc, quota_limit)
    counts.satisfaction = month_satisfaction(session, first, last, start_utc, end_utc).as_dict()
    return counts


def close_month(session: Session, year: int, month: int, now: dt.datetime, *, quota_limit: int | None = None,
                closed_by: str | None = None) -> MonthlyCounts:
    """Compute the month and store it as a new version (history kept); the caller commits."""
    counts = compute_month(session, year, month, quota_limit=quota_limit)
    previous = current_record(session, counts.month)
    session.add(MonthlyRecord(
        month=counts.month, version=(previous.version + 1) if previous else 1, fiscal_year=counts.fiscal_year,
        closed_at=now, closed_by=closed_by, questions=counts.questions, followers_total=counts.followers_total,
        broadcasts_sent=counts.broadcasts_sent, figures=counts.as_dict(),
        supporting_factors_th=previous.supporting_factors_th if previous else None,
        obstacles_th=previous.obstacles_th if previous else None,
    ))
    session.flush()
    return counts


def current_record(session: Session, month: str) -> MonthlyRecord | None:
    """The latest closed version of a month ("YYYY-MM"), or None if it was never closed."""
    return session.scalars(select(MonthlyRecord).where(MonthlyRecord.month == month)
                           .order_by(MonthlyRecord.version.desc()).limit(1)).first()


def history(session: Session, month: str) -> list[MonthlyRecord]:
    """Every closed version of a month, oldest first."""
    return list(session.scalars(select(MonthlyRecord).where(MonthlyRecord.month == month)
                                .order_by(MonthlyRecord.version)))


# ----------------------------------------------------------------------------- questions
def _questions(session: Session, counts: MonthlyCounts, in_month: Any) -> Counter[int | None]:
    """Questions, bot answers, hand-offs and the breakdowns in one grouped pass; returns per-district counts."""
    is_question = and_(in_month, Interaction.direction == "in", Interaction.kind == "text",
                       or_(Interaction.outcome.is_(None), Interaction.outcome.not_in(NOT_QUESTIONS)))
    by_bot = func.sum(case((Interaction.answered_by == "bot", 1), else_=0))
    handed = func.sum(case((Interaction.handoff.is_(True), 1), else_=0))
    rows = session.execute(
        select(Interaction.bkk_day, Interaction.district_id, Interaction.category, Interaction.entry_id,
               func.count(), by_bot, handed)
        .where(is_question)
        .group_by(Interaction.bkk_day, Interaction.district_id, Interaction.category, Interaction.entry_id)
    ).all()
    per_day: Counter[str] = Counter()
    per_district: Counter[int | None] = Counter()
    per_category: Counter[str] = Counter()
    per_entry: Counter[tuple[str, str | None]] = Counter()
    for day, district_id, category, entry_id, n, bot, handoff in rows:
        counts.questions += n
        counts.answered_by_bot += int(bot or 0)
        counts.handed_off += int(handoff or 0)
        per_day[day.isoformat() if isinstance(day, dt.date) else str(day)] += n
        per_district[district_id] += n
        per_category[category or "(ไม่ระบุหมวด)"] += n
        if entry_id:
            per_entry[(entry_id, category)] += n
    first, last = month_days(*map(int, counts.month.split("-")))
    counts.by_day = {(first + dt.timedelta(days=i)).isoformat(): per_day.get((first + dt.timedelta(days=i))
                                                                            .isoformat(), 0)
                     for i in range((last - first).days + 1)}
    counts.by_category = dict(sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0])))
    counts.top_entries = [{"entry_id": e, "category": c, "count": n} for (e, c), n in per_entry.most_common(10)]
    counts.questions_without_district = per_district.get(None, 0)
    counts.districts_active = sum(1 for d, n in per_district.items() if d is not None and n > 0)
    return per_district


# ----------------------------------------------------------------------------- followers and districts
def _followers(session: Session, counts: MonthlyCounts, first: dt.date, last: dt.date,
               end_utc: dt.datetime, per_district: Counter[int | None]) -> None:
    """New and total followers from follow/unfollow events; districts registered and the 50-row table."""
    events = session.execute(
        select(Interaction.user_id, Interaction.kind, Interaction.bkk_day)
        .where(Interaction.bkk_day <= last, Interaction.direction == "in",
               Interaction.kind.in_(("follow", "unfollow")), Interaction.user_id.is_not(None))
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    state: dict[int, bool] = {}
    new: set[int] = set()
    lost: set[int] = set()
    for user_id, kind, day in events:
        state[user_id] = kind == "follow"
        if day >= first:
            (new if kind == "follow" else lost).add(user_id)
    followers = {u for u, following in state.items() if following}
    # Users whose follow predates the log (or was purged by retention): trust their row.
    for user_id, unfollowed_at in session.execute(
        select(LineUser.id, LineUser.unfollowed_at)
        .where(LineUser.followed_at.is_not(None), LineUser.followed_at < end_utc)
    ):
        if user_id not in state and (unfollowed_at is None or unfollowed_at >= end_utc):
            followers.add(user_id)
    counts.followers_new = len(new)
    counts.followers_lost = len(lost - new)
    counts.followers_total = len(followers)

    registered: Counter[int] = Counter()
    for district_id, n in session.execute(
        select(LineUser.district_id, func.count())
        .where(LineUser.district_id.is_not(None),
               or_(LineUser.district_registered_at.is_(None), LineUser.district_registered_at < end_utc))
        .group_by(LineUser.district_id)
    ):
        registered[district_id] = n
    counts.districts_registered = len(registered)
    counts.by_district = [
        {"code": d.code, "name_th": d.name_th, "name_en": d.name_en, "group_th": d.group_th,
         "registered_users": registered.get(d.id, 0), "questions": per_district.get(d.id, 0),
         "active": per_district.get(d.id, 0) > 0}
        for d in session.scalars(select(District).order_by(District.code))
    ]


# ----------------------------------------------------------------------------- officers
def _officer_answers(session: Session, counts: MonthlyCounts, in_month: Any, first: dt.date,
                     last: dt.date) -> None:
    """Questions whose first officer answer fell in this month, and the median minutes to that answer."""
    officer = and_(Interaction.answered_by == "officer",
                   or_(Interaction.delivery.is_(None), Interaction.delivery != "failed"))
    linked = [q for q in session.scalars(
        select(Interaction.in_reply_to_id).where(in_month, officer, Interaction.in_reply_to_id.is_not(None))
        .distinct())]
    # A question row marked answered by an officer itself (no separate reply row) still counts, untimed.
    unlinked = session.scalar(select(func.count()).select_from(Interaction).where(
        in_month, officer, Interaction.in_reply_to_id.is_(None), Interaction.direction == "in")) or 0
    minutes: list[float] = []
    answered = 0
    for chunk in _chunks(linked):
        first_reply = dict(session.execute(
            select(Interaction.in_reply_to_id, func.min(Interaction.occurred_at))
            .where(officer, Interaction.in_reply_to_id.in_(chunk)).group_by(Interaction.in_reply_to_id)).all())
        asked = dict(session.execute(select(Interaction.id, Interaction.occurred_at)
                                     .where(Interaction.id.in_(chunk))).all())
        for question_id, replied_at in first_reply.items():
            if replied_at is None or not first <= bangkok_day(_aware(replied_at)) <= last:
                continue  # first answered in another month: counted there
            answered += 1
            if question_id in asked and asked[question_id] is not None:
                minutes.append((_aware(replied_at) - _aware(asked[question_id])).total_seconds() / 60)
    counts.answered_by_officer = answered + unlinked
    counts.officer_response_median_minutes = round(statistics.median(minutes), 1) if minutes else None


def _aware(moment: dt.datetime) -> dt.datetime:
    """Aggregates (min) bypass the UTC column type on some drivers: make naive UTC aware again."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _chunks(values: Sequence[int]) -> Iterable[list[int]]:
    """Slices small enough for an IN (...) list on every database."""
    for i in range(0, len(values), _CHUNK):
        yield list(values[i:i + _CHUNK])


# ----------------------------------------------------------------------------- broadcasts and quota
BROADCAST_TABLES = ("broadcast_sends", "broadcasts", "broadcast_deliveries")


def _find_broadcast_table(session: Session) -> tuple[Table, set[str]] | None:
    """The broadcast helper's send table, if that feature is installed: status, sent_at, messages_consumed."""
    inspector = inspect(session.connection())
    names = inspector.get_table_names()
    ordered = [n for n in BROADCAST_TABLES if n in names] + sorted(
        n for n in names if "broadcast" in n and n not in BROADCAST_TABLES)
    for name in ordered:
        columns = {c["name"] for c in inspector.get_columns(name)}
        if {"status", "sent_at"} <= columns and ({"messages_consumed", "recipients"} & columns):
            return table(name, *(column(c) for c in columns)), columns
    return None


def _quota(session: Session, counts: MonthlyCounts, in_month: Any, start_utc: dt.datetime, end_utc: dt.datetime,
           quota_limit: int | None) -> None:
    """Tips sent against the ≥ 6 target and quota use: broadcasts (if that table exists) plus pushes."""
    found = _find_broadcast_table(session)
    if found is not None:
        sends, columns = found
        start, end = start_utc.replace(tzinfo=None), end_utc.replace(tzinfo=None)  # stored as naive UTC
        cost = sends.c.messages_consumed if "messages_consumed" in columns else sends.c.recipients
        where = and_(sends.c.status == "sent", sends.c.sent_at >= start, sends.c.sent_at < end)
        n, consumed = session.execute(select(func.count(), func.coalesce(func.sum(cost), 0)).where(where)).one()
        counts.broadcasts_sent = int(n or 0)
        counts.messages_consumed_broadcast = int(consumed or 0)
        label = next((c for c in ("title", "title_th", "topic", "name", "text", "entry_id") if c in columns), None)
        extra = [sends.c[label]] if label else []
        recipients = [sends.c.recipients] if "recipients" in columns else []
        for row in session.execute(select(sends.c.sent_at, *recipients, *extra).where(where)
                                   .order_by(sends.c.sent_at)).all():
            sent_at = _aware(row[0])
            counts.broadcasts.append({
                "sent_at": sent_at.isoformat(), "bkk_day": bangkok_day(sent_at).isoformat(),
                "recipients": int(row[1]) if recipients and row[1] is not None else None,
                "title": str(row[-1]).split("\n")[0][:120] if label and row[-1] is not None else None,
            })
        if quota_limit is None and "quota_limit" in columns:
            quota_limit = session.scalar(select(sends.c.quota_limit).where(sends.c.quota_limit.is_not(None))
                                         .order_by(sends.c.sent_at.desc()).limit(1))
        counts.sources["broadcasts"] = sends.name
    else:
        counts.sources["broadcasts"] = "none (no broadcast table yet: 0)"
    counts.messages_consumed_push = session.scalar(select(func.count()).select_from(Interaction).where(
        in_month, Interaction.direction == "out", Interaction.kind == "push",
        or_(Interaction.delivery.is_(None), Interaction.delivery == "sent"))) or 0
    counts.messages_consumed = counts.messages_consumed_broadcast + counts.messages_consumed_push
    counts.quota_limit = int(quota_limit or DEFAULT_QUOTA_LIMIT)
    counts.quota_used_pct = round(100 * counts.messages_consumed / counts.quota_limit, 1) if counts.quota_limit else 0
    counts.broadcast_target_met = counts.broadcasts_sent >= counts.broadcast_target
