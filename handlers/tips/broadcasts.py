"""Scheduled tips (เกร็ดความรู้): what to send when, whether it fits LINE's monthly quota, and sending it once.

The send path is built so that a tip reaches LINE exactly once:
  1. a row is claimed with a compare-and-set UPDATE (two runners never both own it);
  2. its X-Line-Retry-Key, method, recipients and messages are frozen and committed before the first call;
  3. a retry (5xx, timeout, a crashed run found later) repeats the identical request with the same key,
     and LINE answers 409 when it already accepted it, which counts as sent.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import ForeignKey, Index, Integer, String, Text, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from handlers.chat.replies import Message, QuickReply
from handlers.clock import BANGKOK, bangkok_day, utcnow
from handlers.kpi.periods import QUOTA_BOUNDARY_EN, QUOTA_BOUNDARY_TH, parse_month, quota_month_bounds
from handlers.models import Base, Interaction, LineUser, UtcDateTime
from handlers.ports import QUOTA_EXHAUSTED_TH, DeliveryError, Messenger, Quota

log = logging.getLogger(__name__)

STATUSES = ("scheduled", "sending", "sent", "held_for_quota", "failed", "cancelled")
PUBLIC_STATUS = {"sending": "scheduled"}  # in flight: still "scheduled" to anyone listing sends
AUDIENCES = ("all", "districts", "users")
MAX_MESSAGES = 5  # LINE: up to 5 message objects per send, counted once per recipient
MAX_MULTICAST = 500
DEFAULT_RESERVE = 20
MONTHLY_TARGET = 6
ENGLISH_CLUB_RULE = "0 9 * * fri#3"
ENGLISH_CLUB_TEXT = ("📣 วันนี้ศุกร์ที่ 3 ของเดือน: English Club Friday สำหรับบุคลากรสำนักงานเขต "
                     "ฝึกภาษาอังกฤษที่ใช้ในงานกับเจ้าหน้าที่ สกต. ติดตามลิงก์เข้าร่วมทาง @IAO ค่ะ")
ENGLISH_CLUB_ENTRY = "englishclub-friday"
RULE_ALIASES = {"english-club": ENGLISH_CLUB_RULE, "tue-fri-9": "0 9 * * tue,fri"}
ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th", "L": "last"}
DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ----------------------------------------------------------------------------------------------- models
class Tip(Base):
    """A tip officers wrote: sent once at a time, or again and again by a cron-like rule."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(1000))
    image_url: Mapped[str | None] = mapped_column(String(1000))
    entry_id: Mapped[str | None] = mapped_column(String(100))
    rule: Mapped[str | None] = mapped_column(String(100))  # "M H DOM MON DOW", DOW may be "fri#3"
    audience: Mapped[str] = mapped_column(String(16), default="all")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Broadcast(Base):
    """One send of one to five tips at a time; holds its retry key and what LINE charged for it."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_time", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    tip_ids: Mapped[str] = mapped_column(String(200), default="[]")  # JSON: every tip in the bundle
    text: Mapped[str] = mapped_column(Text)  # the first tip's text, for lists and the log
    payload: Mapped[str] = mapped_column(Text)  # JSON messages, frozen so a retry is identical
    scheduled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    audience: Mapped[str] = mapped_column(String(16), default="all")
    method: Mapped[str | None] = mapped_column(String(16))  # broadcast | multicast | push, frozen at first try
    targets: Mapped[str | None] = mapped_column(Text)  # JSON LINE user ids, frozen at first try
    retry_key: Mapped[str | None] = mapped_column(String(36))
    key_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    occurrence_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    estimated_cost: Mapped[int | None] = mapped_column(Integer)
    recipients: Mapped[int | None] = mapped_column(Integer)
    messages_consumed: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


ScheduledSend = Broadcast


class SendAttempt(Base):
    """One HTTP call to LINE for a send: the audit trail that shows one retry key per send."""

    __tablename__ = "broadcast_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    retry_key: Mapped[str] = mapped_column(String(36))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # sent | retryable | rate_limited | quota | rejected
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))


class Notice(Base):
    """Something officers must know (a tip held for quota, a failed send), for the console to list."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    level: Mapped[str] = mapped_column(String(8), default="warning")
    kind: Mapped[str] = mapped_column(String(32))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    text: Mapped[str] = mapped_column(String(1000))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SchedulerLease(Base):
    """Who may run the scheduled jobs now: one row per job family, taken by compare-and-set."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ticks: Mapped[int] = mapped_column(Integer, default=0)


# ----------------------------------------------------------------------------------------------- rules
def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday=0) of a month; n=-1 is the last (e.g. English Club: 3rd Friday)."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, d).weekday() == weekday]
    return dt.date(year, month, days[n - 1 if n > 0 else n])


def normalize_rule(rule: str) -> str:
    """Expand aliases and check the rule; raises ValueError naming what is wrong."""
    rule = RULE_ALIASES.get(rule.strip().lower(), rule.strip())
    rule_trigger(rule)
    return rule


def rule_trigger(rule: str) -> CronTrigger:
    """A cron rule "minute hour day month day-of-week" in Bangkok time; day-of-week "fri#3" = 3rd Friday."""
    fields = rule.split()
    if len(fields) != 5:
        raise ValueError(f"a rule has 5 fields (minute hour day month day-of-week), not {rule!r}")
    minute, hour, day, month, dow = fields
    if "#" in dow:
        name, _, nth = dow.partition("#")
        if nth not in ORDINALS or day != "*":
            raise ValueError(f"use day-of-week like fri#3 (1-5 or L) with day '*', not {rule!r}")
        day, dow = f"{ORDINALS[nth]} {_dow_name(name)}", "*"
    else:
        dow = ",".join("-".join(_dow_name(p) for p in part.split("-")) for part in dow.split(","))
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=BANGKOK)
    except ValueError as error:
        raise ValueError(f"bad rule {rule!r}: {error}") from None


def _dow_name(part: str) -> str:
    """Cron day-of-week (0 or 7 = Sunday, or a name) as APScheduler's name (which counts from Monday)."""
    part = part.strip().lower()
    if part.isdigit():
        if int(part) > 7:
            raise ValueError(f"day of week {part} is out of range")
        return DOW_NAMES[int(part)]
    return part


