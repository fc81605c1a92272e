"""English Club Friday: one implementation of sessions, reminders, registrations and attendance.

The console, `flask club ...` and the conversation call these; they take a Session and never commit. The
reminder is a scheduled send like any tip (handlers.broadcasts): priced in `broadcast plan`, held when the
quota does not fit, sent once under its retry key by the scheduler.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.chat import postbacks
from handlers.chat.districts import DISTRICTS, match_district
from handlers.chat.replies import Message, QuickReply
from handlers.clock import BANGKOK, utcnow
from handlers.club.figures import effective_send
from handlers.club.models import ClubAttendance, ClubRegistration, ClubSession
from handlers.models import District, LineUser
from handlers.reports.thai import MONTHS_TH
from handlers.safe_text import safe_text
from handlers.tips.models import Broadcast
from handlers.tips.schedule import ENGLISH_CLUB_ENTRY, cancel, create_tip, nth_weekday, schedule

ACTION = "club-register"
FRIDAY = 4
THIRD = 3  # seed 001: «วันศุกร์ที่ 3 ของทุกเดือน»
REMINDER_HOUR = 9  # as the recurring English Club tip ("0 9 * * fri#3")
TOPIC_MAX = 300
URL_MAX = 500
NOTE_MAX = 4000
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_ROWS = 5000
WEEKDAYS_TH = ("วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์", "วันเสาร์", "วันอาทิตย์")
REGISTER_WORDS = ("ลงทะเบียนenglishclub", "ลงทะเบียนenglishclubfriday", "สมัครenglishclub",
                  "ลงทะเบียนenglish", "registerenglishclub", "englishclubregister")
REGISTER_LABEL = "✋ ลงทะเบียน"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class ClubError(ValueError):
    """A session, reminder or attendance list that cannot be saved; `problems` are Thai, one per fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# ----------------------------------------------------------------------------------------------- wording
def date_th(day: dt.date) -> str:
    """"วันศุกร์ที่ 21 พฤษภาคม 2564": the weekday, the day, the Thai month and the Buddhist-Era year."""
    return f"{WEEKDAYS_TH[day.weekday()]}ที่ {day.day} {MONTHS_TH[day.month - 1]} {day.year + 543}"


def when_th(row: ClubSession) -> str:
    """The session's date and, when known, its time in the Thai way ("เวลา 13.30 น.")."""
    time = f" เวลา {row.starts_at.replace(':', '.')} น." if row.starts_at else ""
    return date_th(row.held_on) + time


def reminder_message(row: ClubSession) -> Message:
    """The LINE reminder: date, topic, and a register button (typed registration for LINE PC)."""
    text = (f"📣 English Club Friday ครั้งต่อไป\n📅 {when_th(row)}\n📝 หัวข้อ: {row.topic}\n\n"
            "กิจกรรมภาษาอังกฤษออนไลน์สำหรับบุคลากรสำนักงานเขต กับเจ้าหน้าที่สำนักงานการต่างประเทศ\n"
            f"กด \"{REGISTER_LABEL}\" ด้านล่าง (หรือพิมพ์ \"ลงทะเบียน English Club\") แล้ว @IAO "
            "จะส่งลิงก์เข้าร่วมให้ค่ะ")
    buttons = [QuickReply(label=REGISTER_LABEL, data=register_data(row.id), display_text="ลงทะเบียน English Club")]
    buttons.append(QuickReply(label="อ่านเพิ่มเติม", data=postbacks.entry(ENGLISH_CLUB_ENTRY),
                              display_text="อ่านเพิ่มเติม"))
    return Message(text, tuple(buttons))


def register_data(session_id: int) -> str:
    """The register button's postback data (built like every postback of the bot, in handlers/chat/postbacks)."""
    return postbacks.club_register(session_id)


