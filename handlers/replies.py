"""Outbound messages as plain values: handlers build them, bot/ turns them into LINE messages."""

from __future__ import annotations

from dataclasses import dataclass, field

QUICK_REPLY_LABEL_MAX = 20  # LINE's limit for a quick-reply button label
QUICK_REPLY_MAX = 13  # LINE's limit for quick-reply buttons on one message
TEXT_MAX = 5000  # LINE's limit for one text message


def short_label(text: str, limit: int = QUICK_REPLY_LABEL_MAX) -> str:
    """Cut a label to LINE's quick-reply limit, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class QuickReply:
    """A button under a message: sends `text` as the user, or posts `data` back to the bot."""

    label: str
    text: str | None = None
    data: str | None = None
    display_text: str | None = None


@dataclass(frozen=True)
class Message:
    """One text message (at most 5,000 characters) with optional quick replies."""

    text: str
    quick_replies: tuple[QuickReply, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.text) > TEXT_MAX:
            object.__setattr__(self, "text", self.text[: TEXT_MAX - 1] + "…")
        if len(self.quick_replies) > QUICK_REPLY_MAX:
            object.__setattr__(self, "quick_replies", self.quick_replies[:QUICK_REPLY_MAX])


@dataclass(frozen=True)
class Outgoing:
    """What to send after the event's transaction commits: a free reply when a token is valid."""

    line_user_id: str | None
    reply_token: str | None
    messages: tuple[Message, ...]
    log_ids: tuple[int, ...] = ()
