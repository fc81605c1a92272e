"""District names as staff type them."""

import pytest

from handlers.chat.districts import DISTRICTS, GROUPS, districts_in_group, match_district


def test_fifty_districts_in_six_groups() -> None:
    assert len(DISTRICTS) == 50
    assert len({d.code for d in DISTRICTS}) == 50
    assert sum(len(districts_in_group(g)) for g, _ in GROUPS) == 50
    assert all(len(districts_in_group(g)) <= 13 for g, _ in GROUPS)  # fits LINE's quick replies


@pytest.mark.parametrize("district", DISTRICTS, ids=lambda d: d.code)
def test_every_district_matches_by_thai_and_english_name(district) -> None:  # type: ignore[no-untyped-def]
    assert match_district(district.name_th) == district
    assert match_district(f"เขต{district.name_th}") == district
    assert match_district(district.name_en.upper()) == district


@pytest.mark.parametrize("text", ["สวัสดีครับ", "วีซ่า", "ขอถามเรื่องทะเบียนสมรสกับชาวต่างชาติ", "ok", "บาง"])
def test_non_district_text_does_not_match(text: str) -> None:
    assert match_district(text) is None
