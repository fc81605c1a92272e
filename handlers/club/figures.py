"""English Club Friday counted for the KPI reports: a month's sessions, registrations and attendance by district.

Seed 001 (FY2564, component 4) counts the club by its sessions («วันศุกร์ที่ 3 ของทุกเดือน ตั้งแต่เดือนพฤษภาคม –
สิงหาคม 2564 รวมทั้งสิ้น 4 ครั้ง»); the monthly summary adds who registered and who attended, by district.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.club.models import ClubAttendance, ClubRegistration, ClubSession
from handlers.models import District, LineUser
from handlers.tips.models import Broadcast

BUNDLED = "bundled into send #"  # handlers.tips.planning.apply_remedy's reason on a send merged into another


def effective_send(session: Session, broadcast_id: int | None) -> int | None:
    """The send that carries a reminder: itself, or the send a `broadcast plan --apply bundle` merged it into."""
    for _ in range(5):
        if broadcast_id is None:
            return None
        row = session.execute(select(Broadcast.status, Broadcast.reason).where(Broadcast.id == broadcast_id)).first()
        if row is None or row.status != "cancelled" or not (row.reason or "").startswith(BUNDLED):
            return broadcast_id
        head = (row.reason or "")[len(BUNDLED):]
        broadcast_id = int(head) if head.isdigit() else None
    return broadcast_id


def session_state(row: ClubSession, today: dt.date) -> str:
    """held (its day has come), planned (still ahead) or cancelled."""
    if row.status == "cancelled":
        return "cancelled"
    return "held" if row.held_on <= today else "planned"


def club_month(session: Session, first: dt.date, last: dt.date, today: dt.date) -> dict[str, Any]:
    """The sessions dated in [first, last] with their registrations and attendance; plain JSON-able data."""
    rows = list(session.scalars(select(ClubSession).where(ClubSession.held_on.between(first, last))
                                .order_by(ClubSession.held_on)))
    codes = dict(session.execute(select(District.id, District.code)).all())
    names = dict(session.execute(select(District.code, District.name_th)).all())
    ids = [r.id for r in rows]
    registered: dict[int, Counter[str | None]] = {i: Counter() for i in ids}
    attended: dict[int, Counter[str]] = {i: Counter() for i in ids}
    if ids:
        for session_id, own, current in session.execute(
                select(ClubRegistration.session_id, ClubRegistration.district_id, LineUser.district_id)
                .join(LineUser, LineUser.id == ClubRegistration.user_id)
                .where(ClubRegistration.session_id.in_(ids))):
            district = own if own is not None else current  # registered before choosing a district
            registered[session_id][codes.get(district) if district is not None else None] += 1
        for session_id, district, attendees in session.execute(
                select(ClubAttendance.session_id, ClubAttendance.district_id, ClubAttendance.attendees)
                .where(ClubAttendance.session_id.in_(ids))):
            if attendees > 0:
                attended[session_id][codes[district]] += attendees
    carried = {r.id: effective_send(session, r.reminder_broadcast_id) for r in rows}
    wanted = [i for i in carried.values() if i is not None]
    columns = (Broadcast.id, Broadcast.status, Broadcast.recipients, Broadcast.reason)
    reminders = ({b.id: b for b in session.execute(select(*columns).where(Broadcast.id.in_(wanted)))}
                 if wanted else {})
    recorded = set(session.scalars(select(ClubAttendance.session_id).where(ClubAttendance.session_id.in_(ids))
                                   .group_by(ClubAttendance.session_id))) if ids else set()

    sessions: list[dict[str, Any]] = []
    by_reg: Counter[str] = Counter()
    by_att: Counter[str] = Counter()
    for row in rows:
        state = session_state(row, today)
        reminder = reminders.get(carried[row.id] or 0)
        regs, atts = registered[row.id], attended[row.id]
        sessions.append({
            "id": row.id, "date": row.held_on.isoformat(), "starts_at": row.starts_at, "topic": row.topic,
            "status": state, "registrations": sum(regs.values()), "attendance": sum(atts.values()),
            "attendance_recorded": row.id in recorded, "districts_registered": len([c for c in regs if c]),
            "districts_attended": len(atts), "note": row.note or "",
            "reminder": reminder.status if reminder is not None else None,
            "reminder_recipients": reminder.recipients if reminder is not None else None,
        })
        if state != "cancelled":
            by_reg.update({(c or "-"): n for c, n in regs.items()})
            by_att.update(atts)
    live = [s for s in sessions if s["status"] != "cancelled"]
    return {
        "sessions": sessions,
        "sessions_held": sum(1 for s in sessions if s["status"] == "held"),
        "sessions_planned": sum(1 for s in sessions if s["status"] == "planned"),
        "sessions_cancelled": sum(1 for s in sessions if s["status"] == "cancelled"),
        "registrations": sum(s["registrations"] for s in live),
        "attendance": sum(s["attendance"] for s in live),
        "districts_registered": len([c for c in by_reg if c != "-"]),
        "districts_reached": len(by_att),
        "registrations_by_district": dict(sorted(by_reg.items())),
        "attendance_by_district": dict(sorted(by_att.items())),
        "district_names": {c: names.get(c, c) for c in sorted(set(by_reg) | set(by_att)) if c != "-"},
        "reminders_sent": sum(1 for s in sessions if s["reminder"] == "sent"),
        "reminder_messages": sum(int(s["reminder_recipients"] or 0) for s in sessions if s["reminder"] == "sent"),
    }


def club_year(months: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A fiscal year's club figures from its months' (a district attending in two months is reached once)."""
    sessions: list[dict[str, Any]] = []
    by_reg: Counter[str] = Counter()
    by_att: Counter[str] = Counter()
    names: dict[str, str] = {}
    counted = 0
    for month in months:
        if not month:
            continue
        counted += 1
        sessions.extend(month.get("sessions", []))
        by_reg.update(month.get("registrations_by_district", {}))
        by_att.update(month.get("attendance_by_district", {}))
        names.update(month.get("district_names", {}))
    live = [s for s in sessions if s["status"] != "cancelled"]
    return {
        "months_counted": counted,
        "sessions": sessions,
        "sessions_held": sum(1 for s in sessions if s["status"] == "held"),
        "sessions_planned": sum(1 for s in sessions if s["status"] == "planned"),
        "registrations": sum(s["registrations"] for s in live),
        "attendance": sum(s["attendance"] for s in live),
        "districts_registered": len([c for c in by_reg if c != "-"]),
        "districts_reached": len(by_att),
        "attendance_by_district": dict(sorted(by_att.items())),
        "registrations_by_district": dict(sorted(by_reg.items())),
        "district_names": names,
    }


def registered_count(session: Session, session_id: int) -> int:
    """How many registered for one session (the console's list)."""
    return int(session.scalar(select(func.count()).select_from(ClubRegistration)
                              .where(ClubRegistration.session_id == session_id)) or 0)
