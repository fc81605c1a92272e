"""Fixed-window hit counters in the database, so a rate limit holds across every worker and process.

One row per limit key: how many hits the current window has taken and when the window ends (Unix seconds,
as the `limits` library counts). A hit is one atomic upsert, so two workers hitting the same key at once
can never both read the old count. The caller owns the transaction (this module never commits).
"""

from __future__ import annotations

import time

from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from handlers.models import Base
from handlers.transactions import changed_rows

MAX_KEY = 255


class RateCounter(Base):
    """The hits of one rate-limit key (e.g. a login address) in its current window."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


def hit(session: Session, key: str, expiry: float, amount: int = 1, now: float | None = None) -> int:
    """Add `amount` to the key's window (a new window when the old one ended); returns the window's hits."""
    now = time.time() if now is None else now
    key = key[:MAX_KEY]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RateCounter).values(key=key, hits=amount, expires_at=now + expiry)
    ended = RateCounter.expires_at <= now
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={"hits": case((ended, amount), else_=RateCounter.hits + amount),
              "expires_at": case((ended, now + expiry), else_=RateCounter.expires_at)},
    )
    return int(session.execute(statement.returning(RateCounter.hits)).scalar_one())


def count(session: Session, key: str, now: float | None = None) -> int:
    """The hits of the key's current window (0 when it has none or it ended)."""
    now = time.time() if now is None else now
    value = session.scalar(select(RateCounter.hits).where(RateCounter.key == key[:MAX_KEY],
                                                          RateCounter.expires_at > now))
    return int(value or 0)


def window_end(session: Session, key: str, now: float | None = None) -> float:
    """When the key's current window ends (now when it has none)."""
    now = time.time() if now is None else now
    value = session.scalar(select(RateCounter.expires_at).where(RateCounter.key == key[:MAX_KEY]))
    return max(float(value), now) if value is not None else now


def clear(session: Session, key: str) -> None:
    """Forget one key's window."""
    session.execute(delete(RateCounter).where(RateCounter.key == key[:MAX_KEY]))


def clear_all(session: Session) -> int:
    """Forget every window; returns how many were dropped."""
    return changed_rows(session.execute(delete(RateCounter)))


def drop_ended(session: Session, now: float | None = None) -> int:
    """Delete windows that ended, so the table stays as small as the set of recent keys."""
    now = time.time() if now is None else now
    return changed_rows(session.execute(delete(RateCounter).where(RateCounter.expires_at <= now)))
