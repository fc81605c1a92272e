"""KPI records: the performance-agreement forms as data, monthly activity counts and yearly results."""

from handlers.kpi.counts import (
    BROADCAST_TARGET,
    DEFAULT_QUOTA_LIMIT,
    MonthlyCounts,
    close_month,
    compute_month,
    current_record,
    history,
)
from handlers.kpi.models import (
    Component,
    EvidenceItem,
    FiscalYear,
    Indicator,
    IndicatorResult,
    Level,
    MonthlyRecord,
    ScoringScheme,
)
from handlers.kpi.periods import MonthError, fiscal_year_of, month_key, normalise_month, parse_month, previous_month
from handlers.kpi.reference import seed_kpi_reference
from handlers.kpi.scheduled import close_previous_month

__all__ = [
    "BROADCAST_TARGET", "Component", "DEFAULT_QUOTA_LIMIT", "EvidenceItem", "FiscalYear", "Indicator",
    "IndicatorResult", "Level", "MonthError", "MonthlyCounts", "MonthlyRecord", "ScoringScheme", "close_month",
    "close_previous_month", "compute_month", "current_record", "fiscal_year_of", "history", "month_key",
    "normalise_month", "parse_month", "previous_month", "seed_kpi_reference"
]
