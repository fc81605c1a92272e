"""Postback data: every quick-reply action the bot offers, built and read here and nowhere else.

The wire form is LINE's `data` string, `action=entry&id=tm30&q=12` (at most 300 characters): it stays the same
as before this module, so buttons already sent in users' chats keep working. `encode` refuses an unknown
action or parameter, so a typo in a builder fails at once instead of sending a button nothing answers;
`decode` bounds what LINE hands back and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import parse_qs, urlencode

from handlers.limits import DATA_MAX

Action = Literal["district-group", "set-district", "change-district", "menu", "tips", "category", "entry",
                 "mission", "feedback", "officer", "survey", "club-register"]
ACTIONS: tuple[str, ...] = get_args(Action)
# The parameters each action may carry: q = the question's log id, lang = "en" or "th", e = an entry id.
PARAMS: dict[str, tuple[str, ...]] = {
    "district-group": ("group",), "set-district": ("code",), "change-district": (), "menu": (), "tips": (),
    "category": ("id",), "entry": ("id", "q", "lang"), "mission": ("key", "q", "lang"),
    "feedback": ("v", "q", "e"), "officer": ("q",), "survey": ("score", "skip"), "club-register": ("s",),
}
# Postbacks that answer from public knowledge: the only ones a group or room may use.
PUBLIC_ACTIONS: tuple[str, ...] = ("menu", "tips", "category", "entry", "mission", "feedback")


def encode(action: Action, **params: str | int | None) -> str:
    """The data string of one button; None values are left out; ValueError for what nothing would answer."""
    if action not in PARAMS:
        raise ValueError(f"unknown postback action {action!r}")
    unknown = set(params) - set(PARAMS[action])
    if unknown:
        raise ValueError(f"postback {action!r} takes no {', '.join(sorted(unknown))}")
    data = urlencode({"action": action, **{k: v for k, v in params.items() if v is not None and v != ""}})
    if len(data) > DATA_MAX:
        raise ValueError(f"postback data longer than LINE's {DATA_MAX} characters")
    return data


# One builder per action, so a caller names what it means (and mypy checks the arguments).
def district_group(group: str) -> str:
    return encode("district-group", group=group)


def set_district(code: str) -> str:
    return encode("set-district", code=code)


def menu() -> str:
    return encode("menu")


def tips() -> str:
    return encode("tips")


def change_district() -> str:
    return encode("change-district")


def category(category_id: str) -> str:
    return encode("category", id=category_id)


def entry(entry_id: str, *, question: int | None = None, lang: str | None = None) -> str:
    return encode("entry", id=entry_id, q=question, lang=lang)


def mission(key: str, *, question: int | None = None, lang: str | None = None) -> str:
    return encode("mission", key=key, q=question, lang=lang)


def feedback(vote: Literal["up", "down"], question: int | None, entry_id: str) -> str:
    return encode("feedback", v=vote, q=question, e=entry_id)


def officer(question: int | str | None = None) -> str:
    return encode("officer", q=question)


def survey_score(score: int) -> str:
    return encode("survey", score=score)


def survey_skip() -> str:
    return encode("survey", skip=1)


def club_register(session_id: int) -> str:
    return encode("club-register", s=session_id)


@dataclass(frozen=True)
class Postback:
    """What a tapped button said: its action ("" when not one of ours) and its parameters."""

    action: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """A parameter as text ("" when absent)."""
        return self.params.get(name, "")

    def number(self, name: str) -> int | None:
        """A parameter as a whole number (None when absent or not one)."""
        value = self.params.get(name, "")
        return int(value) if value.isdigit() and len(value) < 19 else None


def decode(data: str) -> Postback:
    """Read LINE's data string (bounded to 300 characters); an unknown action reads as ""."""
    params = {k: v[0] for k, v in parse_qs(data[:DATA_MAX]).items()}
    action = params.pop("action", "")
    if action not in PARAMS:
        return Postback("", {})
    return Postback(action, {k: v for k, v in params.items() if k in PARAMS[action]})