def _details(row: ClubSession, district: District | None) -> str:
    """Date, topic, link and district: what a registrant needs to join."""
    lines = [f"📅 {when_th(row)}", f"📝 หัวข้อ: {row.topic}", f"🔗 ลิงก์เข้าร่วม: {row.meeting_url}"]
    if row.duration_minutes:
        lines.append(f"⏱ ประมาณ {row.duration_minutes} นาที")
    if district is not None:
        lines.append(f"🏢 สำนักงานเขต{district.name_th}")
    else:
        lines.append("🏢 ยังไม่ทราบสำนักงานเขตของท่าน พิมพ์ \"เปลี่ยนเขต\" เพื่อระบุเขต (ใช้นับผู้เข้าร่วมแยกตามเขต)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- sessions
@dataclass(frozen=True)
class SessionInput:
    """A session as an officer typed it (console form or CLI options), before it is checked."""

    held_on: str
    topic: str
    meeting_url: str
    starts_at: str = ""
    duration_minutes: str = ""
    note: str = ""


def _checked(data: SessionInput) -> tuple[dt.date, str | None, str, str, int | None, str | None]:
    """The input as column values, or ClubError naming every fault in Thai."""
    problems: list[str] = []
    held_on = None
    try:
        held_on = dt.date.fromisoformat(data.held_on.strip())
    except ValueError:
        problems.append("วันที่ต้องอยู่ในรูปแบบ ปปปป-ดด-วว (ค.ศ.) เช่น 2026-12-18")
    starts_at = None
    if data.starts_at.strip():
        match = _TIME.match(data.starts_at.strip())
        if match is None:
            problems.append("เวลาเริ่มต้องอยู่ในรูปแบบ ชช:นน เช่น 13:30")
        else:
            starts_at = f"{int(match.group(1)):02d}:{match.group(2)}"
    topic = " ".join(safe_text(data.topic).split())
    if not topic:
        problems.append("กรุณาระบุหัวข้อ")
    elif len(topic) > TOPIC_MAX:
        problems.append(f"หัวข้อยาวเกิน {TOPIC_MAX} ตัวอักษร")
    url = data.meeting_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c in url for c in " \n\t<>\"'"):
        problems.append("ลิงก์ประชุมต้องขึ้นต้นด้วย https:// และไม่มีช่องว่าง")
    elif len(url) > URL_MAX:
        problems.append(f"ลิงก์ประชุมยาวเกิน {URL_MAX} ตัวอักษร")
    duration = None
    if data.duration_minutes.strip():
        if not data.duration_minutes.strip().isdigit() or not 1 <= int(data.duration_minutes) <= 600:
            problems.append("ระยะเวลาต้องเป็นจำนวนนาที 1 ถึง 600")
        else:
            duration = int(data.duration_minutes)
    note = safe_text(data.note).strip() or None
    if note and len(note) > NOTE_MAX:
        problems.append(f"บันทึกยาวเกิน {NOTE_MAX} ตัวอักษร")
    if problems or held_on is None:
        raise ClubError(problems)
    return held_on, starts_at, topic, url, duration, note


def create_session(session: Session, data: SessionInput, *, by: str | None) -> ClubSession:
    """A new session; ClubError when the input is bad or a session already holds that date."""
    held_on, starts_at, topic, url, duration, note = _checked(data)
    if session.scalar(select(ClubSession.id).where(ClubSession.held_on == held_on)) is not None:
        raise ClubError([f"มีกิจกรรมวันที่ {held_on.isoformat()} อยู่แล้ว"])
    row = ClubSession(held_on=held_on, starts_at=starts_at, topic=topic, meeting_url=url,
                      duration_minutes=duration, note=note, status="planned", created_by=by)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another officer saved the same date at the same moment
        raise ClubError([f"มีกิจกรรมวันที่ {held_on.isoformat()} อยู่แล้ว"]) from None
    return row


def update_session(session: Session, row: ClubSession, data: SessionInput) -> None:
    """Change a session's date, time, topic, link, length or note (the reminder already frozen stays)."""
    held_on, starts_at, topic, url, duration, note = _checked(data)
    other = session.scalar(select(ClubSession.id).where(ClubSession.held_on == held_on, ClubSession.id != row.id))
    if other is not None:
        raise ClubError([f"มีกิจกรรมวันที่ {held_on.isoformat()} อยู่แล้ว"])
    row.held_on, row.starts_at, row.topic, row.meeting_url = held_on, starts_at, topic, url
    row.duration_minutes, row.note, row.updated_at = duration, note, utcnow()
    session.flush()


def set_note(session: Session, row: ClubSession, note: str) -> None:
    """Record the session's obstacles and findings (e.g. the meeting platform's time limit)."""
    text = safe_text(note).strip()
    if len(text) > NOTE_MAX:
        raise ClubError([f"บันทึกยาวเกิน {NOTE_MAX} ตัวอักษร"])
    row.note, row.updated_at = text or None, utcnow()
    session.flush()


