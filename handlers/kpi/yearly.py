"""A fiscal year of closed months, and the system's proposed InterClinic result for the yearly form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from handlers.clock import BANGKOK
from handlers.club.figures import club_year
from handlers.kpi.counts import BROADCAST_TARGET, MonthlyCounts, compute_month, current_record
from handlers.kpi.models import IndicatorResult
from handlers.kpi.periods import fiscal_year_months
from handlers.kpi.reference import apply_computed, interclinic_indicator, result_for

DISTRICT_COUNT = 50


@dataclass
class YearFigures:
    """The months of a fiscal year that have begun, with totals for the explanation paragraph."""

    be_year: int
    months: list[MonthlyCounts] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # months read from a closed record (others computed live)

    def total(self, name: str) -> int:
        """Sum of one integer figure over the months."""
        return sum(int(getattr(m, name) or 0) for m in self.months)

    @property
    def answered(self) -> int:
        """Questions answered: by the bot, by a "did you mean" choice, or by an officer."""
        return sum(self.total(k) for k in ("answered_by_bot", "did_you_mean_chosen", "answered_by_officer"))

    @property
    def months_meeting_target(self) -> int:
        """Months with at least 6 tips broadcast."""
        return sum(1 for m in self.months if m.broadcasts_sent >= m.broadcast_target)

    @property
    def districts_registered(self) -> int:
        """District offices registered at the latest month."""
        return self.months[-1].districts_registered if self.months else 0

    @property
    def english_club(self) -> dict[str, Any]:
        """English Club Friday over the year: sessions, registrations, attendance, districts reached once."""
        return club_year(m.english_club for m in self.months)

    @property
    def districts_active_any(self) -> int:
        """District offices that asked at least one question during the year."""
        return sum(1 for i in range(DISTRICT_COUNT) if any(
            i < len(m.by_district) and m.by_district[i]["questions"] for m in self.months))


def year_figures(session: Session, be_year: int, now: dt.datetime) -> YearFigures:
    """Each begun month: its current closed record, or computed now if it was never closed."""
    today = now.astimezone(BANGKOK).date()
    figures = YearFigures(be_year)
    for year, month in fiscal_year_months(be_year):
        if dt.date(year, month, 1) > today:
            break
        record = current_record(session, f"{year:04d}-{month:02d}")
        if record is not None:
            figures.months.append(MonthlyCounts.from_dict(record.figures))
            figures.closed.append(record.month)
        else:
            figures.months.append(compute_month(session, year, month))
    return figures


def interclinic_value(figures: YearFigures) -> float:
    """Proposed success value 0–100: the mean of tips vs ≥6/month, districts reached of 50, questions answered."""
    if not figures.months:
        return 0.0
    tips = sum(min(m.broadcasts_sent, BROADCAST_TARGET) for m in figures.months) / (BROADCAST_TARGET *
                                                                                   len(figures.months))
    reach = figures.districts_registered / DISTRICT_COUNT
    asked = figures.total("questions") - figures.total("other")  # greetings and thanks ask nothing
    answered = figures.answered / asked if asked > 0 else 1.0
    return round(100 * (tips + reach + min(answered, 1.0)) / 3, 2)


def propose_interclinic(session: Session, be_year: int, now: dt.datetime) -> tuple[IndicatorResult, YearFigures]:
    """Fill the year's InterClinic result with the computed proposal (an officer's override stays in force)."""
    indicator = interclinic_indicator(session, be_year)
    result = result_for(session, indicator, be_year)
    figures = year_figures(session, be_year, now)
    apply_computed(result, interclinic_value(figures))
    session.flush()
    return result, figures
