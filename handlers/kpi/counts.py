"""Closing a month: the activity figures computed from the log, stored as a new MonthlyRecord version."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from handlers.chat.satisfaction import month_satisfaction
from handlers.clock import BANGKOK, bangkok_day, utcnow
from handlers.club.figures import club_month
from handlers.kpi.models import MonthlyRecord
from handlers.kpi.periods import QUOTA_BOUNDARY_TH, fiscal_year_of, month_days, month_utc_bounds, quota_month_bounds
from handlers.models import NEAREST, District, Interaction, LineUser
from handlers.tips.models import SEND_DETAIL_PREFIX, Broadcast

BROADCAST_TARGET = 6  # «เดือนละไม่น้อยกว่า 6 ครั้ง» (seed 001, component 4)
DEFAULT_QUOTA_LIMIT = 300  # LINE OA Thailand free plan today; FY2564's form says 1,000: configurable
# Inbound text that is not a question: district registration, the menu, a survey comment, English Club sign-up.
NOT_QUESTIONS = ("registration", "menu", "survey-comment", "club-registration")
# Every question lands in exactly one of these, decided by the first rule that holds (see `outcome_of`).
OUTCOMES = ("answered_by_bot", "did_you_mean_chosen", "did_you_mean_not_chosen", "handed_over",
            "answered_by_officer", "off_topic", "other")
OUTCOMES_TH = {
    "answered_by_bot": "ระบบตอบอัตโนมัติ (รวมสมุดรายชื่อสถานทูต)",
    "did_you_mean_chosen": "ระบบเสนอหัวข้อให้เลือก และผู้ใช้เลือกหัวข้อ",
    "did_you_mean_not_chosen": "ระบบเสนอหัวข้อให้เลือก แต่ผู้ใช้ไม่ได้เลือก",
    "handed_over": "ส่งต่อเจ้าหน้าที่ (ยังไม่ได้ตอบ)",
    "answered_by_officer": "เจ้าหน้าที่ตอบแล้ว",
    "off_topic": "นอกขอบเขตของ @IAO (ระบบแจ้งปฏิเสธ)",
    "other": "อื่น ๆ (คำทักทาย ขอบคุณ ข้อความว่าง)",
}
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
    did_you_mean_chosen: int = 0
    did_you_mean_not_chosen: int = 0
    handed_over: int = 0
    answered_by_officer: int = 0
    off_topic: int = 0
    other: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # the seven keys above; values sum to `questions`
    other_detail: dict[str, int] = field(default_factory=dict)  # what "other" was: greeting, thanks, empty ...
    officer_answers_in_month: int = 0  # questions (of any month) whose first officer answer fell in this one
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
    # messages_consumed* and quota_used_pct count LINE's quota month (Japan time), not the Bangkok month
    quota_month_start: str = ""
    quota_month_end: str = ""
    quota_boundary_th: str = QUOTA_BOUNDARY_TH
    satisfaction: dict[str, Any] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_district: list[dict[str, Any]] = field(default_factory=list)
    questions_without_district: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    top_entries: list[dict[str, Any]] = field(default_factory=list)
    # What to write next: topics handed over, declined as off-topic or marked 👎, most first.
    topics_to_write: list[dict[str, Any]] = field(default_factory=list)
    # English Club Friday: the month's sessions, registrations and attendance by district (handlers.club)
    english_club: dict[str, Any] = field(default_factory=dict)
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
    _quota(session, counts, start_utc, end_utc, quota_limit)
    counts.satisfaction = month_satisfaction(session, first, last, start_utc, end_utc).as_dict()
    counts.english_club = club_month(session, first, last, bangkok_day(utcnow()))
    return counts


def close_month(session: Session, year: int, month: int, now: dt.datetime, *, quota_limit: int | None = None,
                closed_by: str | None = None, quota_source: str | None = None) -> MonthlyCounts:
    """Compute the month and store it as a new version (history kept); the caller commits.

    Entry points call handlers.kpi.close.close_kpi_month, which waits, decides the quota and audits.
    """
    counts = compute_month(session, year, month, quota_limit=quota_limit)
    if quota_source:
        counts.sources["quota_limit"] = quota_source
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
def outcome_of(outcome: str | None, handoff: bool, answered_by: str | None, officer_answered: bool,
               chosen: bool) -> str:
    """The one outcome of a question: an officer's answer wins, then a hand-over, then what the bot did."""
    if officer_answered or answered_by == "officer":
        return "answered_by_officer"  # an officer's answer was written (not one LINE refused for good)
    if handoff:
        return "handed_over"  # the bot or the user sent it to an officer, not answered yet
    if outcome == "suggest":
        return "did_you_mean_chosen" if chosen else "did_you_mean_not_chosen"
    if outcome == "answer" and answered_by == "bot":
        return "answered_by_bot"  # knowledge base or directory of missions (category "directory")
    if outcome == "off_topic":
        return "off_topic"
    return "other"  # greeting, thanks, empty, or an outcome this version does not know


