"""What to send when: cron-like rules (3rd Friday), tips as messages, scheduling, audiences and listing."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
from collections.abc import Sequence

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.chat import postbacks
from handlers.chat.replies import Message, QuickReply
from handlers.clock import BANGKOK, utcnow
from handlers.models import LineUser
from handlers.tips.models import (
    AUDIENCES,
    MAX_MESSAGES,
    MAX_MULTICAST,
    PUBLIC_STATUS,
    Broadcast,
    Tip,
)
from handlers.transactions import changed_rows

log = logging.getLogger(__name__)

ENGLISH_CLUB_RULE = "0 9 * * fri#3"
ENGLISH_CLUB_TEXT = ("📣 วันนี้ศุกร์ที่ 3 ของเดือน: English Club Friday สำหรับบุคลากรสำนักงานเขต "
                     "ฝึกภาษาอังกฤษที่ใช้ในงานกับเจ้าหน้าที่ สกต. ติดตามลิงก์เข้าร่วมทาง @IAO ค่ะ")
ENGLISH_CLUB_ENTRY = "englishclub-friday"
RULE_ALIASES = {"english-club": ENGLISH_CLUB_RULE, "tue-fri-9": "0 9 * * tue,fri"}
ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th", "L": "last"}
DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ----------------------------------------------------------------------------------------------- rules
def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday=0) of a month; n=-1 is the last (e.g. English Club: 3rd Friday)."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, d).weekday() == weekday]
    return dt.date(year, month, days[n - 1 if n > 0 else n])


def normalize_rule(rule: str) -> str:
    """Expand aliases and check the rule; raises ValueError naming what is wrong."""
    rule = RULE_ALIASES.get(rule.strip().lower(), rule.strip())
    rule_trigger(rule)
    return rule


def rule_trigger(rule: str) -> CronTrigger:
    """A cron rule "minute hour day month day-of-week" in Bangkok time; day-of-week "fri#3" = 3rd Friday."""
    fields = rule.split()
    if len(fields) != 5:
        raise ValueError(f"a rule has 5 fields (minute hour day month day-of-week), not {rule!r}")
    minute, hour, day, month, dow = fields
    if "#" in dow:
        name, _, nth = dow.partition("#")
        if nth not in ORDINALS or day != "*":
            raise ValueError(f"use day-of-week like fri#3 (1-5 or L) with day '*', not {rule!r}")
        day, dow = f"{ORDINALS[nth]} {_dow_name(name)}", "*"
    else:
        dow = ",".join("-".join(_dow_name(p) for p in part.split("-")) for part in dow.split(","))
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=BANGKOK)
    except ValueError as error:
        raise ValueError(f"bad rule {rule!r}: {error}") from None


def _dow_name(part: str) -> str:
    """Cron day-of-week (0 or 7 = Sunday, or a name) as APScheduler's name (which counts from Monday)."""
    part = part.strip().lower()
    if part.isdigit():
        if int(part) > 7:
            raise ValueError(f"day of week {part} is out of range")
        return DOW_NAMES[int(part)]
    return part


def occurrences(rule: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every time the rule fires in [start, end), as aware UTC datetimes."""
    trigger = rule_trigger(rule)
    found: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start.astimezone(BANGKOK))
    while fire is not None and fire < end and len(found) < 1000:
        found.append(fire.astimezone(dt.UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    return found


# ----------------------------------------------------------------------------------------------- messages
def tip_message(tip: Tip) -> Message:
    """A tip as a LINE text message; a linked knowledge entry becomes a free 'read more' quick reply."""
    text = tip.text.strip()
    if tip.link_url:
        text += f"\n\n🔗 {tip.link_url}"
    if tip.image_url:
        text += f"\n🖼 {tip.image_url}"
    buttons: tuple[QuickReply, ...] = ()
    if tip.entry_id:
        buttons = (QuickReply(label="อ่านเพิ่มเติม", data=postbacks.entry(tip.entry_id),
                              display_text="อ่านเพิ่มเติม"),)
    return Message(text, buttons)


def _dump(messages: Sequence[Message]) -> str:
    """Messages as stored JSON (frozen at scheduling so every retry sends the same body)."""
    return json.dumps([{"text": m.text, "quick_replies": [
        {"label": q.label, "text": q.text, "data": q.data, "display_text": q.display_text}
        for q in m.quick_replies]} for m in messages], ensure_ascii=False)


def load_messages(payload: str) -> list[Message]:
    """The stored JSON messages back as handlers.chat.replies.Message values."""
    return [Message(m["text"], tuple(QuickReply(**q) for q in m.get("quick_replies", [])))
            for m in json.loads(payload)]


# ----------------------------------------------------------------------------------------------- scheduling
def create_tip(session: Session, text: str, *, link_url: str | None = None, image_url: str | None = None,
               entry_id: str | None = None, rule: str | None = None, audience: str = "all",
               now: dt.datetime | None = None) -> Tip:
    """Save a tip; with a rule it recurs (its sends are made by materialize())."""
    if not text.strip():
        raise ValueError("a tip needs text")
    if audience not in AUDIENCES[:2]:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES[:2])}")
    tip = Tip(text=text.strip(), link_url=link_url, image_url=image_url, entry_id=entry_id,
              rule=normalize_rule(rule) if rule else None, audience=audience, created_at=now or utcnow())
    session.add(tip)
    session.flush()
    return tip


def schedule(session: Session, tips: Sequence[Tip], at: dt.datetime, *, audience: str = "all",
             targets: Sequence[str] | None = None, occurrence_key: str | None = None,
             messages: Sequence[Message] | None = None) -> Broadcast:
    """Schedule one send of one to five tips (a bundle costs once per recipient).

    `messages` replaces the tips' own messages when a send needs buttons a tip has not (English Club's
    register postback); it is frozen like any payload.
    """
    if at.tzinfo is None:
        raise ValueError("the send time needs a time zone, e.g. 2026-12-04T09:00+07:00")
    if not 1 <= len(tips) <= MAX_MESSAGES:
        raise ValueError(f"a send holds 1 to {MAX_MESSAGES} tips, not {len(tips)}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
    if audience == "users" and not targets:
        raise ValueError("audience 'users' needs LINE user ids")
    row = Broadcast(tip_id=tips[0].id, tip_ids=json.dumps([t.id for t in tips]), text=tips[0].text,
                    payload=_dump(messages or [tip_message(t) for t in tips]), scheduled_at=at, status="scheduled",
                    audience=audience, occurrence_key=occurrence_key,
                    targets=json.dumps(list(targets)[:MAX_MULTICAST]) if targets else None)
    session.add(row)
    session.flush()
    return row


def materialize(session: Session, now: dt.datetime, *, until: dt.datetime | None = None,
                grace: dt.timedelta = dt.timedelta(hours=12)) -> int:
    """Turn recurring tips' occurrences (from now-grace to `until`, default a day ahead) into send rows."""
    until = until or now + dt.timedelta(days=1)
    added = 0
    for tip in session.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))):
        start = max(tip.created_at, now - grace)
        for moment in occurrences(tip.rule or "", start, until):
            key = f"tip{tip.id}@{moment.strftime('%Y%m%dT%H%MZ')}"
            if session.scalar(select(Broadcast.id).where(Broadcast.occurrence_key == key)) is not None:
                continue
            try:
                with session.begin_nested():
                    schedule(session, [tip], moment, audience=tip.audience, occurrence_key=key)
                added += 1
            except IntegrityError:  # another process made the same occurrence first
                continue
    return added


