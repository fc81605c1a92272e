"""Activity records for every indicator of a fiscal year, and the level and score they add up to.

The one implementation the console, the CLI and the yearly report call: record (validated and bounded where
it enters), list, delete, and score a year. Each change recomputes the indicator's stored result
(IndicatorResult.computed_*); an officer's override (reference.override, reason required) stays in force.
Takes a Session and never commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.kpi.models import Activity, ActivityEvidence, Component, FiscalYear, Indicator, IndicatorResult
from handlers.kpi.periods import fiscal_year_bounds
from handlers.kpi.reference import apply_computed, find_indicator, result_for
from handlers.kpi.scoring import ACTIVITIES, NONE, VALUE, Ladder, Score, entered_value, ladder_for, score, totals

TITLE_MAX = 300
NOTE_MAX = 2000
URL_MAX = 2000
FILENAME_MAX = 200
COUNT_MAX = 100_000
EVIDENCE_PER_ACTIVITY = 10
FILE_MAX_BYTES = 1_500_000  # a scanned letter or a photo, within the 2 MB request cap; larger ones go by link
FILE_TYPES = {  # what the evidence of the forms is: letters, reports, photos, spreadsheets
    "application/pdf", "image/jpeg", "image/png", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


class ActivityError(ValueError):
    """A record that cannot be stored; the message is Thai, shown to the officer as it is."""


@dataclass(frozen=True)
class EvidenceInput:
    """A link, or a file's name, type and bytes, as given in the console or the CLI."""

    url: str | None = None
    filename: str | None = None
    content_type: str | None = None
    data: bytes | None = None


@dataclass
class IndicatorScore:
    """One indicator of a year: its ladder, activities, computed score and the result in force."""

    indicator: Indicator
    ladder: Ladder | None
    result: IndicatorResult
    activities: list[Activity] = field(default_factory=list)
    computed: Score | None = None

    @property
    def overridden(self) -> bool:
        """True when an officer's level or score replaces the computed one."""
        return self.result.override_level is not None or self.result.override_score is not None


def _clean(text: str | None, limit: int, what: str) -> str:
    """Text from outside: stripped, control characters refused, within its limit."""
    value = (text or "").strip()
    if len(value) > limit:
        raise ActivityError(f"{what}ยาวเกิน {limit} ตัวอักษร")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ActivityError(f"{what}มีอักขระควบคุม")
    return value


def _evidence(item: EvidenceInput) -> ActivityEvidence:
    """One evidence row, checked: an http(s) link, or a named file of an allowed type within the size cap."""
    if item.url:
        url = _clean(item.url, URL_MAX, "ลิงก์หลักฐาน")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in url):
            raise ActivityError("ลิงก์หลักฐานต้องขึ้นต้นด้วย http:// หรือ https://")
        return ActivityEvidence(url=url)
    if item.data is None or not item.filename:
        raise ActivityError("หลักฐานต้องเป็นลิงก์หรือไฟล์")
    if len(item.data) == 0:
        raise ActivityError("ไฟล์หลักฐานว่างเปล่า")
    if len(item.data) > FILE_MAX_BYTES:
        raise ActivityError(f"ไฟล์หลักฐานใหญ่เกิน {FILE_MAX_BYTES / 1e6:g} MB "
                            "กรุณาเก็บไฟล์ไว้ในไดรฟ์กลางและแนบเป็นลิงก์")
    content_type = (item.content_type or "").split(";")[0].strip().lower()
    if content_type not in FILE_TYPES:
        raise ActivityError("แนบได้เฉพาะไฟล์ PDF, JPEG, PNG, Word, Excel, CSV หรือข้อความ")
    name = _UNSAFE_NAME.sub("_", item.filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:FILENAME_MAX]
    return ActivityEvidence(filename=name or "evidence", content_type=content_type, size=len(item.data),
                            data=item.data)


def indicator_of(session: Session, be_year: int, key: str) -> Indicator:
    """The fiscal year's indicator by key, or an ActivityError naming it."""
    indicator = find_indicator(session, be_year, key)
    if indicator is None:
        raise ActivityError(f"ไม่พบตัวชี้วัด {key} ในปีงบประมาณ พ.ศ. {be_year}")
    return indicator


