"""The @IAO data model: LINE users, district offices, the interaction log and processed webhook events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from handlers.clock import utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id for a long-lived log.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Store aware datetimes as naive UTC and hand them back aware, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)



class Base(DeclarativeBase):
    """Declarative base shared by every table, so Alembic sees one metadata."""


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed: for Core statements built once on the webhook's hot path (no ORM machinery)."""
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every model here maps one plain table
        raise TypeError(f"{model.__name__} does not map a single table")
    return table


class District(Base):
    """One of Bangkok's 50 district offices (สำนักงานเขต), seeded reference data."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name_th: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(64), unique=True)
    group_th: Mapped[str] = mapped_column(String(64))


class LineUser(Base):
    """A LINE account that added @IAO: usually a district officer, identified by LINE's user id."""

    __tablename__ = "line_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    awaiting_district: Mapped[bool] = mapped_column(Boolean, default=False)
    is_follower: Mapped[bool] = mapped_column(Boolean, default=False)
    followed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    unfollowed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    district_registered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    district: Mapped[District | None] = relationship(lazy="joined")


# `Interaction.detail` of a question handed over unmatched: "nearest:<entry id>", the matcher's closest entry.
NEAREST = "nearest:"


class Interaction(Base):
    """One line of the log: an inbound event or an outbound message, timed by LINE's own timestamp."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_day_direction", "bkk_day", "direction"),
        Index("ix_interactions_user_time", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # The Bangkok calendar day of occurred_at: months and days in reports are Bangkok's, and an index
    # on a plain date keeps closing a month fast on a million rows.
    bkk_day: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    kind: Mapped[str] = mapped_column(String(32))  # text, postback, follow, unfollow, sticker, reply, push ...
    text: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))  # answer, suggest, handoff, registration ...
    answered_by: Mapped[str | None] = mapped_column(String(16))  # "bot" | "officer"
    entry_id: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64))
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    delivery: Mapped[str | None] = mapped_column(String(16))  # outbound: sent, failed, pending
    detail: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[LineUser | None] = relationship(lazy="raise")


class ProcessedEvent(Base):
    """A webhookEventId already handled: the primary key stops a redelivery in any process."""

    __tablename__ = "processed_events"

    webhook_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

