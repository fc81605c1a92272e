"""Outbound messages as plain values: handlers build them, bot/ turns them into LINE messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.limits import (
    ACTION_TEXT_MAX,
    DATA_MAX,
    DISPLAY_TEXT_MAX,
    LABEL_MAX,
    QUICK_REPLY_MAX,
    TEXT_MAX,
    fit,
)

QUICK_REPLY_LABEL_MAX = LABEL_MAX


def short_label(text: str, limit: int = LABEL_MAX) -> str:
    """Cut a label to LINE's quick-reply limit (UTF-16 units), marking the cut with an ellipsis."""
    return fit(" ".join(text.split()), limit)


@dataclass(frozen=True)
class QuickReply:
    """A button under a message: sends `text` as the user, or posts `data` back to the bot."""

    label: str
    text: str | None = None
    data: str | None = None
    display_text: str | None = None

    def __post_init__(self) -> None:
        """Every button is built here, so every button is within LINE's action limits."""
        object.__setattr__(self, "label", short_label(self.label) or "…")
        if self.text is not None:
            object.__setattr__(self, "text", fit(self.text, ACTION_TEXT_MAX) or self.label)
        if self.data is not None:
            object.__setattr__(self, "data", fit(self.data, DATA_MAX, ellipsis=""))
        if self.display_text is not None:
            object.__setattr__(self, "display_text", fit(self.display_text, DISPLAY_TEXT_MAX) or None)


@dataclass(frozen=True)
class Message:
    """One text message (at most 5,000 UTF-16 units) with optional quick replies.

    Cutting here is the last guard: long answers are split into several messages before they get here.
    """

    text: str
    quick_replies: tuple[QuickReply, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", fit(self.text, TEXT_MAX) or ".")
        if len(self.quick_replies) > QUICK_REPLY_MAX:
            object.__setattr__(self, "quick_replies", self.quick_replies[:QUICK_REPLY_MAX])


@dataclass(frozen=True)
class Outgoing:
    """What to send after the event's transaction commits: a free reply when a token is valid."""

    line_user_id: str | None
    reply_token: str | None
    messages: tuple[Message, ...]
    log_ids: tuple[int, ...] = ()
    leave: tuple[str, str] | None = None  # ("group" | "room", id): leave that chat once the reply went