def record_activity(session: Session, *, be_year: int, indicator_key: str, occurred_on: dt.date, kind: str,
                    count: int | None, title: str, note: str | None, evidence: list[EvidenceInput],
                    by: str | None, now: dt.datetime) -> Activity:
    """Store one activity (checked against the indicator's ladder and the fiscal year) and rescore."""
    if session.get(FiscalYear, be_year) is None:
        raise ActivityError(f"ไม่มีปีงบประมาณ พ.ศ. {be_year} ในระบบ")
    indicator = indicator_of(session, be_year, indicator_key)
    ladder = ladder_for(indicator.key)
    if ladder is None:
        raise ActivityError(f"ตัวชี้วัด {indicator.key} ยังไม่มีเกณฑ์ในไฟล์อ้างอิง จึงบันทึกกิจกรรมไม่ได้")
    activity_kind = ladder.activity_kind(kind)
    if activity_kind is None:
        raise ActivityError(f"ประเภทกิจกรรม {kind!r} ไม่มีในเกณฑ์ของตัวชี้วัดนี้")
    start, end = fiscal_year_bounds(be_year)
    if not start <= occurred_on <= end:
        raise ActivityError(f"วันที่ต้องอยู่ในปีงบประมาณ พ.ศ. {be_year} ({start.isoformat()} ถึง {end.isoformat()})")
    if occurred_on > now.date() + dt.timedelta(days=1):
        raise ActivityError("วันที่ของกิจกรรมอยู่ในอนาคต")
    if activity_kind.counted:
        most = activity_kind.maximum or COUNT_MAX
        if count is None or not 1 <= count <= most:
            raise ActivityError(f"กรุณาระบุจำนวน ({activity_kind.unit_th}) ตั้งแต่ 1 ถึง {most:,}")
    elif count is not None:
        raise ActivityError("กิจกรรมประเภทนี้เป็นขั้นตอน ไม่ต้องระบุจำนวน")
    if len(evidence) > EVIDENCE_PER_ACTIVITY:
        raise ActivityError(f"แนบหลักฐานได้ไม่เกิน {EVIDENCE_PER_ACTIVITY} รายการต่อกิจกรรม")
    activity = Activity(be_year=be_year, indicator_id=indicator.id, occurred_on=occurred_on, kind=kind,
                        count=count, title_th=_clean(title, TITLE_MAX, "ชื่อกิจกรรม") or activity_kind.name_th[
                            :TITLE_MAX], note=_clean(note, NOTE_MAX, "หมายเหตุ") or None,
                        recorded_by=(by or "")[:200] or None, recorded_at=now)
    activity.evidence = [_evidence(item) for item in evidence]
    activity.indicator = indicator
    session.add(activity)
    session.flush()
    rescore(session, indicator, be_year)
    return activity


def delete_activity(session: Session, activity_id: int, be_year: int) -> Activity:
    """Remove a record (a wrong entry) of that fiscal year and rescore its indicator."""
    activity = session.get(Activity, activity_id)
    if activity is None or activity.be_year != be_year:
        raise ActivityError("ไม่พบกิจกรรมนี้")
    indicator = activity.indicator
    session.delete(activity)
    session.flush()
    rescore(session, indicator, be_year)
    return activity


def activities_of(session: Session, be_year: int, indicator: Indicator | None = None) -> list[Activity]:
    """A year's records (of one indicator), oldest first."""
    query = select(Activity).where(Activity.be_year == be_year)
    if indicator is not None:
        query = query.where(Activity.indicator_id == indicator.id)
    return list(session.scalars(query.order_by(Activity.occurred_on, Activity.id)))


def rescore(session: Session, indicator: Indicator, be_year: int) -> IndicatorScore:
    """Recompute an indicator's result from its records; InterClinic's value is left to the system's proposal."""
    result = result_for(session, indicator, be_year)
    ladder = ladder_for(indicator.key)
    records = activities_of(session, be_year, indicator)
    entry = IndicatorScore(indicator, ladder, result, records)
    if ladder is not None and ladder.kind == VALUE and ladder.source == "entered":
        pairs = [(a.kind, a.count) for a in records]
        value = entered_value(ladder, pairs)
        if value is None:  # nothing entered yet: no result (the floor rule scores a value, not an absence)
            result.result_value = result.computed_level = result.computed_score = None
            result.result_text_th = None
        else:
            apply_computed(result, value)
            result.result_text_th = f"{value:g}"
            level = result.computed_level or 0
            reached = max((lv.level for lv in indicator.levels if lv.threshold is None or value >= lv.threshold),
                          default=0)
            entry.computed = Score(level, reached, result.computed_score,
                                   round(indicator.weight * (result.computed_score or 0) / 100, 2),
                                   totals(ladder, pairs), floored=reached == 0 and level == 1)
        session.flush()
        return entry
    if ladder is None or ladder.kind not in (ACTIVITIES, NONE):
        return entry
    scheme = indicator.scheme
    computed = score(ladder, [(a.kind, a.count) for a in records], level_scores=scheme.level_scores,
                     floor_rule=scheme.floor_rule, weight=indicator.weight)
    entry.computed = computed
    if ladder.kind == ACTIVITIES:
        result.result_value = float(computed.reached)
        result.computed_level = computed.level
        result.computed_score = computed.score
        result.result_text_th = f"ระดับ {computed.level}" if computed.level else "ยังไม่ถึงระดับ 1"
    else:  # no scoring table in the seed: nothing is computed, only an override sets the level
        result.result_value = result.computed_level = result.computed_score = None
        result.result_text_th = None
    session.flush()
    return entry


def year_scores(session: Session, be_year: int) -> list[IndicatorScore]:
    """Every indicator of a fiscal year in form order, rescored from its records."""
    indicators = session.scalars(select(Indicator).join(Component).where(Component.be_year == be_year)
                                 .order_by(Component.code, Indicator.sort_order, Indicator.id)).all()
    return [rescore(session, indicator, be_year) for indicator in indicators]


def evidence_file(session: Session, evidence_id: int) -> ActivityEvidence | None:
    """A stored evidence file (for download)."""
    item = session.get(ActivityEvidence, evidence_id)
    return item if item is not None and item.data is not None else None