def occurrences(rule: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every time the rule fires in [start, end), as aware UTC datetimes."""
    trigger = rule_trigger(rule)
    found: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start.astimezone(BANGKOK))
    while fire is not None and fire < end and len(found) < 1000:
        found.append(fire.astimezone(dt.UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    return found


# ----------------------------------------------------------------------------------------------- messages
def tip_message(tip: Tip) -> Message:
    """A tip as a LINE text message; a linked knowledge entry becomes a free 'read more' quick reply."""
    text = tip.text.strip()
    if tip.link_url:
        text += f"\n\n🔗 {tip.link_url}"
    if tip.image_url:
        text += f"\n🖼 {tip.image_url}"
    buttons: tuple[QuickReply, ...] = ()
    if tip.entry_id:
        buttons = (QuickReply(label="อ่านเพิ่มเติม", data=urlencode({"action": "entry", "id": tip.entry_id}),
                              display_text="อ่านเพิ่มเติม"),)
    return Message(text, buttons)


def _dump(messages: Sequence[Message]) -> str:
    """Messages as stored JSON (frozen at scheduling so every retry sends the same body)."""
    return json.dumps([{"text": m.text, "quick_replies": [
        {"label": q.label, "text": q.text, "data": q.data, "display_text": q.display_text}
        for q in m.quick_replies]} for m in messages], ensure_ascii=False)


def load_messages(payload: str) -> list[Message]:
    """The stored JSON messages back as handlers.chat.replies.Message values."""
    return [Message(m["text"], tuple(QuickReply(**q) for q in m.get("quick_replies", [])))
            for m in json.loads(payload)]


# ----------------------------------------------------------------------------------------------- scheduling
def create_tip(session: Session, text: str, *, link_url: str | None = None, image_url: str | None = None,
               entry_id: str | None = None, rule: str | None = None, audience: str = "all",
               now: dt.datetime | None = None) -> Tip:
    """Save a tip; with a rule it recurs (its sends are made by materialize())."""
    if not text.strip():
        raise ValueError("a tip needs text")
    if audience not in AUDIENCES[:2]:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES[:2])}")
    tip = Tip(text=text.strip(), link_url=link_url, image_url=image_url, entry_id=entry_id,
              rule=normalize_rule(rule) if rule else None, audience=audience, created_at=now or utcnow())
    session.add(tip)
    session.flush()
    return tip


def schedule(session: Session, tips: Sequence[Tip], at: dt.datetime, *, audience: str = "all",
             targets: Sequence[str] | None = None, occurrence_key: str | None = None) -> Broadcast:
    """Schedule one send of one to five tips (a bundle costs once per recipient)."""
    if at.tzinfo is None:
        raise ValueError("the send time needs a time zone, e.g. 2026-12-04T09:00+07:00")
    if not 1 <= len(tips) <= MAX_MESSAGES:
        raise ValueError(f"a send holds 1 to {MAX_MESSAGES} tips, not {len(tips)}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
    if audience == "users" and not targets:
        raise ValueError("audience 'users' needs LINE user ids")
    row = Broadcast(tip_id=tips[0].id, tip_ids=json.dumps([t.id for t in tips]), text=tips[0].text,
                    payload=_dump([tip_message(t) for t in tips]), scheduled_at=at, status="scheduled",
                    audience=audience, occurrence_key=occurrence_key,
                    targets=json.dumps(list(targets)[:MAX_MULTICAST]) if targets else None)
    session.add(row)
    session.flush()
    return row


def materialize(session: Session, now: dt.datetime, *, until: dt.datetime | None = None,
                grace: dt.timedelta = dt.timedelta(hours=12)) -> int:
    """Turn recurring tips' occurrences (from now-grace to `until`, default a day ahead) into send rows."""
    until = until or now + dt.timedelta(days=1)
    added = 0
    for tip in session.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))):
        start = max(tip.created_at, now - grace)
        for moment in occurrences(tip.rule or "", start, until):
            key = f"tip{tip.id}@{moment.strftime('%Y%m%dT%H%MZ')}"
            if session.scalar(select(Broadcast.id).where(Broadcast.occurrence_key == key)) is not None:
                continue
            try:
                with session.begin_nested():
                    schedule(session, [tip], moment, audience=tip.audience, occurrence_key=key)
                added += 1
            except IntegrityError:  # another process made the same occurrence first
                continue
    return added


