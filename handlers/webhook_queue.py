"""A durable queue of received webhook events: LINE gets its 200 once an event is stored, not handled.

Storing first means a burst of events never runs into LINE's ~2 s timeout, and an event whose process
dies before handling it stays `pending` until another process (or the same one, restarted) takes it.
The unique webhookEventId also turns LINE's redeliveries away before they cost any work.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, String, Text, bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from handlers.clock import utcnow
from handlers.inbox.service import HandoffAnswer
from handlers.models import Base, BigId, Interaction, LineUser, UtcDateTime, table_of
from handlers.transactions import dialect_of, insert_ignoring_duplicates

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(seconds=60)


class QueuedEvent(Base):
    """One webhook event as LINE sent it (raw JSON), and how far handling it got."""

    __tablename__ = "webhook_queue"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(String(500))


_QUEUE = table_of(QueuedEvent).c

# The statements of every event, built once (building one costs more CPU than running it; issue 11).
_CLAIM = (update(table_of(QueuedEvent))
          .where(_QUEUE.id == bindparam("row_id"), _QUEUE.status == "pending",
                 or_(_QUEUE.lease_until.is_(None), _QUEUE.lease_until < bindparam("now")))
          .values(lease_until=bindparam("lease_until"), attempts=_QUEUE.attempts + 1)
          .returning(_QUEUE.id, _QUEUE.webhook_event_id, _QUEUE.payload))
_FINISH = (update(table_of(QueuedEvent)).where(_QUEUE.id == bindparam("row_id"))
           .values(status="done", done_at=bindparam("done_at"), lease_until=None, payload="{}"))


def enqueue(session: Session, events: Sequence[tuple[str | None, str]],
            now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Store (webhookEventId, raw JSON) pairs; returns (new row id, JSON) of each stored one (redelivered ids
    are skipped), so the worker need not read back what was just written."""
    now = now or utcnow()
    stored: list[tuple[int, str]] = []
    statement = insert_ignoring_duplicates(dialect_of(session), QueuedEvent, "id")  # a redelivery stores nothing
    for event_id, payload in events:
        values = {"webhook_event_id": event_id, "payload": payload, "status": "pending", "attempts": 0,
                  "received_at": now}
        new_id = session.execute(statement, values).scalar()
        if new_id is not None:
            stored.append((int(new_id), payload))
    return stored


@dataclass(frozen=True)
class ClaimedEvent:
    """A queued event taken for handling: what the handler needs of its row."""

    id: int
    webhook_event_id: str | None
    payload: str


def claim(session: Session, row_id: int, now: dt.datetime | None = None) -> ClaimedEvent | None:
    """Take a pending event for handling (compare-and-set on its lease); None if someone else has it.

    One statement: the UPDATE hands back the row it took (RETURNING, on SQLite 3.35+ and PostgreSQL).
    """
    now = now or utcnow()
    taken = session.execute(_CLAIM, {"row_id": row_id, "now": now, "lease_until": now + LEASE}).one_or_none()
    return None if taken is None else ClaimedEvent(int(taken[0]), taken[1], str(taken[2]))


def finish(session: Session, row: ClaimedEvent, now: dt.datetime | None = None) -> None:
    """Mark an event handled, in the same transaction as its effects; the log now holds what is needed, so no
    second copy of personal data is kept in the payload."""
    session.execute(_FINISH, {"row_id": row.id, "done_at": now or utcnow()})


def give_up_or_retry(session: Session, row_id: int, error: str) -> str:
    """After a failure: leave the event pending for another try, or mark it failed after MAX_ATTEMPTS."""
    row = session.get(QueuedEvent, row_id)
    if row is None:
        return "missing"
    row.error = error[:500]
    row.attempts += 1  # the failed attempt's own increment was rolled back with its transaction
    row.lease_until = utcnow() + dt.timedelta(seconds=5 * row.attempts)
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    return row.status


def stale_pending(session: Session, older_than: dt.timedelta, now: dt.datetime | None = None,
                  limit: int = 100) -> list[int]:
    """Pending events nobody is handling: their process died, or the database was away for a while."""
    now = now or utcnow()
    return list(session.scalars(
        select(QueuedEvent.id)
        .where(QueuedEvent.status == "pending", QueuedEvent.received_at < now - older_than,
               or_(QueuedEvent.lease_until.is_(None), QueuedEvent.lease_until < now))
        .order_by(QueuedEvent.id).limit(limit)
    ))


_LOG = table_of(Interaction).c
_MARK = (update(table_of(Interaction)).where(_LOG.id.in_(bindparam("ids", expanding=True)))
         .values(delivery=bindparam("delivery"),
                 detail=case((_LOG.answered_by == "bot", bindparam("reason", type_=String)), else_=_LOG.detail)))


def mark_delivery(session: Session, log_ids: Sequence[int], delivery: str, reason: str) -> None:
    """How a reply really went, on its log lines in one UPDATE; the reason goes on the bot's own lines only."""
    if log_ids:
        session.execute(_MARK, {"ids": list(log_ids), "delivery": delivery, "reason": reason[:500] or None})


def undelivered_replies(session: Session, older_than: dt.timedelta, now: dt.datetime | None = None,
                        limit: int = 50) -> dict[tuple[str, str], list[Interaction]]:
    """Bot replies stored but never confirmed sent (their process died): by (event id, LINE user id)."""
    now = now or utcnow()
    rows = session.execute(
        select(Interaction, LineUser.line_user_id)
        .join(LineUser, LineUser.id == Interaction.user_id)
        .where(Interaction.direction == "out", Interaction.kind == "reply", Interaction.delivery == "pending",
               Interaction.occurred_at < now - older_than,
               ~exists().where(HandoffAnswer.interaction_id == Interaction.id, HandoffAnswer.status == "held"))
        .order_by(Interaction.id).limit(limit)
    ).all()
    grouped: dict[tuple[str, str], list[Interaction]] = {}
    for interaction, line_user_id in rows:
        grouped.setdefault((interaction.webhook_event_id or f"row-{interaction.id}", line_user_id), []).append(
            interaction)
    return grouped


def wait_until_handled(sessions: sessionmaker[Session], timeout: float = 15.0) -> int:
    """Wait for events already received to be handled (a count must not miss the last second's events).

    Returns how many are still pending after `timeout` seconds (a web process may not be running).
    """
    started = utcnow()
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            pending = session.scalar(select(func.count()).select_from(QueuedEvent).where(
                QueuedEvent.status == "pending", QueuedEvent.received_at <= started)) or 0
        if not pending or time.monotonic() >= deadline:
            return int(pending)
        time.sleep(0.1)
