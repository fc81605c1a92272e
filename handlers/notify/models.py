"""Hand-off notices: one e-mail per officer per batch, and which questions each one told which officer about."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handlers.clock import utcnow
from handlers.models import Base, BigId, UtcDateTime

# NoticeMail.status: sending (claimed, being sent) -> sent | failed (retried after next_try_at) -> gave-up;
# uncertain: the server went silent after it had the whole message (it may have arrived): never resent;
# dropped: every question in it was answered or closed, or the officer went off duty, before a retry.
MAIL_STATUSES = ("sending", "sent", "failed", "gave-up", "uncertain", "dropped")


class NoticeMail(Base):
    """One e-mail to one officer about one or more handed-off questions, and how far its sending got."""

    __tablename__ = "notice_mails"
    __table_args__ = (Index("ix_notice_mails_status_due", "status", "next_try_at"),
                      Index("ix_notice_mails_officer_time", "officer_id", "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    message_id: Mapped[str] = mapped_column(String(200))  # the same Message-ID on every try of this mail
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class HandoffNotice(Base):
    """A question one officer was (or is being) told about: the key stops a second mail about it to them."""

    __tablename__ = "handoff_notices"

    question_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("notice_mails.id"), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
