"""The directory's tables: one row per mission, and every change to it for the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handlers.clock import utcnow
from handlers.models import Base, BigId, UtcDateTime


class Mission(Base):
    """An embassy, consulate or international organisation's office in Thailand, as officers keep it."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # stable id for imports: "jp-embassy-bangkok"
    kind: Mapped[str] = mapped_column(String(32))
    country_th: Mapped[str] = mapped_column(String(120))
    country_en: Mapped[str] = mapped_column(String(120))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str] = mapped_column(Text, default="")  # "|"-separated
    city: Mapped[str] = mapped_column(String(64))
    address_th: Mapped[str] = mapped_column(String(500), default="")
    address_en: Mapped[str] = mapped_column(String(500), default="")
    phones: Mapped[str] = mapped_column(String(300), default="")  # ";"-separated
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(String(1000), default="")
    source_url: Mapped[str] = mapped_column(String(500))
    source_name: Mapped[str] = mapped_column(String(200))
    checked_on: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(40), default="seed")


class MissionChange(Base):
    """One create or edit of a mission: who, when, how (seed, import, console) and the fields before and after."""

    __tablename__ = "mission_changes"
    __table_args__ = (Index("ix_mission_changes_mission", "mission_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(16))  # seed | import | console
    action: Mapped[str] = mapped_column(String(16))  # create | update
    changes: Mapped[str] = mapped_column(Text)  # JSON {field: [before, after]}