def cancel(session: Session, broadcast_id: int) -> bool:
    """Cancel a send that has not gone out; False when it is sent, in flight or unknown."""
    result = session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id,
                                Broadcast.status.in_(("scheduled", "held_for_quota")))
        .values(status="cancelled", claim_token=None).execution_options(synchronize_session=False))
    return bool(changed_rows(result))


def stop_tip(session: Session, tip_id: int) -> int:
    """Stop a recurring tip and cancel its unsent occurrences; returns how many sends were cancelled."""
    tip = session.get(Tip, tip_id)
    if tip is None:
        return 0
    tip.active = False
    ids = session.scalars(select(Broadcast.id).where(Broadcast.tip_id == tip_id,
                                                     Broadcast.status.in_(("scheduled", "held_for_quota"))))
    return sum(cancel(session, i) for i in list(ids))


# ----------------------------------------------------------------------------------------------- audience
def representatives(session: Session) -> list[LineUser]:
    """One follower per district: the one who registered the district first (ties by id)."""
    users = session.scalars(select(LineUser).where(LineUser.is_follower.is_(True), LineUser.district_id.is_not(None))
                            .order_by(LineUser.district_id, LineUser.district_registered_at, LineUser.id))
    chosen: dict[int, LineUser] = {}
    for user in users:
        if user.district_id is not None and user.district_id not in chosen:
            if user.district_registered_at is None and any(
                    u.district_id == user.district_id for u in chosen.values()):
                continue
            chosen[user.district_id] = user
    return list(chosen.values())


def local_followers(session: Session) -> int:
    """Friends the bot knows of from follow events (the fallback when LINE's insight is not ready)."""
    return int(session.scalar(select(func.count()).select_from(LineUser).where(LineUser.is_follower.is_(True))) or 0)


def reach_of(session: Session, reach_from_line: int | None) -> int:
    """What a broadcast costs: LINE's targetedReaches or the local count of followers, whichever is larger.

    LINE's insight is a day behind, so friends who followed since are counted from the local log: the quota
    check must never underestimate a send. LINE is asked by the caller, outside any transaction.
    """
    return max(reach_from_line or 0, local_followers(session))


# ----------------------------------------------------------------------------------------------- listing
def bangkok_iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in Bangkok time (+07:00), or None."""
    return moment.astimezone(BANGKOK).isoformat(timespec="seconds") if moment else None


def broadcast_json(row: Broadcast) -> dict[str, object]:
    """One send as `broadcast list --json` shows it."""
    return {
        "id": row.id, "text": row.text, "scheduled_at": bangkok_iso(row.scheduled_at),
        "status": PUBLIC_STATUS.get(row.status, row.status), "sent_at": bangkok_iso(row.sent_at),
        "recipients": row.recipients, "messages_consumed": row.messages_consumed,
        "method": row.method, "audience": row.audience, "tip_id": row.tip_id, "tip_ids": json.loads(row.tip_ids),
        "messages": len(json.loads(row.payload)), "estimated_cost": row.estimated_cost, "attempts": row.attempts,
        "reason": row.reason, "in_flight": row.status == "sending",
    }


def list_broadcasts(session: Session, *, since: dt.datetime | None = None) -> list[Broadcast]:
    """Sends in time order (optionally from `since`)."""
    query = select(Broadcast).order_by(Broadcast.scheduled_at, Broadcast.id)
    if since is not None:
        query = query.where(Broadcast.scheduled_at >= since)
    return list(session.scalars(query))