def cancel(session: Session, broadcast_id: int) -> bool:
    """Cancel a send that has not gone out; False when it is sent, in flight or unknown."""
    result = session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id,
                                Broadcast.status.in_(("scheduled", "held_for_quota")))
        .values(status="cancelled", claim_token=None).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def stop_tip(session: Session, tip_id: int) -> int:
    """Stop a recurring tip and cancel its unsent occurrences; returns how many sends were cancelled."""
    tip = session.get(Tip, tip_id)
    if tip is None:
        return 0
    tip.active = False
    ids = session.scalars(select(Broadcast.id).where(Broadcast.tip_id == tip_id,
                                                     Broadcast.status.in_(("scheduled", "held_for_quota"))))
    return sum(cancel(session, i) for i in list(ids))


# ----------------------------------------------------------------------------------------------- audience
def representatives(session: Session) -> list[LineUser]:
    """One follower per district: the one who registered the district first (ties by id)."""
    users = session.scalars(select(LineUser).where(LineUser.is_follower.is_(True), LineUser.district_id.is_not(None))
                            .order_by(LineUser.district_id, LineUser.district_registered_at, LineUser.id))
    chosen: dict[int, LineUser] = {}
    for user in users:
        if user.district_id is not None and user.district_id not in chosen:
            if user.district_registered_at is None and any(
                    u.district_id == user.district_id for u in chosen.values()):
                continue
            chosen[user.district_id] = user
    return list(chosen.values())


