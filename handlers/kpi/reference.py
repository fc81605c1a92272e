"""Seeding the forms of seeds 001/002 (reference.yaml) and scoring an indicator's yearly result."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.kpi.models import (
    Component,
    EvidenceItem,
    FiscalYear,
    Indicator,
    IndicatorResult,
    Level,
    ScoringScheme,
)
from handlers.kpi.periods import fiscal_year_bounds

REFERENCE_FILE = Path(__file__).with_name("reference.yaml")
INTERCLINIC = "interclinic"
INTERCLINIC_TEMPLATE_YEAR = 2564


@cache
def reference_data() -> dict[str, Any]:
    """The seeds' forms as data (read once)."""
    return yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))


def year_forms(be_year: int) -> str | None:
    """Which seed's forms a fiscal year reports on ("001" for FY2564), from reference.yaml; None if unstated."""
    return next((str(y["forms"]) for y in reference_data()["fiscal_years"]
                 if y["be_year"] == be_year and y.get("forms")), None)


def ensure_fiscal_year(session: Session, be_year: int, numeral_style: str = "arabic") -> FiscalYear:
    """The fiscal year row, created on first use."""
    year = session.get(FiscalYear, be_year)
    if year is None:
        start, end = fiscal_year_bounds(be_year)
        year = FiscalYear(be_year=be_year, start_date=start, end_date=end, numeral_style=numeral_style)
        session.add(year)
        session.flush()
    return year


def seed_kpi_reference(session: Session) -> int:
    """Insert the schemes, FY2564 InterClinic and FY2567 indicators that are missing; edited rows are kept."""
    data = reference_data()
    added = 0
    for scheme in data["schemes"]:
        if session.get(ScoringScheme, scheme["code"]) is None:
            session.add(ScoringScheme(**scheme))
            added += 1
    session.flush()
    for year in data["fiscal_years"]:
        ensure_fiscal_year(session, year["be_year"], year["numeral_style"])
        for comp in year["components"]:
            component = _component(session, year["be_year"], comp)
            for order, spec in enumerate(comp["indicators"], 1):
                exists = session.scalar(select(Indicator.id).where(Indicator.component_id == component.id,
                                                                   Indicator.key == spec["key"]))
                if exists is None:
                    session.add(_indicator(component.id, order, spec))
                    added += 1
    session.flush()
    for spec in data["results"]:
        indicator = find_indicator(session, spec["be_year"], spec["indicator_key"])
        if indicator is not None and _result(session, indicator, spec["be_year"]) is None:
            fields = {k: v for k, v in spec.items() if k not in ("indicator_key", "be_year", "note")}
            result = IndicatorResult(indicator_id=indicator.id, be_year=spec["be_year"], **fields)
            result.evidence = default_evidence()
            session.add(result)
            added += 1
    session.flush()
    return added


def _component(session: Session, be_year: int, spec: dict[str, Any]) -> Component:
    """Find or add one component of a fiscal year."""
    component = session.scalars(select(Component).where(Component.be_year == be_year,
                                                        Component.code == spec["code"])).first()
    if component is None:
        component = Component(be_year=be_year, code=spec["code"], parent_code=spec.get("parent_code"),
                              name_th=spec["name_th"], base_tag=spec.get("base_tag"),
                              umbrella_indicator_th=spec.get("umbrella_indicator_th"), weight=spec.get("weight"))
        session.add(component)
        session.flush()
    return component


def _indicator(component_id: int, order: int, spec: dict[str, Any]) -> Indicator:
    """An Indicator with its levels from a reference spec."""
    fields = {k: v for k, v in spec.items() if k != "levels"}
    indicator = Indicator(component_id=component_id, sort_order=order, **fields)
    indicator.levels = [Level(**level) for level in spec.get("levels", [])]
    return indicator


def default_evidence() -> list[EvidenceItem]:
    """Seed 001's five หลักฐานอ้างอิง for InterClinic, not yet pointing at files."""
    return [EvidenceItem(seq=i, kind=e["kind"], title_th=e["title_th"])
            for i, e in enumerate(reference_data()["interclinic_evidence"], 1)]


def find_indicator(session: Session, be_year: int, key: str) -> Indicator | None:
    """An indicator of a fiscal year by its key."""
    return session.scalars(select(Indicator).join(Component).where(Component.be_year == be_year,
                                                                   Indicator.key == key)).first()


