"""Sending tips exactly once within LINE's monthly quota.

The send path is built so that a tip reaches LINE exactly once:
  1. a row is claimed with a compare-and-set UPDATE (two runners never both own it);
  2. its X-Line-Retry-Key, method, recipients and messages are frozen and committed before the first call;
  3. a retry (5xx, timeout, a crashed run found later) repeats the identical request with the same key,
     and LINE answers 409 when it already accepted it, which counts as sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.chat.replies import Message
from handlers.clock import bangkok_day, utcnow
from handlers.models import Interaction, LineUser
from handlers.ports import QUOTA_EXHAUSTED_TH, DeliveryError, Messenger, Quota
from handlers.tips.models import (
    DEFAULT_RESERVE,
    MAX_MULTICAST,
    SEND_DETAIL_PREFIX,
    Broadcast,
    Notice,
    SchedulerLease,
    SendAttempt,
)
from handlers.tips.schedule import bangkok_iso, load_messages, materialize, reach_of, representatives
from handlers.transactions import changed_rows

log = logging.getLogger(__name__)


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
    with sessions.begin() as session:
        materialize(session, now, grace=policy.grace)
    with sessions.begin() as session:
        report.missed = _expire(session, now, policy)
    with sessions() as session:
        candidates = list(session.execute(select(Broadcast.id, Broadcast.status).where(_claimable(now, policy))
                                          .order_by(Broadcast.scheduled_at, Broadcast.id)))
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


def _claimable(now: dt.datetime, policy: SendPolicy) -> ColumnElement[bool]:
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
    with sessions.begin() as session:
        result = session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id, _claimable(now, policy))
            .values(status="sending", claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False))
    return token if changed_rows(result) == 1 else None


def _expire(session: Session, now: dt.datetime, policy: SendPolicy) -> list[int]:
    """Sends never tried and later than the grace period, or retried past the hold window: failed, told."""
    stale = list(session.scalars(select(Broadcast).where(
        Broadcast.status.in_(("scheduled", "held_for_quota")),
        or_((Broadcast.retry_key.is_(None)) & (Broadcast.status == "scheduled")
            & (Broadcast.scheduled_at < now - policy.grace),
            Broadcast.scheduled_at < now - policy.hold_window))))
    for row in stale:
        row.status = "failed"
        row.reason = (f"missed: not sent within {policy.grace} of {bangkok_iso(row.scheduled_at)}"
                      if row.retry_key is None and row.last_outcome != "quota"
                      else f"gave up after {row.attempts} attempt(s): {row.reason or ''}")[:500]
        _notice(session, "failed", row.reason, row.id)
    return [r.id for r in stale]


def _recipients(session: Session, row: Broadcast, reach_from_line: int | None) -> tuple[str, list[str] | None, int]:
    """Method, LINE user ids (None for a broadcast) and the estimated cost of a send (LINE already asked)."""
    if row.audience == "all":
        return "broadcast", None, reach_of(session, reach_from_line)
    if row.audience == "districts":
        ids = [u.line_user_id for u in representatives(session)][:MAX_MULTICAST]
    else:
        ids = list(dict.fromkeys(json.loads(row.targets or "[]")))[:MAX_MULTICAST]
    return ("push" if len(ids) == 1 else "multicast"), ids, len(ids)


@dataclass(frozen=True)
class _Frozen:
    """A send's request as committed before LINE sees it: every call of this run repeats it exactly."""

    method: str
    targets: list[str] | None
    cost: int
    messages: list[Message]
    key: str
    attempt_id: int


