"""What makes a handed-off question urgent enough to e-mail officers outside office hours.

A question is urgent when what the conversation knows says so, and nothing else:
- its text, or the user's typed lines just before a bare "ถามเจ้าหน้าที่", carries explicit urgent wording
  (URGENT_WORDS: ด่วน, เร่งด่วน, ฉุกเฉิน, urgent, emergency, asap; "สายด่วน", a hotline, does not count), or
- the matcher placed it in the knowledge base's emergency category (`knowledge/entries/emergency.yaml`:
  accidents, crime victims, trafficking, disasters, a person in distress): the entry it was answered or
  handed over with, or the nearest entry recorded for a question handed over unmatched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.models import NEAREST, Interaction

EMERGENCY_CATEGORY = "emergency"
URGENT_WORDS = ("ด่วน", "เร่งด่วน", "ฉุกเฉิน", "urgent", "emergency", "asap")
_NOT_URGENT = re.compile(r"สายด่วน|เบอร์ด่วน")  # "hotline": a question about hotlines is not itself urgent
_URGENT = re.compile(r"ด่วน|ฉุกเฉิน|\burgent\b|\bemergency\b|\basap\b", re.IGNORECASE)


def urgent_wording(text: str | None) -> bool:
    """True when the text itself says it is urgent (a hotline's name does not)."""
    if not text:
        return False
    return _URGENT.search(_NOT_URGENT.sub(" ", text[:2000])) is not None


def emergency_topic(question: Interaction) -> bool:
    """True when the matcher put the question in the emergency category (answered or nearest entry)."""
    if question.category == EMERGENCY_CATEGORY:
        return True
    if question.entry_id and question.entry_id.startswith(f"{EMERGENCY_CATEGORY}-"):
        return True
    detail = question.detail or ""
    return detail.startswith(f"{NEAREST}{EMERGENCY_CATEGORY}-")


def is_urgent(question: Interaction, context: Iterable[str] = ()) -> bool:
    """Urgent by its words (or the words typed just before it), or by its emergency topic."""
    return emergency_topic(question) or urgent_wording(question.text) or any(urgent_wording(t) for t in context)
