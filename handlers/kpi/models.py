"""KPI tables: the performance-agreement forms (seeds 001/002) as data, and the closed monthly figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handlers.clock import utcnow
from handlers.models import Base, UtcDateTime


class FiscalYear(Base):
    """A Thai government fiscal year (ปีงบประมาณ พ.ศ.): 1 October of BE−1 to 30 September of BE."""

    __tablename__ = "kpi_fiscal_years"

    be_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    numeral_style: Mapped[str] = mapped_column(String(8), default="arabic")  # D1 arabic, D2 thai


class ScoringScheme(Base):
    """How a level becomes a score: the forms disagree (60–100 points vs level %), so it is data, not code."""

    __tablename__ = "kpi_scoring_schemes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Score (0–100) of levels 1..5; weighted score = weight × score / 100 in every scheme of the forms.
    level_scores: Mapped[list[float]] = mapped_column(JSON)
    # D1's footnote: a result below level 1 still gets the level-1 score; D2 does not say so.
    floor_rule: Mapped[bool] = mapped_column(Boolean, default=True)


class Component(Base):
    """An องค์ประกอบ of a fiscal year's agreement (e.g. FY2564 component 4, Innovation Base)."""

    __tablename__ = "kpi_components"
    __table_args__ = (UniqueConstraint("be_year", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    be_year: Mapped[int] = mapped_column(ForeignKey("kpi_fiscal_years.be_year"))
    code: Mapped[str] = mapped_column(String(8))  # "4", "1.1"
    parent_code: Mapped[str | None] = mapped_column(String(8))
    name_th: Mapped[str] = mapped_column(Text)
    base_tag: Mapped[str | None] = mapped_column(String(32))  # Innovation Base, Function Base, Joint KPI ...
    umbrella_indicator_th: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float | None] = mapped_column(Float)


class Indicator(Base):
    """A ตัวชี้วัด with its weight, target level and scoring scheme; `key` names it stably across years."""

    __tablename__ = "kpi_indicators"
    __table_args__ = (UniqueConstraint("component_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("kpi_components.id"))
    key: Mapped[str] = mapped_column(String(64))  # "interclinic", "2567-1.1-1" ...
    number_label: Mapped[str] = mapped_column(String(16), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    name_th: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float)
    target_level: Mapped[int] = mapped_column(Integer, default=5)
    scheme_code: Mapped[str] = mapped_column(ForeignKey("kpi_scoring_schemes.code"))
    adjustment_note: Mapped[str | None] = mapped_column(Text)  # «+/- 10 ต่อ 1 ระดับคะแนน»
    unit_th: Mapped[str | None] = mapped_column(Text)  # หน่วยงาน
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_position: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(100))
    definition_th: Mapped[str | None] = mapped_column(Text)
    baseline_th: Mapped[str | None] = mapped_column(Text)
    auto_metric: Mapped[str | None] = mapped_column(String(64))  # how the bot proposes a result, if it can
    note: Mapped[str | None] = mapped_column(Text)

    component: Mapped[Component] = relationship(lazy="joined")
    scheme: Mapped[ScoringScheme] = relationship(lazy="joined")
    levels: Mapped[list[Level]] = relationship(order_by="Level.level", lazy="selectin",
                                               cascade="all, delete-orphan")


class Level(Base):
    """One of the five ระดับ of an indicator: the form's points, its threshold and its requirement text."""

    __tablename__ = "kpi_levels"
    __table_args__ = (UniqueConstraint("indicator_id", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("kpi_indicators.id"))
    level: Mapped[int] = mapped_column(Integer)
    points: Mapped[float | None] = mapped_column(Float)  # as printed: 60..100 (D1) or 2..10 (D2)
    pct_criterion: Mapped[float | None] = mapped_column(Float)  # ร้อยละ 20..100
    threshold: Mapped[float | None] = mapped_column(Float)  # result value needed (≥), e.g. 70 for level 2
    criterion_th: Mapped[str] = mapped_column(Text, default="")  # the cell text, e.g. "≤ 60"


class IndicatorResult(Base):
    """A fiscal year's result for one indicator: what the system proposed and what an officer decided."""

    __tablename__ = "kpi_indicator_results"
    __table_args__ = (UniqueConstraint("indicator_id", "be_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("kpi_indicators.id"))
    be_year: Mapped[int] = mapped_column(Integer)
    result_value: Mapped[float | None] = mapped_column(Float)
    result_text_th: Mapped[str | None] = mapped_column(Text)
    computed_level: Mapped[int | None] = mapped_column(Integer)
    computed_score: Mapped[float | None] = mapped_column(Float)
    override_level: Mapped[int | None] = mapped_column(Integer)
    override_score: Mapped[float | None] = mapped_column(Float)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by: Mapped[str | None] = mapped_column(String(200))
    overridden_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    explanation_th: Mapped[str | None] = mapped_column(Text)
    supporting_factors_th: Mapped[str | None] = mapped_column(Text)
    obstacles_th: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    evidence: Mapped[list[EvidenceItem]] = relationship(order_by="EvidenceItem.seq", lazy="selectin",
                                                        cascade="all, delete-orphan")

    @property
    def level(self) -> int | None:
        """The level in force: the officer's override, else the computed one."""
        return self.override_level if self.override_level is not None else self.computed_level

    @property
    def score(self) -> float | None:
        """The score in force (override first)."""
        return self.override_score if self.override_score is not None else self.computed_score

    @property
    def weighted_score(self) -> float | None:
        """ค่าคะแนนถ่วงน้ำหนัก = weight × score / 100, as D1 computes it (15 × 80 / 100 = 12)."""
        score = self.score
        return None if score is None else round(self.indicator.weight * score / 100, 2)


class EvidenceItem(Base):
    """One หลักฐานอ้างอิง line; generated exports carry the file they point at."""

    __tablename__ = "kpi_evidence_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("kpi_indicator_results.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # questionnaire, monthly_report, published, chat_log, photo ...
    title_th: Mapped[str] = mapped_column(Text)
    file_uri: Mapped[str | None] = mapped_column(Text)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class MonthlyRecord(Base):
    """A closed month (one version per close): history is kept, the highest version is current."""

    __tablename__ = "kpi_monthly_records"
    __table_args__ = (UniqueConstraint("month", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # "2026-11"
    version: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    questions: Mapped[int] = mapped_column(Integer, default=0)
    followers_total: Mapped[int] = mapped_column(Integer, default=0)
    broadcasts_sent: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    supporting_factors_th: Mapped[str | None] = mapped_column(Text)
    obstacles_th: Mapped[str | None] = mapped_column(Text)


class Activity(Base):
    """An activity an officer records for an indicator's fiscal year: it feeds the level (issue 15.2)."""

    __tablename__ = "kpi_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    be_year: Mapped[int] = mapped_column(ForeignKey("kpi_fiscal_years.be_year"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("kpi_indicators.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)  # Bangkok date of the activity
    kind: Mapped[str] = mapped_column(String(32))  # an activity kind of the indicator's ladder (reference.yaml)
    count: Mapped[int | None] = mapped_column(Integer)  # for counted kinds: events, products, cities …
    title_th: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    evidence: Mapped[list[ActivityEvidence]] = relationship(order_by="ActivityEvidence.id", lazy="selectin",
                                                            cascade="all, delete-orphan")


class ActivityEvidence(Base):
    """A link or a small file that evidences an activity (files are kept in the database, size-capped)."""

    __tablename__ = "kpi_activity_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("kpi_activities.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
