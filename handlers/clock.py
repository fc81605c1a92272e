"""Bangkok time and the current moment, in one small module every layer can import without the models."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC (all stored times are UTC; reports convert to Bangkok)."""
    return dt.datetime.now(dt.UTC)


def bangkok_day(moment: dt.datetime) -> dt.date:
    """The calendar day in Bangkok of an aware moment."""
    return moment.astimezone(BANGKOK).date()