def local_followers(session: Session) -> int:
    """Friends the bot knows of from follow events (the fallback when LINE's insight is not ready)."""
    return int(session.scalar(select(func.count()).select_from(LineUser).where(LineUser.is_follower.is_(True))) or 0)


def broadcast_reach(session: Session, messenger: Messenger) -> int:
    """What a broadcast costs: LINE's targetedReaches or the local count of followers, whichever is larger.

    LINE's insight is a day behind, so friends who followed since are counted from the local log: the quota
    check must never underestimate a send.
    """
    reach = None
    try:
        reach = messenger.followers_reach()
    except DeliveryError:
        reach = None
    return max(reach or 0, local_followers(session))


# ----------------------------------------------------------------------------------------------- sending
@dataclass(frozen=True)
class SendPolicy:
    """How send_due behaves; the defaults suit the Thai free plan (300 a month)."""

    reserve: int = DEFAULT_RESERVE  # messages kept back for officers' pushes
    grace: dt.timedelta = dt.timedelta(hours=12)  # a send found later than this is reported missed, not sent
    hold_window: dt.timedelta = dt.timedelta(days=3)  # a held or retried send is given up after this
    lease: dt.timedelta = dt.timedelta(minutes=5)  # a claim older than this belongs to a crashed run
    attempts: int = 3  # calls per run after 5xx or timeouts, all with the same retry key
    backoff: float = 1.0  # seconds before the second call, doubled each time
    retry_later: dt.timedelta = dt.timedelta(minutes=15)  # after a rate-limit 429 or exhausted retries
    quota_recheck: dt.timedelta = dt.timedelta(hours=1)  # how often a held send looks at the quota again
    key_valid: dt.timedelta = dt.timedelta(hours=23)  # LINE honours a retry key for 24 hours


@dataclass
class SendReport:
    """What one send_due run did, by send id."""

    sent: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    later: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # claimed by another runner
    missed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        """Plain data for --json output and logs."""
        return {k: list(v) for k, v in self.__dict__.items()}


@dataclass
class _Ledger:
    """Quota spent in this run, so a lagging consumption figure from LINE cannot let us overspend."""

    baseline: int | None = None
    spent: int = 0

    def used(self, reported: int) -> int:
        if self.baseline is None:
            self.baseline = reported
        return max(reported, self.baseline + self.spent)


def _notice(session: Session, kind: str, text: str, broadcast_id: int | None, level: str = "warning") -> None:
    """Tell officers (console list) and the log at WARNING."""
    session.add(Notice(kind=kind, text=text[:1000], broadcast_id=broadcast_id, level=level))
    log.warning("broadcast %s: %s: %s", broadcast_id, kind, text)


def send_due(sessions: sessionmaker[Session], messenger: Messenger, *, now: dt.datetime | None = None,
             policy: SendPolicy = SendPolicy(), sleep: Callable[[float], None] = time.sleep) -> SendReport:
    """Send everything due now that fits the quota, each exactly once; never raises for LINE's errors."""
    now = now or utcnow()
    report = SendReport()
    with sessions() as session:
        materialize(session, now, grace=policy.grace)
        session.commit()
        report.missed = _expire(session, now, policy)
        session.commit()
        candidates = list(session.execute(select(Broadcast.id, Broadcast.status).where(_claimable(now, policy))
                                          .order_by(Broadcast.scheduled_at, Broadcast.id)))
        session.commit()
    ledger = _Ledger()
    for broadcast_id, previous in candidates:
        token = _claim(sessions, broadcast_id, now, policy)
        if token is None:
            report.skipped.append(broadcast_id)
            continue
        try:
            outcome = _deliver(sessions, messenger, broadcast_id, token, previous, now, policy, ledger, sleep)
        except Exception:  # a bug or the database: leave the claim to expire, keep going with the rest
            log.exception("broadcast %s: unexpected error; it will be resumed with the same retry key",
                          broadcast_id)
            outcome = "later"
        getattr(report, outcome).append(broadcast_id)
    return report


