"""English Club Friday tables: a session, who registered from LINE, and how many attended from each district."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handlers.clock import utcnow
from handlers.models import Base, UtcDateTime

STATUSES = ("planned", "cancelled")


class ClubSession(Base):
    """One English Club Friday session (seed 001: 3rd Friday, online meeting); counted in the KPI reports."""

    __tablename__ = "club_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, unique=True)  # the session's Bangkok date (one a day)
    starts_at: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" Bangkok time, when known
    topic: Mapped[str] = mapped_column(String(300))  # what the session practises, in Thai
    meeting_url: Mapped[str] = mapped_column(String(500))  # the online meeting link sent to registrants
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # planned length (free Zoom stopped at 45)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | cancelled
    note: Mapped[str | None] = mapped_column(Text)  # obstacles and findings, for the reports' อุปสรรค
    reminder_broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))  # its LINE reminder
    created_by: Mapped[str | None] = mapped_column(String(64))  # officer username or "cli"
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ClubRegistration(Base):
    """A LINE user's tap on "ลงทะเบียน" for a session: once per user and session, with their district then."""

    __tablename__ = "club_registrations"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_club_registrations_session_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("club_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id"))  # pseudonymous after `user forget`
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))  # the user's district when tapping
    via: Mapped[str] = mapped_column(String(16), default="postback")  # postback | text (typed on LINE PC)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ClubAttendance(Base):
    """How many people of one district attended a session, as officers recorded it after the meeting."""

    __tablename__ = "club_attendance"
    __table_args__ = (UniqueConstraint("session_id", "district_id", name="uq_club_attendance_session_district"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("club_sessions.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    attendees: Mapped[int] = mapped_column(Integer)  # people from this district in the meeting
    via: Mapped[str] = mapped_column(String(16), default="console")  # console | import | cli
    recorded_by: Mapped[str | None] = mapped_column(String(64))  # officer username or "cli"
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