def _questions(session: Session, counts: MonthlyCounts, in_month: Any) -> Counter[int | None]:
    """Questions, each in exactly one outcome, and the breakdowns; returns per-district counts."""
    is_question = and_(in_month, Interaction.direction == "in", Interaction.kind == "text",
                       or_(Interaction.outcome.is_(None), Interaction.outcome.not_in(NOT_QUESTIONS)))
    rows = session.execute(
        select(Interaction.id, Interaction.bkk_day, Interaction.district_id, Interaction.category,
               Interaction.entry_id, Interaction.outcome, Interaction.handoff, Interaction.answered_by,
               Interaction.detail)
        .where(is_question)
    ).all()
    first, last = month_days(*map(int, counts.month.split("-")))
    officer_answered, chosen = _replied(session, first, {row.id for row in rows})
    per_day: Counter[str] = Counter()
    per_district: Counter[int | None] = Counter()
    per_category: Counter[str] = Counter()
    per_entry: Counter[tuple[str, str | None]] = Counter()
    per_outcome: Counter[str] = Counter()
    other: Counter[str] = Counter()
    topics: dict[tuple[str | None, bool, str | None], Counter[str]] = {}
    for row in rows:
        counts.questions += 1
        kind = outcome_of(row.outcome, bool(row.handoff), row.answered_by, row.id in officer_answered,
                          row.id in chosen)
        per_outcome[kind] += 1
        if kind == "other":
            other[row.outcome or "(none)"] += 1
        if row.handoff or kind == "off_topic":
            _topic(topics, row.entry_id, row.detail, row.category)["handed_over" if row.handoff else "off_topic"] += 1
        day = row.bkk_day
        per_day[day.isoformat() if isinstance(day, dt.date) else str(day)] += 1
        per_district[row.district_id] += 1
        per_category[row.category or "(ไม่ระบุหมวด)"] += 1
        if row.entry_id:
            per_entry[(row.entry_id, row.category)] += 1
    for entry_id, category in session.execute(
        select(Interaction.entry_id, Interaction.category).where(
            in_month, Interaction.direction == "in", Interaction.outcome == "feedback-down")
    ):
        _topic(topics, entry_id, None, category)["thumbs_down"] += 1
    counts.outcomes = {name: per_outcome.get(name, 0) for name in OUTCOMES}
    for name, n in counts.outcomes.items():
        setattr(counts, name, n)
    counts.other_detail = dict(sorted(other.items(), key=lambda kv: (-kv[1], kv[0])))
    counts.topics_to_write = sorted(
        ({"entry_id": e, "nearest": near, "category": c, "handed_over": n["handed_over"],
          "off_topic": n["off_topic"], "thumbs_down": n["thumbs_down"], "total": sum(n.values())}
         for (e, near, c), n in topics.items()),
        key=lambda t: (-int(str(t["total"])), str(t["entry_id"] or "~"), str(t["category"] or "")))[:20]
    counts.by_day = {(first + dt.timedelta(days=i)).isoformat(): per_day.get((first + dt.timedelta(days=i))
                                                                            .isoformat(), 0)
                     for i in range((last - first).days + 1)}
    counts.by_category = dict(sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0])))
    counts.top_entries = [{"entry_id": e, "category": c, "count": n} for (e, c), n in per_entry.most_common(10)]
    counts.questions_without_district = per_district.get(None, 0)
    counts.districts_active = sum(1 for d, n in per_district.items() if d is not None and n > 0)
    return per_district


def _topic(topics: dict[tuple[str | None, bool, str | None], Counter[str]], entry_id: str | None,
           detail: str | None, category: str | None) -> Counter[str]:
    """The tally of one topic: the question's entry, else the nearest entry the matcher saw, else none."""
    nearest = False
    if not entry_id and detail and detail.startswith(NEAREST):
        entry_id, nearest = detail[len(NEAREST):].split(";")[0][:100], True
    return topics.setdefault((entry_id or None, nearest, category if entry_id else None), Counter())