def _claimable(now: dt.datetime, policy: SendPolicy):  # type: ignore[no-untyped-def]
    """Rows a runner may claim: due and scheduled, held and due for a quota re-check, or abandoned mid-send."""
    ready = or_(Broadcast.next_attempt_at.is_(None), Broadcast.next_attempt_at <= now)
    return or_(
        (Broadcast.status == "scheduled") & (Broadcast.scheduled_at <= now) & ready,
        (Broadcast.status == "held_for_quota") & ready & (Broadcast.scheduled_at >= now - policy.hold_window),
        (Broadcast.status == "sending") & (Broadcast.claimed_at < now - policy.lease),
    )


def _claim(sessions: sessionmaker[Session], broadcast_id: int, now: dt.datetime, policy: SendPolicy) -> str | None:
    """Compare-and-set the row to 'sending' under a fresh token; None when another runner has it."""
    token = uuid.uuid4().hex
    with sessions() as session:
        result = session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id, _claimable(now, policy))
            .values(status="sending", claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False))
        session.commit()
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _expire(session: Session, now: dt.datetime, policy: SendPolicy) -> list[int]:
    """Sends never tried and later than the grace period, or retried past the hold window: failed, told."""
    stale = list(session.scalars(select(Broadcast).where(
        Broadcast.status.in_(("scheduled", "held_for_quota")),
        or_((Broadcast.retry_key.is_(None)) & (Broadcast.status == "scheduled")
            & (Broadcast.scheduled_at < now - policy.grace),
            Broadcast.scheduled_at < now - policy.hold_window))))
    for row in stale:
        row.status = "failed"
        row.reason = (f"missed: not sent within {policy.grace} of {_bkk(row.scheduled_at)}"
                      if row.retry_key is None and row.last_outcome != "quota"
                      else f"gave up after {row.attempts} attempt(s): {row.reason or ''}")[:500]
        _notice(session, "failed", row.reason, row.id)
    return [r.id for r in stale]


def _recipients(session: Session, row: Broadcast, messenger: Messenger) -> tuple[str, list[str] | None, int]:
    """Method, LINE user ids (None for a broadcast) and the estimated cost of a send."""
    if row.audience == "all":
        return "broadcast", None, broadcast_reach(session, messenger)
    if row.audience == "districts":
        ids = [u.line_user_id for u in representatives(session)][:MAX_MULTICAST]
    else:
        ids = list(dict.fromkeys(json.loads(row.targets or "[]")))[:MAX_MULTICAST]
    return ("push" if len(ids) == 1 else "multicast"), ids, len(ids)


