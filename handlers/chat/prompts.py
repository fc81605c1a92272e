"""What the bot last offered a user to type: LINE PC shows no quick replies, so a typed number must work too.

One row per user holds the numbered options of the newest prompt (as the postback data their buttons carry),
so a typed "2" (or "๒") does exactly what tapping the second button does, in whichever worker handles it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import ForeignKey, Integer, String, Text, bindparam, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from handlers.models import Base, LineUser, UtcDateTime, table_of
from handlers.transactions import dialect_of, insert_or_replace

PROMPT_TTL = dt.timedelta(minutes=30)  # a number typed later than this is a new message, not a choice
MAX_OPTIONS = 60  # a category lists all its entries, numbered
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_NUMBER = re.compile(r"^(?:ข้อ|เลือก|no\.?|#)?\s*(\d{1,2})\s*[.)]?\s*(?:ค่ะ|คะ|ครับ|นะคะ|นะครับ)?$")
OFFICER_WORDS = ("ถามเจ้าหน้าที่", "ติดต่อเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่", "คุยกับเจ้าหน้าที่", "ขอเจ้าหน้าที่",
                 "officer", "askofficer", "askanofficer")
POLITE = ("ค่ะ", "คะ", "ครับ", "นะคะ", "นะครับ", "หน่อย", "ด้วย", "please")


class ChatPrompt(Base):
    """The numbered choices last offered to one user (did you mean, missions, the survey), and when."""

    __tablename__ = "chat_prompts"

    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # suggest | mission | survey | category | answer | question
    options: Mapped[str] = mapped_column(Text)  # JSON list of postback data, option 1 first
    question_id: Mapped[int | None] = mapped_column(Integer)  # the question the choice is about, if any
    offered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


_PROMPT_COLUMNS = ("user_id", "kind", "options", "question_id", "offered_at")
_FORGET = delete(table_of(ChatPrompt)).where(table_of(ChatPrompt).c.user_id == bindparam("user_id"))  # built once


def _loaded(session: Session, user_id: int) -> ChatPrompt | None:
    """The user's prompt as this transaction already read it, if it did (the statements here bypass the ORM)."""
    found = session.identity_map.get(session.identity_key(ChatPrompt, (user_id,)))
    return found if isinstance(found, ChatPrompt) else None


def typed_number(text: str) -> int | None:
    """The number in a message that is only a number ("2", "๒", "ข้อ 2", "2."), else None."""
    compact = " ".join(text.translate(THAI_DIGITS).lower().split())
    found = _NUMBER.match(compact)
    return int(found.group(1)) if found else None


def officer_request(text: str) -> str | None:
    """"only" when the message just asks for an officer, "with-text" when it asks and says more, else None."""
    compact = "".join(text.lower().split())
    for word in OFFICER_WORDS:
        if compact.startswith(word):
            rest = compact[len(word):]
            for particle in POLITE:
                rest = rest.replace(particle, "")
            return "only" if len(rest.strip(".!?,")) == 0 else "with-text"
    return None


def remember(session: Session, user: LineUser | None, kind: str, options: list[str], now: dt.datetime,
             question_id: int | None = None) -> None:
    """Replace the user's prompt with these numbered options (postback data, option 1 first): one statement."""
    if user is None:
        return
    session.execute(insert_or_replace(dialect_of(session), ChatPrompt, _PROMPT_COLUMNS, "user_id"), {
        "user_id": user.id, "kind": kind, "options": json.dumps(options[:MAX_OPTIONS], ensure_ascii=False),
        "question_id": question_id, "offered_at": now})
    loaded = _loaded(session, user.id)
    if loaded is not None:
        session.expire(loaded)  # a prompt read earlier in this transaction is read again, not stale


def current(session: Session, user: LineUser | None, now: dt.datetime) -> ChatPrompt | None:
    """The user's prompt if it is still fresh."""
    if user is None:
        return None
    row = session.get(ChatPrompt, user.id)
    if row is None or not dt.timedelta(0) <= now - row.offered_at <= PROMPT_TTL:
        return None
    return row


def options_of(row: ChatPrompt) -> list[str]:
    """The prompt's options as postback data, option 1 first."""
    try:
        options = json.loads(row.options or "[]")
    except ValueError:
        return []
    return [o for o in options if isinstance(o, str)] if isinstance(options, list) else []


def forget(session: Session, user: LineUser | None) -> None:
    """Drop the user's prompt (it was used, or a new message made it stale)."""
    if user is not None:
        session.execute(_FORGET, {"user_id": user.id})
        loaded = _loaded(session, user.id)
        if loaded is not None:
            session.expunge(loaded)  # a prompt read earlier in this transaction is gone, not kept from memory