def _deliver(sessions: sessionmaker[Session], messenger: Messenger, broadcast_id: int, token: str, previous: str,
             now: dt.datetime, policy: SendPolicy, ledger: _Ledger, sleep: Callable[[float], None]) -> str:
    """Ask LINE (quota, reach), freeze and commit the request with its retry key, call LINE, record the outcome.

    Each database step is its own short transaction; LINE is called only between them, never inside one.
    """
    with sessions.begin() as session:  # 1. is it still ours; an expired retry key is settled first
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
        # A send LINE may already have taken (timeout, 5xx, crash) is repeated as is: it costs nothing if it
        # went through. Anything else is checked against the quota first.
        check_quota = not resumed or row.last_outcome in ("quota", "rate_limited")
        ask_reach = not resumed and row.audience == "all"

    quota: Quota | None = None  # 2. LINE, outside any transaction
    quota_error: DeliveryError | None = None
    if check_quota:
        try:
            quota = messenger.quota()
        except DeliveryError as failure:
            quota_error = failure
    reach_from_line = _line_reach(messenger) if ask_reach else None

    with sessions.begin() as session:  # 3. price it, hold it, or freeze it with its retry key
        row = session.get_one(Broadcast, broadcast_id)
        if row.claim_token != token:
            return "skipped"
        if quota_error is not None:
            row.status, row.claim_token = previous if previous != "sending" else "scheduled", None
            row.next_attempt_at, row.reason = now + policy.retry_later, f"quota unavailable: {quota_error}"[:500]
            log.warning("broadcast %s: quota unavailable, will try later: %s", row.id, quota_error)
            return "later"
        if resumed:  # identical request again: LINE answers 409 if it already has it
            targets = json.loads(row.targets) if row.targets else None
            method, cost = row.method or "broadcast", row.estimated_cost or 0
        else:
            method, targets, cost = _recipients(session, row, reach_from_line)
            if cost == 0:
                return _finish(session, row, "failed", "no recipients (no friends, or no district representatives)")
        if quota is not None:
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
        attempt = SendAttempt(broadcast_id=row.id, retry_key=row.retry_key or "", started_at=utcnow())
        session.add(attempt)
        session.flush()
        frozen = _Frozen(method, targets, cost, load_messages(row.payload), row.retry_key or "", attempt.id)
    # the retry key is durable before LINE sees it

    error: DeliveryError | None = None
    attempt_id = frozen.attempt_id
    for number in range(policy.attempts):  # 4. call LINE, record each answer in its own transaction
        error = _call_line(messenger, frozen)
        outcome = _classify(error)
        retry = outcome == "retryable" and number < policy.attempts - 1
        with sessions.begin() as session:
            attempt_row = session.get_one(SendAttempt, attempt_id)
            attempt_row.finished_at, attempt_row.outcome = utcnow(), outcome
            attempt_row.status_code, attempt_row.error = (error.status, str(error)[:500]) if error else (None, None)
            session.get_one(Broadcast, broadcast_id).last_outcome = outcome
            if retry:
                again = SendAttempt(broadcast_id=broadcast_id, retry_key=frozen.key, started_at=utcnow())
                session.add(again)
                session.flush()
                attempt_id = again.id
        if not retry:
            break
        sleep(policy.backoff * 2 ** number)

    with sessions.begin() as session:  # 5. the send's outcome
        row = session.get_one(Broadcast, broadcast_id)
        if error is None:
            ledger.spent += frozen.cost
            _log_interaction(session, row, frozen.method, frozen.targets, row.text)
            row.recipients = row.messages_consumed = frozen.cost
            row.sent_at = utcnow()
            return _finish(session, row, "sent", None)
        outcome = _classify(error)
        if outcome == "quota":  # told once per hold: a re-check that LINE refuses again stays quiet
            return _hold(session, row, f"{QUOTA_EXHAUSTED_TH} (LINE: {error.reason or error})",
                         now + policy.quota_recheck, notify=previous != "held_for_quota")
        if outcome in ("rate_limited", "retryable"):
            row.status, row.claim_token = "scheduled", None
            row.next_attempt_at, row.reason = now + policy.retry_later, f"will retry: {error}"[:500]
            log.warning("broadcast %s: %s; next try at %s with the same retry key", row.id, error,
                        bangkok_iso(row.next_attempt_at))
            return "later"
        return _finish(session, row, "failed", f"LINE refused it: {error}")


def _line_reach(messenger: Messenger) -> int | None:
    """Friends a broadcast reaches as LINE's insight says (None when it cannot say)."""
    try:
        return messenger.followers_reach()
    except DeliveryError:
        return None


def _call_line(messenger: Messenger, frozen: _Frozen) -> DeliveryError | None:
    """One retry-keyed call of the frozen request; the error LINE gave, or None when it took it."""
    try:
        if frozen.method == "broadcast":
            messenger.broadcast(frozen.messages, frozen.key)
        elif frozen.method == "push" and frozen.targets:
            messenger.push(frozen.targets[0], frozen.messages, frozen.key)
        else:
            messenger.multicast(frozen.targets or [], frozen.messages, frozen.key)
    except DeliveryError as failure:
        return failure
    return None


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
                f"พักเกร็ดความรู้ไว้: {row.text[:80]!r} (กำหนดส่ง {bangkok_iso(row.scheduled_at)}): {reason}", row.id)
    return "held"


def _finish(session: Session, row: Broadcast, status: str, reason: str | None) -> str:
    """Close a send as sent or failed (failed ones are announced to officers)."""
    row.status, row.claim_token, row.next_attempt_at = status, None, None
    row.reason = reason[:500] if reason else None
    if status == "failed":
        _notice(session, "failed", f"ส่งเกร็ดความรู้ไม่สำเร็จ: {row.text[:80]!r}: {reason}", row.id)
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
        detail=f"{SEND_DETAIL_PREFIX}{row.id}: {row.estimated_cost} recipient(s), retry key {row.retry_key}"[:500]))


# ----------------------------------------------------------------------------------------------- lease
def acquire_lease(session: Session, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Take or renew the named lease by compare-and-set; False while another live holder has it.

    The caller's transaction carries it (the scheduler job opens one just for the lease): nothing is committed here.
    """
    renewed = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl, heartbeat_at=now, ticks=SchedulerLease.ticks + 1)
        .execution_options(synchronize_session=False))
    if changed_rows(renewed) == 1:
        return True
    if session.get(SchedulerLease, name) is not None:
        return False
    try:
        with session.begin_nested():  # another process may insert it first: only this insert is undone then
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl, heartbeat_at=now, ticks=1))
        return True
    except IntegrityError:
        return False


def release_lease(session: Session, name: str, holder: str) -> None:
    """Give the lease up at shutdown so a standby scheduler can take over at once (the caller commits)."""
    session.execute(update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                    .values(expires_at=utcnow() - dt.timedelta(seconds=1))
                    .execution_options(synchronize_session=False))