def _deliver(sessions: sessionmaker[Session], messenger: Messenger, broadcast_id: int, token: str, previous: str,
             now: dt.datetime, policy: SendPolicy, ledger: _Ledger, sleep: Callable[[float], None]) -> str:
    """Check the quota, freeze and commit the request with its retry key, then call LINE; returns the outcome."""
    with sessions() as session:
        row = session.get(Broadcast, broadcast_id)
        if row is None or row.claim_token != token:
            return "skipped"
        resumed = row.retry_key is not None and row.key_used_at is not None
        if resumed and row.key_used_at is not None and now - row.key_used_at > policy.key_valid:
            if row.last_outcome in ("rate_limited", "quota"):  # LINE refused it for sure: a new key is safe
                row.retry_key, row.key_used_at, row.method, row.targets, resumed = None, None, None, None, False
            else:
                return _finish(session, row, "failed", "delivery unknown and the retry key has expired; "
                                                       "check LINE Official Account Manager before re-sending")
        if resumed:  # identical request again: LINE answers 409 if it already has it
            targets = json.loads(row.targets) if row.targets else None
            method, cost = row.method or "broadcast", row.estimated_cost or 0
        else:
            method, targets, cost = _recipients(session, row, messenger)
            if cost == 0:
                return _finish(session, row, "failed", "no recipients (no friends, or no district representatives)")
        # A send LINE may already have taken (timeout, 5xx, crash) is repeated as is: it costs nothing if it
        # went through. Anything else is checked against the quota first.
        if not resumed or row.last_outcome in ("quota", "rate_limited"):
            try:
                quota = messenger.quota()
            except DeliveryError as error:
                row.status, row.claim_token = previous if previous != "sending" else "scheduled", None
                row.next_attempt_at, row.reason = now + policy.retry_later, f"quota unavailable: {error}"[:500]
                session.commit()
                log.warning("broadcast %s: quota unavailable, will try later: %s", row.id, error)
                return "later"
            used = ledger.used(quota.used)
            if quota.limit is not None and used + cost > quota.limit - policy.reserve:
                left = max(0, quota.limit - policy.reserve - used)
                reason = (f"needs {cost} messages; {left} left this month "
                          f"(quota {quota.limit}, used {used}, reserve {policy.reserve})")
                return _hold(session, row, reason, now + policy.quota_recheck, notify=previous != "held_for_quota")
        if not resumed:
            row.method, row.estimated_cost = method, cost
            row.targets = json.dumps(targets) if targets is not None else None
            row.retry_key = row.retry_key or str(uuid.uuid4())
            row.key_used_at = row.key_used_at or utcnow()
        row.attempts += 1
        messages, key, text = load_messages(row.payload), row.retry_key or "", row.text
        attempt = SendAttempt(broadcast_id=row.id, retry_key=key, started_at=utcnow())
        session.add(attempt)
        session.commit()  # the retry key is durable before LINE sees it

        error: DeliveryError | None = None
        for number in range(policy.attempts):
            error = None
            try:
                if method == "broadcast":
                    messenger.broadcast(messages, key)
                elif method == "push" and targets:
                    messenger.push(targets[0], messages, key)
                else:
                    messenger.multicast(targets or [], messages, key)
            except DeliveryError as failure:
                error = failure
            outcome = _classify(error)
            attempt.finished_at, attempt.outcome = utcnow(), outcome
            attempt.status_code, attempt.error = (error.status, str(error)[:500]) if error else (None, None)
            row.last_outcome = outcome
            session.commit()
            if outcome != "retryable" or number == policy.attempts - 1:
                break
            sleep(policy.backoff * 2 ** number)
            attempt = SendAttempt(broadcast_id=row.id, retry_key=key, started_at=utcnow())
            session.add(attempt)
            session.commit()

        if error is None:
            ledger.spent += cost
            _log_interaction(session, row, method, targets, text)
            row.recipients = row.messages_consumed = cost
            row.sent_at = utcnow()
            return _finish(session, row, "sent", None)
        outcome = _classify(error)
        if outcome == "quota":  # told once per hold: a re-check that LINE refuses again stays quiet
            return _hold(session, row, f"{QUOTA_EXHAUSTED_TH} (LINE: {error.reason or error})",
                         now + policy.quota_recheck, notify=previous != "held_for_quota")
        if outcome in ("rate_limited", "retryable"):
            row.status, row.claim_token = "scheduled", None
            row.next_attempt_at, row.reason = now + policy.retry_later, f"will retry: {error}"[:500]
            session.commit()
            log.warning("broadcast %s: %s; next try at %s with the same retry key", row.id, error,
                        _bkk(row.next_attempt_at))
            return "later"
        return _finish(session, row, "failed", f"LINE refused it: {error}")


def _classify(error: DeliveryError | None) -> str:
    """sent, quota (429 monthly limit), rate_limited (other 429), retryable (5xx, timeout) or rejected (4xx)."""
    if error is None:
        return "sent"
    if error.quota_exhausted:  # decided once, by the LINE error mapper, from LINE's own message
        return "quota"
    if error.outcome == "rate_limited":
        return "rate_limited"
    return "retryable" if error.retryable else "rejected"


def _hold(session: Session, row: Broadcast, reason: str, recheck: dt.datetime, *, notify: bool) -> str:
    """Keep a send that does not fit the quota: not lost, re-checked later, officers told once."""
    row.status, row.claim_token, row.next_attempt_at, row.reason = "held_for_quota", None, recheck, reason[:500]
    if row.last_outcome is None:
        row.last_outcome = "quota"
    if notify:
        _notice(session, "held_for_quota",
                f"พักเกร็ดความรู้ไว้: {row.text[:80]!r} (กำหนดส่ง {_bkk(row.scheduled_at)}): {reason}", row.id)
    session.commit()
    return "held"


