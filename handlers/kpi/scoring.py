"""An indicator's level and score from its own ladder (reference.yaml `ladders`, quoted from the seeds).

Pure functions: no database. A ladder says what each level needs (a step done, or a count reached); the
fiscal year's scheme turns the level into a score (FY2564: 60–100 points; FY2567: ร้อยละ 20–100 of the
weight). Levels are cumulative, as a ระดับความสำเร็จ is: level 3 needs what levels 1, 2 and 3 need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from handlers.kpi.reference import reference_data

ACTIVITIES = "activities"  # the level comes from recorded activities
VALUE = "value"  # the level comes from one result value against the level thresholds
NONE = "none"  # the seed's scoring table is missing: no computed level
LADDER_KINDS = (ACTIVITIES, VALUE, NONE)


@dataclass(frozen=True)
class ActivityKind:
    """A kind of activity an indicator counts: a step (done once) or a counted kind (with a unit)."""

    code: str
    name_th: str
    unit_th: str | None = None
    maximum: int | None = None  # a counted kind's largest count (a ร้อยละ is at most 100)

    @property
    def counted(self) -> bool:
        """True when each record carries a count (events, products, cities)."""
        return self.unit_th is not None


@dataclass(frozen=True)
class Ladder:
    """How an indicator's level is reached; `levels` maps 1..5 to {activity kind: total needed}."""

    key: str
    kind: str
    kinds: tuple[ActivityKind, ...]
    levels: Mapping[int, Mapping[str, int]]
    source: str = "entered"  # for VALUE ladders: "auto" (the system's proposal) or "entered"
    note_th: str | None = None
    value_kind: str | None = None  # for entered VALUE ladders: the counted kind whose highest count is the value

    def activity_kind(self, code: str) -> ActivityKind | None:
        """The kind with this code, if the ladder has it."""
        return next((k for k in self.kinds if k.code == code), None)

    def needs_th(self, needs: Mapping[str, int]) -> str:
        """Needs in words: "จัดกิจกรรม… ครบ 4 ครั้ง; รายงานผล…"."""
        parts = []
        for code, need in needs.items():
            kind = self.activity_kind(code)
            name = kind.name_th if kind else code
            parts.append(f"{name} อีก {need} {kind.unit_th}" if kind and kind.counted else name)
        return "; ".join(parts)


class LadderError(ValueError):
    """reference.yaml's ladder of an indicator is malformed (caught by the tests, never at run time)."""


@cache
def ladders() -> dict[str, Ladder]:
    """Every ladder of reference.yaml, checked: kinds known, levels 1..5, needs positive."""
    out: dict[str, Ladder] = {}
    for key, spec in (reference_data().get("ladders") or {}).items():
        kind = spec.get("kind")
        if kind not in LADDER_KINDS:
            raise LadderError(f"{key}: kind must be one of {LADDER_KINDS}, not {kind!r}")
        kinds = tuple(ActivityKind(k["code"], k["name_th"], k.get("unit_th"), k.get("maximum"))
                      for k in spec.get("activity_kinds", []))
        codes = {k.code for k in kinds}
        if len(codes) != len(kinds):
            raise LadderError(f"{key}: duplicate activity kind")
        levels: dict[int, dict[str, int]] = {}
        for level, needs in (spec.get("levels") or {}).items():
            if int(level) not in range(1, 6):
                raise LadderError(f"{key}: level {level} is not 1..5")
            for code, need in needs.items():
                if code not in codes or not isinstance(need, int) or need < 1:
                    raise LadderError(f"{key}: level {level} needs {code!r} {need!r}")
            levels[int(level)] = dict(needs)
        if kind == ACTIVITIES and sorted(levels) != [1, 2, 3, 4, 5]:
            raise LadderError(f"{key}: an activities ladder needs levels 1..5")
        source, value_kind = spec.get("source", "entered"), spec.get("value_kind")
        if kind == VALUE and source == "entered":
            counted = {k.code for k in kinds if k.counted}
            if value_kind not in counted:
                raise LadderError(f"{key}: an entered value ladder needs value_kind, a counted kind")
        out[str(key)] = Ladder(str(key), kind, kinds, levels, source, spec.get("note_th"), value_kind)
    return out


def ladder_for(key: str) -> Ladder | None:
    """The ladder of an indicator key (the InterClinic key is the same in every fiscal year)."""
    return ladders().get(key)


def totals(ladder: Ladder, records: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """Each kind's total over (kind, count) records: counted kinds add their counts, steps count 1 each."""
    out = {k.code: 0 for k in ladder.kinds}
    for code, count in records:
        kind = ladder.activity_kind(code)
        if kind is None:
            continue
        out[code] += (count or 0) if kind.counted else 1
    return out


def entered_value(ladder: Ladder, records: Iterable[tuple[str, int | None]]) -> float | None:
    """An entered value ladder's value: the highest count recorded of its value kind (None before any)."""
    values = [count for code, count in records if code == ladder.value_kind and count is not None]
    return float(max(values)) if values else None


def meets(needs: Mapping[str, int], have: Mapping[str, int]) -> bool:
    """True when every need of a level is reached."""
    return all(have.get(code, 0) >= need for code, need in needs.items())


def reached_level(ladder: Ladder, have: Mapping[str, int]) -> int:
    """The highest level whose needs, and every lower level's, are met (0 when level 1 is not)."""
    level = 0
    for n in range(1, 6):
        if not meets(ladder.levels.get(n, {}), have):
            break
        level = n
    return level


@dataclass
class Score:
    """The computed result of an indicator: level reached, score under the scheme, and what is missing."""

    level: int  # level in force for scoring (after the floor rule); 0 = none
    reached: int  # level the records reach (before the floor rule)
    score: float | None  # 0–100 under the scheme (None: not computable, e.g. no ladder in the seed)
    weighted: float | None  # weight × score / 100 (FY2567's คะแนนที่ได้รับ)
    have: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # what the next level still needs
    floored: bool = False  # below level 1, scored as level 1 by the scheme's floor rule
    computable: bool = True


def scheme_score(level_scores: Sequence[float], level: int) -> float:
    """Score (0–100) of a level; 0 for no level."""
    return float(level_scores[level - 1]) if 1 <= level <= len(level_scores) else 0.0


def score(ladder: Ladder, records: Iterable[tuple[str, int | None]], *, level_scores: Sequence[float],
          floor_rule: bool, weight: float) -> Score:
    """Level and score of an activities ladder from (kind, count) records, under a fiscal year's scheme."""
    if ladder.kind != ACTIVITIES:
        return Score(0, 0, None, None, totals(ladder, records), computable=False)
    have = totals(ladder, records)
    reached = reached_level(ladder, have)
    level, floored = reached, False
    if reached == 0 and floor_rule:
        level, floored = 1, True
    points = scheme_score(level_scores, level)
    missing: dict[str, int] = {}
    if reached < 5:
        missing = {code: need - have.get(code, 0) for code, need in ladder.levels[reached + 1].items()
                   if have.get(code, 0) < need}
    return Score(level, reached, points, round(weight * points / 100, 2), have, missing, floored)