def _result(session: Session, indicator: Indicator, be_year: int) -> IndicatorResult | None:
    """The stored result of an indicator for a year."""
    return session.scalars(select(IndicatorResult).where(IndicatorResult.indicator_id == indicator.id,
                                                         IndicatorResult.be_year == be_year)).first()


def interclinic_indicator(session: Session, be_year: int) -> Indicator:
    """This year's InterClinic indicator: copied from FY2564's form (weight 10, levels 60–100) when missing."""
    indicator = find_indicator(session, be_year, INTERCLINIC)
    if indicator is not None:
        return indicator
    seed_kpi_reference(session)
    template = find_indicator(session, INTERCLINIC_TEMPLATE_YEAR, INTERCLINIC)
    if template is None:  # an officer deleted the template: the reference file still has it
        raise LookupError("the FY2564 InterClinic indicator is missing; run `flask --app app init-db`")
    if be_year == INTERCLINIC_TEMPLATE_YEAR:
        return template
    ensure_fiscal_year(session, be_year)
    source = template.component
    component = _component(session, be_year, {
        "code": source.code, "name_th": source.name_th, "base_tag": source.base_tag,
        "umbrella_indicator_th": source.umbrella_indicator_th, "weight": source.weight})
    copy = Indicator(
        component_id=component.id, key=INTERCLINIC, number_label=template.number_label, sort_order=1,
        name_th=template.name_th, weight=template.weight, target_level=template.target_level,
        scheme_code=template.scheme_code, adjustment_note=template.adjustment_note, unit_th=template.unit_th,
        reporter_name=template.reporter_name, reporter_position=template.reporter_position,
        reporter_phone=template.reporter_phone, definition_th=template.definition_th,
        auto_metric=template.auto_metric, note=f"copied from FY{INTERCLINIC_TEMPLATE_YEAR}",
    )
    copy.levels = [Level(level=lv.level, points=lv.points, pct_criterion=lv.pct_criterion, threshold=lv.threshold,
                         criterion_th=lv.criterion_th) for lv in template.levels]
    session.add(copy)
    session.flush()
    return copy


def result_for(session: Session, indicator: Indicator, be_year: int) -> IndicatorResult:
    """The indicator's result row for a year, created empty (with the standard evidence list) on first use."""
    result = _result(session, indicator, be_year)
    if result is None:
        result = IndicatorResult(indicator_id=indicator.id, be_year=be_year)
        result.indicator = indicator
        if indicator.key == INTERCLINIC:
            result.evidence = default_evidence()
        session.add(result)
        session.flush()
    return result


# ----------------------------------------------------------------------------- scoring
def level_for(indicator: Indicator, value: float) -> int:
    """The highest level whose threshold the value reaches; below level 1 the floor rule gives level 1 (or 0)."""
    reached = 0
    for level in sorted(indicator.levels, key=lambda lv: lv.level):
        if level.threshold is None or value >= level.threshold:
            reached = level.level
    if reached == 0 and indicator.scheme.floor_rule:
        reached = 1
    return reached


def score_for(indicator: Indicator, level: int) -> float:
    """The score (0–100) of a level under the indicator's scheme; 0 for no level reached."""
    scores = indicator.scheme.level_scores
    return float(scores[level - 1]) if 1 <= level <= len(scores) else 0.0


def apply_computed(result: IndicatorResult, value: float, text_th: str | None = None) -> None:
    """Store the system's proposal (value → level → score); an override, if any, still wins."""
    result.result_value = round(value, 2)
    result.computed_level = level_for(result.indicator, value)
    result.computed_score = score_for(result.indicator, result.computed_level)
    result.result_text_th = text_th or f"ระดับ {result.computed_level}"


def override(result: IndicatorResult, *, level: int | None, score: float | None, reason: str, by: str | None,
             now: dt.datetime) -> None:
    """An officer's decision replaces the computed level/score; a reason is required (the forms disagree)."""
    if not reason.strip():
        raise ValueError("an override needs a reason")
    if level is not None and not 1 <= level <= 5:
        raise ValueError("level must be 1..5")
    result.override_level = level
    result.override_score = score if score is not None else (
        score_for(result.indicator, level) if level is not None else None)
    result.override_reason = reason.strip()
    result.overridden_by = by
    result.overridden_at = now


def clear_override(result: IndicatorResult) -> None:
    """Back to the computed proposal."""
    result.override_level = result.override_score = None
    result.override_reason = result.overridden_by = None
    result.overridden_at = None