def _finish(session: Session, row: Broadcast, status: str, reason: str | None) -> str:
    """Close a send as sent or failed (failed ones are announced to officers)."""
    row.status, row.claim_token, row.next_attempt_at = status, None, None
    row.reason = reason[:500] if reason else None
    if status == "failed":
        _notice(session, "failed", f"ส่งเกร็ดความรู้ไม่สำเร็จ: {row.text[:80]!r}: {reason}", row.id)
    session.commit()
    return "sent" if status == "sent" else "failed"


def _log_interaction(session: Session, row: Broadcast, method: str, targets: list[str] | None, text: str) -> None:
    """The send as one outbound line of the interaction log (the KPI report counts it)."""
    moment = utcnow()
    user = None
    if method == "push" and targets:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == targets[0]))
    session.add(Interaction(
        occurred_at=moment, bkk_day=bangkok_day(moment), user_id=user.id if user else None,
        district_id=user.district_id if user else None, direction="out", kind=method, text=text,
        answered_by=None, delivery="sent", handoff=False,
        detail=f"broadcast #{row.id}: {row.estimated_cost} recipient(s), retry key {row.retry_key}"[:500]))


# ----------------------------------------------------------------------------------------------- lease
def acquire_lease(session: Session, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Take or renew the named lease by compare-and-set; False while another live holder has it."""
    renewed = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl, heartbeat_at=now, ticks=SchedulerLease.ticks + 1)
        .execution_options(synchronize_session=False))
    if renewed.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    session.rollback()
    if session.get(SchedulerLease, name) is not None:
        return False
    try:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl, heartbeat_at=now, ticks=1))
        session.commit()
        return True
    except IntegrityError:  # another process inserted it first
        session.rollback()
        return False


def release_lease(session: Session, name: str, holder: str) -> None:
    """Give the lease up at shutdown so a standby scheduler can take over at once."""
    session.execute(update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                    .values(expires_at=utcnow() - dt.timedelta(seconds=1))
                    .execution_options(synchronize_session=False))
    session.commit()


# ----------------------------------------------------------------------------------------------- listing
def _bkk(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in Bangkok time (+07:00), or None."""
    return moment.astimezone(BANGKOK).isoformat(timespec="seconds") if moment else None


def broadcast_json(row: Broadcast) -> dict[str, object]:
    """One send as `broadcast list --json` shows it."""
    return {
        "id": row.id, "text": row.text, "scheduled_at": _bkk(row.scheduled_at),
        "status": PUBLIC_STATUS.get(row.status, row.status), "sent_at": _bkk(row.sent_at),
        "recipients": row.recipients, "messages_consumed": row.messages_consumed,
        "method": row.method, "audience": row.audience, "tip_id": row.tip_id, "tip_ids": json.loads(row.tip_ids),
        "messages": len(json.loads(row.payload)), "estimated_cost": row.estimated_cost, "attempts": row.attempts,
        "reason": row.reason, "in_flight": row.status == "sending",
    }


def list_broadcasts(session: Session, *, since: dt.datetime | None = None) -> list[Broadcast]:
    """Sends in time order (optionally from `since`)."""
    query = select(Broadcast).order_by(Broadcast.scheduled_at, Broadcast.id)
    if since is not None:
        query = query.where(Broadcast.scheduled_at >= since)
    return list(session.scalars(query))


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
        sends.append({"id": r.id, "at": _bkk(r.scheduled_at), "tips": len(json.loads(r.tip_ids)),
                      "audience": r.audience, "cost": cost_of(r.audience, r.targets), "status": r.status,
                      "text": r.text[:60]})
    for tip in session.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))):
        for moment in occurrences(tip.rule or "", max(start, now, tip.created_at), end):
            if f"tip{tip.id}@{moment.strftime('%Y%m%dT%H%MZ')}" not in keys:
                sends.append({"id": None, "at": _bkk(moment), "tips": 1, "audience": tip.audience,
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
