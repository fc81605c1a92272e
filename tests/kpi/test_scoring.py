"""Scoring from each ladder kind of the seeds: counts, steps, mixed levels, weights, boundaries, floor rule."""

from __future__ import annotations

import pytest

from handlers.kpi.reference import reference_data
from handlers.kpi.scoring import ACTIVITIES, NONE, VALUE, ladder_for, ladders, reached_level, score, totals

FY2567 = [20, 40, 60, 80, 100]  # WEIGHT_X_LEVEL_PCT: ร้อยละ of the weight
FY2564 = [60, 70, 80, 90, 100]  # POINTS_60_100


def fy2567(key: str, records: list[tuple[str, int | None]], weight: float = 10):  # type: ignore[no-untyped-def]
    """Score under the FY2567 scheme (no floor rule)."""
    return score(ladder_for(key), records, level_scores=FY2567, floor_rule=False, weight=weight)  # type: ignore[arg-type]


def test_every_indicator_of_both_years_has_a_ladder_and_its_levels_match_the_seeded_texts() -> None:
    assert {ladder.kind for ladder in ladders().values()} == {ACTIVITIES, VALUE, NONE}
    for year in reference_data()["fiscal_years"]:
        for component in year["components"]:
            for spec in component["indicators"]:
                ladder = ladder_for(spec["key"])
                assert ladder is not None, spec["key"]
                if ladder.kind == ACTIVITIES:
                    assert len(spec["levels"]) == 5  # the seed's table is there for every computed ladder
    assert ladder_for("2567-1.2-1").kind == NONE and not ladder_for("2567-1.2-1").levels  # missing in seed 002


@pytest.mark.parametrize(("events", "level", "points"), [
    (0, 1, 2), (1, 1, 2), (2, 2, 4), (3, 2, 4), (4, 3, 6), (5, 3, 6), (6, 4, 8), (60, 4, 8)])
def test_counts_2_4_6_events_with_a_plan(events: int, level: int, points: float) -> None:
    records = [("plan", None)] + ([("hosted_event", events)] if events else [])
    result = fy2567("2567-1.3-1", records)
    assert (result.level, result.weighted, result.score) == (level, points, FY2567[level - 1])


def test_counts_add_up_over_records_and_level_5_needs_its_steps() -> None:
    records = [("plan", None), ("hosted_event", 2), ("hosted_event", 3), ("hosted_event", 1)]
    assert fy2567("2567-1.3-1", records).level == 4
    done = records + [("publication", 6), ("network", None)]
    result = fy2567("2567-1.3-1", done)
    assert result.level == 4 and result.missing == {"report": 1}  # the report to executives is still missing
    result = fy2567("2567-1.3-1", done + [("report", None)])
    assert (result.level, result.weighted) == (5, 10)
    assert fy2567("2567-1.3-1", records + [("publication", 5), ("network", None), ("report", None)]).level == 4


def test_nothing_reached_scores_zero_in_fy2567_without_floor_rule() -> None:
    result = fy2567("2567-1.3-1", [("hosted_event", 6)])  # six events but no approved plan: level 1 is not met
    assert (result.reached, result.level, result.score, result.weighted) == (0, 0, 0.0, 0.0)
    assert result.missing == {"plan": 1}


@pytest.mark.parametrize(("products", "level"), [(4, 0), (5, 1), (9, 1), (10, 2), (19, 2), (20, 3), (29, 3),
                                                 (30, 4), (39, 4), (40, 4)])
def test_products_5_10_20_30_40_boundaries(products: int, level: int) -> None:
    records = [("product_data", None), ("plan", None), ("products", products)]
    assert fy2567("2567-1.1-3", records).level == level


def test_products_level_5_needs_40_and_the_report() -> None:
    base = [("product_data", None), ("plan", None), ("products", 25), ("products", 15)]
    assert fy2567("2567-1.1-3", base + [("report", None)]).level == 5
    assert fy2567("2567-1.1-3", base[:-1] + [("report", None)]).level == 3  # 25 products


def test_level_1_of_products_needs_all_three_of_its_requirements() -> None:
    assert fy2567("2567-1.1-3", [("plan", None), ("products", 40)]).level == 0  # no product data compiled


def test_steps_plan_coordination_then_counts() -> None:
    key = "2567-1.1-2"
    assert fy2567(key, [("plan", None)]).level == 1
    assert fy2567(key, [("plan", None), ("coordination", None)]).level == 2
    assert fy2567(key, [("coordination", None), ("network_activity", 6)]).level == 0  # no plan
    steps = [("plan", None), ("coordination", None)]
    assert fy2567(key, steps + [("network_activity", 3)]).level == 2
    assert fy2567(key, steps + [("network_activity", 4)]).level == 3
    assert fy2567(key, steps + [("network_activity", 6)]).level == 4
    assert fy2567(key, steps + [("network_activity", 6), ("knowledge_summary", None), ("report", None)]).level == 5


def test_step_kinds_count_one_per_record_whatever_their_count() -> None:
    ladder = ladder_for("2567-1.3-2")
    assert totals(ladder, [("plan", None), ("plan", None), ("cultural_activity", 2), ("nonsense", 9)])[  # type: ignore[arg-type]
        "plan"] == 2
    have = totals(ladder, [("plan", None), ("preparation", None), ("cultural_activity", 3),  # type: ignore[arg-type]
                           ("publication", 3), ("model", None)])
    assert reached_level(ladder, have) == 4  # the report is missing  # type: ignore[arg-type]


def test_cities_1_2_3() -> None:
    key = "2567-1.1-1"
    for cities, level in ((1, 2), (2, 3), (3, 4)):
        assert fy2567(key, [("plan", None), ("city_activity", cities)]).level == level
    assert fy2567(key, [("plan", None), ("city_activity", 3), ("publication", None), ("report", None)]).level == 5


def test_weights_scale_the_points() -> None:
    records = [("plan", None), ("hosted_event", 4)]  # level 3 = ร้อยละ 60
    assert fy2567("2567-1.3-1", records, weight=10).weighted == 6
    assert fy2567("2567-1.3-1", records, weight=20).weighted == 12
    assert fy2567("2567-1.3-1", records, weight=15).weighted == 9


def test_fy2564_points_with_the_floor_rule() -> None:
    ladder = ladder_for("2567-1.3-1")
    low = score(ladder, [], level_scores=FY2564, floor_rule=True, weight=10)  # type: ignore[arg-type]
    assert (low.reached, low.level, low.score, low.weighted, low.floored) == (0, 1, 60, 6, True)
    high = score(ladder, [("plan", None), ("hosted_event", 6)], level_scores=FY2564, floor_rule=True,  # type: ignore[arg-type]
                 weight=10)
    assert (high.level, high.score, high.weighted, high.floored) == (4, 90, 9, False)


def test_a_ladder_without_a_seed_table_is_not_computed() -> None:
    result = fy2567("2567-1.2-1", [("website_users", 5000)], weight=20)
    assert not result.computable and result.score is None and result.weighted is None
    assert result.have["website_users"] == 5000
