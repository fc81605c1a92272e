"""Scheduled tips' tables: tips, their sends (with retry keys), each call to LINE, notices and leases."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handlers.clock import utcnow
from handlers.models import Base, UtcDateTime

log = logging.getLogger(__name__)

STATUSES = ("scheduled", "sending", "sent", "held_for_quota", "failed", "cancelled")
PUBLIC_STATUS = {"sending": "scheduled"}  # in flight: still "scheduled" to anyone listing sends
AUDIENCES = ("all", "districts", "users")
MAX_MESSAGES = 5  # LINE: up to 5 message objects per send, counted once per recipient
MAX_MULTICAST = 500
SEND_DETAIL_PREFIX = "broadcast #"  # how a tip's send is named in the interaction log (KPI tells them apart)
DEFAULT_RESERVE = 20  # messages kept back for officers' pushes (Settings: BROADCAST_QUOTA_RESERVE)


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