def cancel_session(session: Session, row: ClubSession) -> bool:
    """Cancel a session and its reminder if not sent; True when the reminder was stopped in time."""
    row.status, row.updated_at = "cancelled", utcnow()
    stopped = cancel(session, row.reminder_broadcast_id) if row.reminder_broadcast_id else False
    session.flush()
    return stopped


def third_fridays(first: tuple[int, int], last: tuple[int, int]) -> list[dt.date]:
    """The 3rd Friday of every month from `first` to `last` (year, month), both included."""
    days: list[dt.date] = []
    year, month = first
    while (year, month) <= last and len(days) < 36:
        days.append(nth_weekday(year, month, FRIDAY, THIRD))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def plan_series(session: Session, first: tuple[int, int], last: tuple[int, int], *, topic: str, meeting_url: str,
                starts_at: str = "", duration_minutes: str = "", by: str | None) -> list[ClubSession]:
    """A session on each month's 3rd Friday (seed 001's rule), skipping dates that already have one."""
    made = []
    for day in third_fridays(first, last):
        if session.scalar(select(ClubSession.id).where(ClubSession.held_on == day)) is None:
            made.append(create_session(session, SessionInput(day.isoformat(), topic, meeting_url, starts_at,
                                                             duration_minutes), by=by))
    return made


def list_sessions(session: Session, *, since: dt.date | None = None) -> list[ClubSession]:
    """Sessions by date (optionally from `since`)."""
    query = select(ClubSession).order_by(ClubSession.held_on)
    if since is not None:
        query = query.where(ClubSession.held_on >= since)
    return list(session.scalars(query))


def get_session(session: Session, session_id: int) -> ClubSession | None:
    """One session by id."""
    return session.get(ClubSession, session_id)


def today_bangkok(now: dt.datetime | None = None) -> dt.date:
    """Bangkok's date now."""
    return (now or utcnow()).astimezone(BANGKOK).date()


# ----------------------------------------------------------------------------------------------- reminder
def default_reminder_time(row: ClubSession) -> dt.datetime:
    """09:00 Bangkok on the session's day, as the recurring English Club tip was sent."""
    return dt.datetime.combine(row.held_on, dt.time(REMINDER_HOUR), BANGKOK)


def _starts(row: ClubSession) -> dt.datetime:
    """When the session starts (its day's end when no time is given): a reminder must go before it."""
    if row.starts_at:
        hour, minute = (int(x) for x in row.starts_at.split(":"))
        return dt.datetime.combine(row.held_on, dt.time(hour, minute), BANGKOK)
    return dt.datetime.combine(row.held_on + dt.timedelta(days=1), dt.time(0), BANGKOK)


def reminder_send(session: Session, row: ClubSession) -> Broadcast | None:
    """The send carrying the session's reminder (following a bundle it was merged into), if any."""
    carried = effective_send(session, row.reminder_broadcast_id)
    return session.get(Broadcast, carried) if carried is not None else None


def schedule_reminder(session: Session, row: ClubSession, at: dt.datetime | None, *, audience: str = "all",
                      now: dt.datetime | None = None) -> Broadcast:
    """Schedule the session's reminder as a tip send (priced and held within the quota like every tip).

    A reminder not yet sent is replaced; one already sent stays (sending twice would cost twice).
    """
    now = now or utcnow()
    at = at or default_reminder_time(row)
    if at.tzinfo is None:
        at = at.replace(tzinfo=BANGKOK)
    problems = []
    if row.status == "cancelled":
        problems.append("กิจกรรมนี้ยกเลิกแล้ว")
    if at <= now:
        problems.append("เวลาส่งต้องเป็นเวลาในอนาคต")
    if at >= _starts(row):
        problems.append("เวลาส่งต้องก่อนเวลาเริ่มกิจกรรม")
    if audience not in ("all", "districts"):
        problems.append("ผู้รับต้องเป็น all (ผู้ติดตามทุกคน) หรือ districts (ผู้แทนเขตละ 1 คน)")
    previous = reminder_send(session, row)
    if previous is not None and previous.status in ("sent", "sending"):
        problems.append("ส่งการแจ้งเตือนของกิจกรรมนี้ไปแล้ว")
    if problems:
        raise ClubError(problems)
    if previous is not None:
        cancel(session, previous.id)
    message = reminder_message(row)
    tip = create_tip(session, message.text, audience=audience, entry_id=ENGLISH_CLUB_ENTRY, now=now)
    send = schedule(session, [tip], at, audience=audience, messages=[message])
    row.reminder_broadcast_id, row.updated_at = send.id, now
    session.flush()
    return send


