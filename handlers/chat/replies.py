"""Outbound messages as plain values: handlers build them, bot/ turns them into LINE messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.limits import (
    ACTION_TEXT_MAX,
    CARD_ALT_TEXT_MAX,
    CARD_TITLE_MAX,
    DATA_MAX,
    DISPLAY_TEXT_MAX,
    FLEX_LABEL_MAX,
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
    label_max: int = LABEL_MAX  # 20 (quick replies); a card's button may take FLEX_LABEL_MAX (40)

    def __post_init__(self) -> None:
        """Every button is built here, so every button is within LINE's action limits."""
        object.__setattr__(self, "label_max", min(self.label_max, FLEX_LABEL_MAX))
        object.__setattr__(self, "label", short_label(self.label, self.label_max) or "…")
        if self.text is not None:
            object.__setattr__(self, "text", fit(self.text, ACTION_TEXT_MAX) or self.label)
        if self.data is not None:
            object.__setattr__(self, "data", fit(self.data, DATA_MAX, ellipsis=""))
        if self.display_text is not None:
            object.__setattr__(self, "display_text", fit(self.display_text, DISPLAY_TEXT_MAX) or None)


@dataclass(frozen=True)
class AnswerCard:
    """An answer as a card: what it says and which buttons it has; bot/ decides how LINE draws it.

    The card never stands alone: it rides on a `Message` whose text says the same (title, answer, source,
    what can be typed), sent instead whenever the card does not fit LINE's limits.
    """

    title: str
    body: str
    alt_text: str  # notifications and the chat list show this instead of the card
    source: str = ""  # "ที่มา: …" (or "Source: …"), "" when the entry names none
    badge: str = ""  # "อยู่ระหว่างตรวจสอบ" on a draft entry, "" on an approved one
    note: str = ""  # a draft's sentence on what to check, under the source
    hint: str = ""  # what can be typed instead of tapping (LINE PC users may not tap)
    feedback: tuple[QuickReply, ...] = ()  # 👍 / 👎
    related: tuple[QuickReply, ...] = ()  # related topics, numbered in the hint and the text
    language: QuickReply | None = None  # the other language's version, only where the entry has it
    officer: QuickReply | None = None  # ask an officer

    def __post_init__(self) -> None:
        """A title a card can show, and an altText within what notifications show (never empty)."""
        object.__setattr__(self, "title", fit(" ".join(self.title.split()), CARD_TITLE_MAX) or "@IAO")
        alt = " ".join(self.alt_text.split())
        object.__setattr__(self, "alt_text", fit(alt, CARD_ALT_TEXT_MAX) or "คำตอบจาก @IAO")

    def buttons(self) -> tuple[QuickReply, ...]:
        """Every button of the card, in the order it shows them."""
        return (*self.feedback, *self.related, *((self.language,) if self.language else ()),
                *((self.officer,) if self.officer else ()))


@dataclass(frozen=True)
class Message:
    """One text message (at most 5,000 UTF-16 units) with optional quick replies, and optionally a card.

    With a card, bot/ sends the card and keeps `text` (with its quick replies) as the fallback for when the
    card does not fit; `text` is also what the log keeps. Cutting here is the last guard: long answers are
    split into several messages before they get here.
    """

    text: str
    quick_replies: tuple[QuickReply, ...] = field(default_factory=tuple)
    card: AnswerCard | None = None

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
    held_ids: tuple[int, ...] = ()  # the log lines of officers' held answers riding along (settled after)
