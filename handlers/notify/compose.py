"""The Thai e-mail that tells an officer which questions wait: bounded, with links, and no one's LINE identity."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from handlers.clock import BANGKOK
from handlers.reports.thai import MONTHS_TH_SHORT, be
from handlers.safe_text import safe_text

EXCERPT_MAX = 300  # characters of each question in the mail (the console has the whole text)
LIST_MAX = 20  # questions listed in one mail; the rest are counted and waiting in the inbox
SUBJECT_PREFIX = "[@IAO]"


@dataclass(frozen=True)
class QuestionNote:
    """What a mail says about one question: no LINE id or display name, only what an officer needs to act."""

    question_id: int
    district_th: str | None
    asked_at: dt.datetime
    excerpt: str
    urgent: bool


@dataclass(frozen=True)
class MailDraft:
    """Everything a notice mail is made of, read in the claiming transaction and sent after it."""

    mail_id: int
    message_id: str
    to_address: str
    officer_name: str
    questions: tuple[QuestionNote, ...]
    urgent: bool
    outside_hours: bool


_NAMED = re.compile(r'^\s*"?([^"<>\r\n]*?)"?\s*<([^<>\s]+)>\s*$')


def sender_parts(mail_from: str) -> tuple[str, str]:
    """MAIL_FROM as (display name, address): `@IAO <iao@x.go.th>`, `"@IAO" <iao@x.go.th>` or `iao@x.go.th`."""
    named = _NAMED.match(mail_from)
    if named:
        return named.group(1).strip(), named.group(2)
    return "", mail_from.strip()


def excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    """One line of the question, cut to `limit` characters with an ellipsis, without control characters."""
    flat = " ".join(safe_text(text).replace("\r", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def when_th(moment: dt.datetime) -> str:
    """"1 ธ.ค. 2569 10:02 น." in Bangkok time, Buddhist Era, as the office writes it."""
    local = moment.astimezone(BANGKOK)
    return f"{local.day} {MONTHS_TH_SHORT[local.month - 1]} {be(local.year)} {local:%H:%M} น."


def question_url(base_url: str, question_id: int) -> str:
    """The question's page in the console (the officer signs in first)."""
    return f"{base_url.rstrip('/')}/console/inbox/{question_id}"


def subject_th(draft: MailDraft) -> str:
    """"[@IAO] ด่วน: มีคำถามรอเจ้าหน้าที่ 2 เรื่อง"."""
    urgent = "ด่วน: " if draft.urgent else ""
    return f"{SUBJECT_PREFIX} {urgent}มีคำถามรอเจ้าหน้าที่ {len(draft.questions)} เรื่อง"


def body_th(draft: MailDraft, base_url: str) -> str:
    """The plain-text body: each question's district, time, a bounded excerpt and its link."""
    lines = [f"เรียน {draft.officer_name}", "",
             f"@IAO ส่งต่อคำถามจากเจ้าหน้าที่สำนักงานเขตให้เจ้าหน้าที่สำนักงานการต่างประเทศ "
             f"{len(draft.questions)} เรื่อง ซึ่งยังไม่มีผู้ตอบ:", ""]
    if draft.outside_hours:
        lines[3:3] = ["ส่งนอกเวลาราชการเพราะมีเรื่องด่วน (ระบุว่าด่วนหรือฉุกเฉิน หรือเป็นเรื่องเหตุฉุกเฉิน)", ""]
    for number, note in enumerate(draft.questions[:LIST_MAX], 1):
        district = f"เขต{note.district_th}" if note.district_th else "ยังไม่ระบุเขต"
        lines += [f"{number}. {'[ด่วน] ' if note.urgent else ''}{district} · {when_th(note.asked_at)}",
                  f"   “{note.excerpt}”",
                  f"   เปิดดูและตอบ: {question_url(base_url, note.question_id)}", ""]
    if len(draft.questions) > LIST_MAX:
        lines += [f"และอีก {len(draft.questions) - LIST_MAX} เรื่องในกล่องคำถาม", ""]
    lines += [f"กล่องคำถามทั้งหมด: {base_url.rstrip('/')}/console/inbox (เข้าสู่ระบบก่อน)", "",
              "ท่านได้รับอีเมลนี้เพราะเป็นเจ้าหน้าที่เวรของ @IAO "
              "ผู้ดูแลระบบเปลี่ยนอีเมลหรือสถานะเวรได้ที่หน้า \"บัญชีเจ้าหน้าที่\" ในคอนโซล",
              "กรุณาอย่าตอบกลับอีเมลนี้ ตอบผู้ถามได้ทางคอนโซลเท่านั้น"]
    return "\n".join(lines) + "\n"


def build_message(draft: MailDraft, *, mail_from: str, base_url: str, now: dt.datetime) -> EmailMessage:
    """The e-mail itself; its Message-ID is the mail's own, so a retry is the same message."""
    message = EmailMessage()
    message["Subject"] = subject_th(draft)
    name, address = sender_parts(mail_from)
    message["From"] = formataddr((name, address)) if name else address  # "@IAO" needs quoting: formataddr does
    message["To"] = draft.to_address
    message["Date"] = format_datetime(now.astimezone(BANGKOK))
    message["Message-ID"] = draft.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies back to the bot
    if draft.urgent:
        message["X-Priority"] = "1"
    message.set_content(body_th(draft, base_url), charset="utf-8")
    return message