# ----------------------------------------------------------------------------------------------- registration
def is_register_text(text: str) -> bool:
    """A typed registration (LINE PC shows no buttons): "ลงทะเบียน English Club" and close variants."""
    return "".join(text.lower().split()) in REGISTER_WORDS


def next_session(session: Session, today: dt.date) -> ClubSession | None:
    """The next session not cancelled, from today on (the one a typed registration is for)."""
    return session.scalars(select(ClubSession).where(ClubSession.held_on >= today, ClubSession.status == "planned")
                           .order_by(ClubSession.held_on).limit(1)).first()


@dataclass(frozen=True)
class Registration:
    """What a tap on "ลงทะเบียน" did: registered, already, closed (past or cancelled) or unknown."""

    outcome: str
    message: Message
    session_id: int | None = None


def register(session: Session, user: LineUser | None, session_id: int | None, now: dt.datetime, *,
             via: str = "postback") -> Registration:
    """Register a user once for a session, with their district as the conversation knows it; a Thai reply."""
    row = session.get(ClubSession, session_id) if session_id else None
    if session_id is None and via == "text":
        row = next_session(session, today_bangkok(now))
        if row is None:
            return Registration("unknown", Message("ยังไม่มีกำหนดการ English Club Friday ครั้งต่อไปค่ะ "
                                                   "@IAO จะแจ้งให้ทราบเมื่อเปิดลงทะเบียน"))
    if row is None or user is None:
        return Registration("unknown", Message("ขออภัยค่ะ ไม่พบกิจกรรมนี้ พิมพ์ \"เมนู\" เพื่อดูหัวข้ออื่น"))
    if row.status == "cancelled":
        return Registration("closed", Message(f"ขออภัยค่ะ English Club Friday {date_th(row.held_on)} ยกเลิกแล้ว "
                                              "@IAO จะแจ้งครั้งต่อไปให้ทราบค่ะ"), row.id)
    if row.held_on < today_bangkok(now):
        return Registration("closed", Message(f"English Club Friday {date_th(row.held_on)} จัดไปแล้วค่ะ "
                                              "ติดตามครั้งต่อไปได้ทาง @IAO"), row.id)
    district = session.get(District, user.district_id) if user.district_id else None
    exists = session.scalar(select(ClubRegistration.id).where(ClubRegistration.session_id == row.id,
                                                              ClubRegistration.user_id == user.id))
    if exists is None:
        try:
            with session.begin_nested():
                session.add(ClubRegistration(session_id=row.id, user_id=user.id, district_id=user.district_id,
                                             via=via, registered_at=now))
        except IntegrityError:  # the same tap handled at once by another worker
            exists = -1
    if exists is not None:
        return Registration("already", Message(
            "ท่านลงทะเบียน English Club Friday ครั้งนี้ไว้แล้วค่ะ (ลงทะเบียนครั้งเดียวก็พอ)\n" + _details(row, district)),
            row.id)
    return Registration("registered", Message(
        "✅ ลงทะเบียนเข้าร่วม English Club Friday แล้วค่ะ\n" + _details(row, district)
        + "\n\nเข้าร่วมผ่านลิงก์ด้านบนในวันและเวลาดังกล่าวได้เลยค่ะ"), row.id)


def registrations(session: Session, session_id: int) -> list[tuple[ClubRegistration, District | None]]:
    """A session's registrations with the district each counts for (the registrant's, or their current one)."""
    rows = session.execute(select(ClubRegistration, LineUser.district_id)
                           .join(LineUser, LineUser.id == ClubRegistration.user_id)
                           .where(ClubRegistration.session_id == session_id)
                           .order_by(ClubRegistration.registered_at, ClubRegistration.id)).all()
    districts = {d.id: d for d in session.scalars(select(District))}
    return [(reg, districts.get(reg.district_id if reg.district_id is not None else current or 0))
            for reg, current in rows]


