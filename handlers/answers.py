"""How an entry reads as an answer (title, body, source, review note): one text for LINE and `flask ask`."""

from __future__ import annotations

from knowledge.base import Entry

UNDER_REVIEW_TH = "ℹ️ ข้อมูลนี้อยู่ระหว่างเจ้าหน้าที่ตรวจทาน โปรดตรวจสอบกับหน่วยงานที่ระบุอีกครั้ง"
UNDER_REVIEW_EN = "ℹ️ This information is under review by an officer; please check with the agency named."


def wants_english(text: str) -> bool:
    """Whether a question is written in English (most of its letters Latin), so the answer should be too."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ch.isascii())
    return latin / len(letters) >= 0.6


def source_line(entry: Entry, english: bool = False) -> str:
    """Where the answer comes from (the first two sources), or "" when an entry has none to show."""
    names = [s.agency or s.ref or (f"เอกสาร {s.seed}" if s.seed else "") for s in entry.sources]
    shown = "; ".join(n for n in names[:2] if n)
    if not shown:
        return ""
    return ("Source: " if english else "ที่มา: ") + shown


def answer_text(entry: Entry, english: bool = False) -> str:
    """The full text of an answer: title, body, source and, for a draft, the under-review note."""
    english = english and bool(entry.answer_en)
    body = (entry.answer_en if english and entry.answer_en else entry.answer_th).strip()
    title = entry.title_en if english else entry.title_th
    footer = source_line(entry, english)
    text = f"{title}\n\n{body}" + (f"\n\n{footer}" if footer else "")
    if entry.status != "approved":
        text += "\n" + (UNDER_REVIEW_EN if english else UNDER_REVIEW_TH)
    return text


BADGE_TH = "อยู่ระหว่างตรวจสอบ"
BADGE_EN = "Under review · อยู่ระหว่างตรวจสอบ"


def answer_parts(entry: Entry, english: bool = False) -> tuple[str, str, str, str]:
    """The pieces a card shows: title, body, source line and the under-review note ("" when approved)."""
    english = english and bool(entry.answer_en)
    body = (entry.answer_en if english and entry.answer_en else entry.answer_th).strip()
    title = entry.title_en if english else entry.title_th
    note = "" if entry.status == "approved" else (UNDER_REVIEW_EN if english else UNDER_REVIEW_TH)
    return title, body, source_line(entry, english), note


def review_badge(entry: Entry, english: bool = False) -> str:
    """The badge a draft entry's card carries, "" for an approved one."""
    if entry.status == "approved":
        return ""
    return BADGE_EN if english and entry.answer_en else BADGE_TH


def alt_text(entry: Entry, english: bool = False) -> str:
    """What a notification shows for an answer card: always Thai words, then the start of the answer."""
    _, body, _, _ = answer_parts(entry, english)
    draft = f" ({BADGE_TH})" if entry.status != "approved" else ""
    lang = " (ฉบับภาษาอังกฤษ)" if english and entry.answer_en else ""
    return f"คำตอบจาก @IAO เรื่อง {entry.title_th}{lang}{draft}: {body}"
