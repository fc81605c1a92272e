"""Issue 11: postback data is built and read in one module (handlers/chat/postbacks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.chat import postbacks


def test_the_wire_form_is_what_buttons_in_users_chats_already_carry() -> None:
    assert postbacks.entry("tm30", question=12, lang="en") == "action=entry&id=tm30&q=12&lang=en"
    assert postbacks.officer(7) == "action=officer&q=7" and postbacks.officer() == "action=officer"
    assert postbacks.feedback("down", 3, "tm30") == "action=feedback&v=down&q=3&e=tm30"
    assert postbacks.survey_score(5) == "action=survey&score=5"
    assert postbacks.decode(postbacks.district_group("กรุงเทพกลาง")).text("group") == "กรุงเทพกลาง"
    tap = postbacks.decode("action=entry&id=tm30&q=12")  # as old buttons send it
    assert (tap.action, tap.text("id"), tap.number("q"), tap.text("lang")) == ("entry", "tm30", 12, "")


def test_a_typo_fails_where_the_button_is_built() -> None:
    with pytest.raises(ValueError, match="unknown postback action"):
        postbacks.encode("entri")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="takes no key"):
        postbacks.encode("entry", key="x")
    with pytest.raises(ValueError, match="300"):
        postbacks.entry("x" * 400)


@given(st.text(max_size=2000))
def test_decoding_anything_never_raises_and_keeps_only_known_parameters(data: str) -> None:
    tap = postbacks.decode(data)
    assert tap.action in ("", *postbacks.ACTIONS)
    assert set(tap.params) <= set(postbacks.PARAMS.get(tap.action, ()))
    assert tap.number("q") is None or tap.number("q") >= 0  # type: ignore[operator]


def test_unknown_actions_and_junk_numbers_read_as_nothing() -> None:
    assert postbacks.decode("action=drop-tables&id=1") == postbacks.Postback("", {})
    assert postbacks.decode("action=officer&q=12abc").number("q") is None
    assert postbacks.decode("action=officer&q=" + "9" * 40).number("q") is None


def test_no_other_module_builds_or_parses_postback_strings() -> None:
    root = Path(__file__).resolve().parents[2]
    found = [f"{p.relative_to(root)}" for folder in ("handlers", "bot") for p in sorted((root / folder).rglob("*.py"))
             if p.name != "postbacks.py" and any(w in p.read_text(encoding="utf-8")
                                                 for w in ("urlencode", "parse_qs", '"action=', "'action="))]
    assert found == []
