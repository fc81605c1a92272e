"""How an entry reads as an answer (title, body, source, review note): one text for LINE and `flask ask`."""

from __future__ import annotations

from knowledge.base import Entry

UNDER_REVIEW_TH = "ℹ️ ข้อมูลนี้อยู่ระหว่างเจ้าหน้าที่ตรวจทาน โปรดตรวจสอบกับหน่วยงานที่ระบุอีกครั้ง"
UNDER_REVIEW_EN = "ℹ️ This information is under review by an officer; please check with the agency named."


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