def _replied(session: Session, first: dt.date, question_ids: set[int]) -> tuple[set[int], set[int]]:
    """Which questions an officer answered and which "did you mean" offers the user took, up to now.

    A reply never precedes its question, so scanning from the month's first day (indexed) finds them all.
    """
    officer: set[int] = set()
    chosen: set[int] = set()
    if not question_ids:
        return officer, chosen
    for asked, answered_by, outcome, delivery in session.execute(
        select(Interaction.in_reply_to_id, Interaction.answered_by, Interaction.outcome, Interaction.delivery)
        .where(Interaction.bkk_day >= first, Interaction.in_reply_to_id.is_not(None),
               or_(Interaction.answered_by == "officer", Interaction.outcome == "menu-answer"))
    ):
        if asked not in question_ids:
            continue
        if answered_by == "officer" and delivery != "failed":
            officer.add(asked)
        elif outcome == "menu-answer":
            chosen.add(asked)
    return officer, chosen


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
        if user_id is None:  # excluded by the query; keeps the type exact
            continue
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
        if district_id is not None:
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
        .distinct()) if q is not None]
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
    counts.officer_answers_in_month = answered + unlinked
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
def _quota(session: Session, counts: MonthlyCounts, start_utc: dt.datetime, end_utc: dt.datetime,
           quota_limit: int | None) -> None:
    """Tips sent in the Bangkok month against the ≥ 6 target; quota use in LINE's (Japan-time) quota month."""
    year, month = (int(x) for x in counts.month.split("-"))
    q_start, q_end = quota_month_bounds(year, month)
    counts.quota_month_start = q_start.astimezone(BANGKOK).isoformat(timespec="minutes")
    counts.quota_month_end = q_end.astimezone(BANGKOK).isoformat(timespec="minutes")
    sent_in_month = and_(Broadcast.status == "sent", Broadcast.sent_at >= start_utc, Broadcast.sent_at < end_utc)
    counts.broadcasts_sent = int(session.scalar(select(func.count()).select_from(Broadcast)
                                                .where(sent_in_month)) or 0)
    counts.messages_consumed_broadcast = int(session.scalar(
        select(func.coalesce(func.sum(func.coalesce(Broadcast.messages_consumed, Broadcast.recipients)), 0))
        .where(Broadcast.status == "sent", Broadcast.sent_at >= q_start, Broadcast.sent_at < q_end)) or 0)
    for sent_at, recipients, text in session.execute(
            select(Broadcast.sent_at, Broadcast.recipients, Broadcast.text).where(sent_in_month)
            .order_by(Broadcast.sent_at)).all():
        if sent_at is None:  # a sent row always has its time; keeps the type exact
            continue
        moment = _aware(sent_at)
        counts.broadcasts.append({
            "sent_at": moment.isoformat(), "bkk_day": bangkok_day(moment).isoformat(),
            "recipients": int(recipients) if recipients is not None else None,
            "title": str(text).split("\n")[0][:120] if text is not None else None,
        })
    counts.sources["broadcasts"] = Broadcast.__tablename__
    in_quota_month = and_(Interaction.occurred_at >= q_start, Interaction.occurred_at < q_end,
                          Interaction.bkk_day.between(bangkok_day(q_start), bangkok_day(q_end)))  # day: indexed
    counts.messages_consumed_push = session.scalar(select(func.count()).select_from(Interaction).where(
        in_quota_month, Interaction.direction == "out", Interaction.kind == "push",
        or_(Interaction.delivery.is_(None), Interaction.delivery == "sent"),
        # a tip sent by push is already counted with the tips' sends above (its log line names the send)
        or_(Interaction.detail.is_(None), Interaction.detail.not_like(f"{SEND_DETAIL_PREFIX}%")))) or 0
    counts.messages_consumed = counts.messages_consumed_broadcast + counts.messages_consumed_push
    counts.quota_limit = int(quota_limit or DEFAULT_QUOTA_LIMIT)
    counts.quota_used_pct = round(100 * counts.messages_consumed / counts.quota_limit, 1) if counts.quota_limit else 0
    counts.broadcast_target_met = counts.broadcasts_sent >= counts.broadcast_target
