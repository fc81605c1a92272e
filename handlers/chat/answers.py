"""How an entry reads as an answer (title, body, source, review note): one text for LINE and `flask ask`,
and the answer card LINE shows (bot/ draws it; its text is the fallback)."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.chat import postbacks
from handlers.chat.replies import AnswerCard, Message, QuickReply
from handlers.limits import FLEX_LABEL_MAX, LABEL_MAX
from knowledge.base import Entry

ASK_OFFICER = "ถามเจ้าหน้าที่"
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


def answer_message(entry: Entry, question_id: int, *, related: Sequence[Entry] = (), english: bool = False,
                   also: Sequence[Entry] = (), shared: bool = False) -> Message:
    """An answer card: title, answer, source, a draft's badge, 👍 / 👎, related topics (`also`, a near-tie's
    runner-up, first), the other language where the entry has it, and an officer. The message's text says
    the same and what can be typed, for LINE PC users who do not tap and for when the card won't fit."""
    english = english and bool(entry.answer_en)
    feedback = (
        QuickReply(label="👍 ตรงคำถาม", data=postbacks.feedback("up", question_id, entry.id),
                   display_text="👍"),
        QuickReply(label="👎 ไม่ตรง", data=postbacks.feedback("down", question_id, entry.id),
                   display_text="👎"),
    )
    language: QuickReply | None = None
    if entry.answer_en and not english:
        language = QuickReply(label="English version", data=postbacks.entry(entry.id, lang="en"),
                              display_text="English version")
    elif entry.answer_en:
        language = QuickReply(label="ฉบับภาษาไทย", data=postbacks.entry(entry.id, lang="th"),
                              display_text="ภาษาไทย")
    topics = [(other, f"หรือ: {other.title_th}", {"q": question_id}) for other in also]
    topics += [(found, found.title_th, {}) for found in related if found.id != entry.id]
    def topic_button(i: int, topic: Entry, label: str, extra: dict[str, int], label_max: int) -> QuickReply:
        return QuickReply(label=f"{i}. {label}", data=postbacks.entry(topic.id, question=extra.get("q")),
                          display_text=topic.title_th, label_max=label_max)

    # a card's button shows up to 40 characters of the title, a quick reply 20 (LINE's limits)
    buttons = tuple(topic_button(i, *t, FLEX_LABEL_MAX) for i, t in enumerate(topics, 1))
    quick = tuple(topic_button(i, *t, LABEL_MAX) for i, t in enumerate(topics, 1))
    officer = QuickReply(label=ASK_OFFICER, data=postbacks.officer(question_id), display_text=ASK_OFFICER)
    if shared:
        hint = "แตะปุ่มด้านล่าง หรือแท็ก @IAO แล้วพิมพ์คำถามต่อได้เลยค่ะ"
    elif buttons:
        numbers = "1" if len(buttons) == 1 else f"1–{len(buttons)}"
        hint = (f"พิมพ์หมายเลข {numbers} เพื่อดูเรื่องที่เกี่ยวข้อง "
                f"หรือพิมพ์ \"{ASK_OFFICER}\" หากคำตอบยังไม่ตรงคำถามค่ะ")
    else:
        hint = f"พิมพ์ \"{ASK_OFFICER}\" หากคำตอบยังไม่ตรงคำถามค่ะ"
    title, body, source, note = answer_parts(entry, english)
    card = AnswerCard(title=title, body=body, alt_text=alt_text(entry, english), source=source,
                      badge=review_badge(entry, english), note=note, hint=hint, feedback=feedback,
                      related=buttons, language=language, officer=officer)
    listing = "".join(f"\n{i}. {label}" for i, (_, label, _) in enumerate(topics, 1))
    text = answer_text(entry, english) + (f"\n\nเรื่องที่เกี่ยวข้อง:{listing}" if listing else "") + f"\n\n{hint}"
    return Message(text, (*feedback, *((language,) if language else ()), *quick, officer), card)