def registrations_of_user(session: Session, user_id: int) -> list[dict[str, object]]:
    """One person's English Club registrations, for `user export` (a PDPA access request)."""
    rows = session.execute(select(ClubRegistration, ClubSession).join(ClubSession,
                                                                     ClubSession.id == ClubRegistration.session_id)
                           .where(ClubRegistration.user_id == user_id).order_by(ClubSession.held_on)).all()
    return [{"session_date": club.held_on.isoformat(), "topic": club.topic, "via": reg.via,
             "registered_at": reg.registered_at.astimezone(BANGKOK).isoformat(timespec="seconds")}
            for reg, club in rows]


# ----------------------------------------------------------------------------------------------- attendance
def attendance(session: Session, session_id: int) -> dict[str, int]:
    """Attendees by district code, as recorded."""
    return dict(session.execute(select(District.code, ClubAttendance.attendees)
                                .join(District, District.id == ClubAttendance.district_id)
                                .where(ClubAttendance.session_id == session_id)).all())


def record_attendance(session: Session, row: ClubSession, by_code: dict[str, int], *, by: str | None,
                      via: str = "console", now: dt.datetime | None = None) -> int:
    """Replace the session's attendance with these counts per district code; returns the total attendees."""
    problems = []
    if row.status == "cancelled":
        problems.append("กิจกรรมนี้ยกเลิกแล้ว")
    if row.held_on > today_bangkok(now):
        problems.append("บันทึกผู้เข้าร่วมได้หลังวันจัดกิจกรรม")
    ids = dict(session.execute(select(District.code, District.id)).all())
    for code, n in by_code.items():
        if code not in ids:
            problems.append(f"ไม่รู้จักรหัสเขต {code}")
        if not 0 <= n <= 10_000:
            problems.append(f"จำนวนผู้เข้าร่วมของเขตรหัส {code} ต้องอยู่ระหว่าง 0 ถึง 10,000")
    if problems:
        raise ClubError(problems)
    session.execute(delete(ClubAttendance).where(ClubAttendance.session_id == row.id))
    moment = now or utcnow()
    for code, n in sorted(by_code.items()):
        if n > 0:
            session.add(ClubAttendance(session_id=row.id, district_id=ids[code], attendees=n, via=via,
                                       recorded_by=by, recorded_at=moment))
    session.flush()
    return sum(by_code.values())


def parse_attendance_list(data: bytes) -> dict[str, int]:
    """A CSV list (UTF-8, header `district` and optional `attendees`): one row per person or per district.

    Districts are matched as users type them ("เขตบางรัก", "Bang Rak", a small typo); a row without an
    `attendees` count is one person. Every bad row is named, and nothing is recorded then.
    """
    if len(data) > IMPORT_MAX_BYTES:
        raise ClubError([f"ไฟล์ใหญ่เกิน {IMPORT_MAX_BYTES // 1_000_000} MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClubError(["ไฟล์ต้องเป็น CSV แบบ UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    column = next((fields[k] for k in ("district", "เขต", "สำนักงานเขต") if k in fields), None)
    count_column = next((fields[k] for k in ("attendees", "จำนวน", "ผู้เข้าร่วม") if k in fields), None)
    if column is None:
        raise ClubError(["ไฟล์ต้องมีหัวคอลัมน์ district (หรือ เขต) และอาจมี attendees (จำนวน)"])
    counts: dict[str, int] = {}
    problems: list[str] = []
    for number, line in enumerate(reader, start=2):
        if number > IMPORT_MAX_ROWS + 1:
            problems.append(f"ไฟล์มีเกิน {IMPORT_MAX_ROWS} แถว")
            break
        name = (line.get(column) or "").strip().lstrip("'")
        raw = (line.get(count_column) or "").strip() if count_column else ""
        if not name and not raw:
            continue
        district = match_district(name, DISTRICTS)
        if district is None:
            problems.append(f"แถว {number}: ไม่รู้จักสำนักงานเขต \"{safe_text(name)[:60]}\"")
            continue
        if raw and not raw.isdigit():
            problems.append(f"แถว {number}: จำนวนผู้เข้าร่วมต้องเป็นจำนวนเต็ม")
            continue
        counts[district.code] = counts.get(district.code, 0) + (int(raw) if raw else 1)
    if problems:
        raise ClubError(problems)
    if not counts:
        raise ClubError(["ไม่พบรายชื่อในไฟล์"])
    return counts
