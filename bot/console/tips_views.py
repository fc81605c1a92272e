"""Console pages for scheduled tips (เกร็ดความรู้): list, schedule form, month calendar, quota gauge and plan.

The views call handlers.tips (schedule, planning) the way `flask broadcast ...` does (bot/cli/tips.py); every POST is
CSRF-checked by the blueprint's guard and writes an audit row in the same transaction as the change.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot.console.forms import MonthForm, TipPlanForm, TipScheduleForm, first_error
from handlers import officers
from handlers.clock import BANGKOK, utcnow
from handlers.kpi.periods import MonthError, normalise_month
from handlers.ports import Quota
from handlers.reports.thai import month_year_th
from handlers.tips.models import Broadcast, Notice, Tip
from handlers.tips.planning import (
    MONTHLY_TARGET,
    MonthPlan,
    TipsError,
    TipsPlan,
    ask_line,
    month_bounds,
    plan_tips,
)
from handlers.tips.schedule import (
    ENGLISH_CLUB_ENTRY,
    ENGLISH_CLUB_RULE,
    ENGLISH_CLUB_TEXT,
    cancel,
    create_tip,
    list_broadcasts,
    normalize_rule,
    occurrences,
    schedule,
    stop_tip,
)

if TYPE_CHECKING:
    from bot.console.context import ConsoleContext

STATUS_TH = {
    "scheduled": "รอส่ง", "sending": "กำลังส่ง", "sent": "ส่งแล้ว", "held_for_quota": "พักไว้ (โควตาไม่พอ)",
    "failed": "ส่งไม่สำเร็จ", "cancelled": "ยกเลิกแล้ว", "rule": "ตามรอบ (ยังไม่สร้าง)",
}
STATUS_CLASS = {"scheduled": "s-pending", "sending": "s-pending", "sent": "s-sent", "held_for_quota": "s-held",
                "failed": "s-failed", "cancelled": "s-cancelled", "rule": "s-rule"}
AUDIENCE_TH = {"all": "ทุกคน (broadcast)", "districts": "ตัวแทนเขตละ 1 คน", "users": "ผู้ใช้ที่ระบุ"}
REMEDY_TH = {
    "bundle": "รวมหลายเกร็ดไว้ในการส่งครั้งเดียว (ไม่เกิน 5 ข้อความ นับครั้งเดียวต่อผู้รับ)",
    "districts": "ส่งถึงตัวแทนสำนักงานเขตละ 1 คน (multicast)",
    "districts+bundle": "รวมหลายเกร็ด และส่งถึงตัวแทนเขตละ 1 คน",
    "on_demand": "ให้ผู้ใช้เรียกดูเองฟรีจากเมนู “เกร็ดความรู้” (ตอบด้วย reply ไม่ใช้โควตา)",
}
WEEKDAYS = (("mon", "จ."), ("tue", "อ."), ("wed", "พ."), ("thu", "พฤ."), ("fri", "ศ."), ("sat", "ส."), ("sun", "อา."))
WEEKDAY_FULL = {"mon": "จันทร์", "tue": "อังคาร", "wed": "พุธ", "thu": "พฤหัสบดี", "fri": "ศุกร์", "sat": "เสาร์",
                "sun": "อาทิตย์"}
CAL_HEAD = ("อา.", "จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.")
PAST_SLACK = dt.timedelta(minutes=5)


class FormError(ValueError):
    """What is wrong with the schedule form, in Thai for the officer."""


@dataclass
class Gauge:
    """This month's quota as the page shows it: known (used/limit) or "ไม่ทราบ"."""

    known: bool
    used: int | None = None
    limit: int | None = None
    left_text: str = "ไม่ทราบ"

    @property
    def percent(self) -> int:
        """Used as a whole percentage of the limit (0 when unknown or unlimited)."""
        if not self.limit or self.used is None:
            return 0
        return min(100, round(100 * self.used / self.limit))


@dataclass
class Day:
    """One cell of the month calendar."""

    date: dt.date | None
    items: list[dict[str, object]] = field(default_factory=list)


def _db() -> Session:
    """This request's session (opened by the console guard)."""
    return g.console_db


def _officer() -> officers.Officer:
    """The signed-in officer."""
    return g.officer


def _month_arg(value: str | None) -> str:
    """The ?month=YYYY-MM asked for, else this Bangkok month; 400 when malformed."""
    if not value:
        return dt.datetime.now(BANGKOK).strftime("%Y-%m")
    try:
        return normalise_month(value)
    except MonthError as error:
        abort(400, description=str(error))


def _shift(month: str, delta: int) -> str:
    """The month `delta` months away."""
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_title(month: str) -> str:
    """"พฤศจิกายน 2569" for 2026-11."""
    return month_year_th(int(month[:4]), int(month[5:]))


def read_quota(quota_left: Callable[[], object] | None) -> tuple[Gauge, Quota | None]:
    """The gauge and the Quota for planning; anything unknown or failing is "ไม่ทราบ", never an error page."""
    if quota_left is None:
        return Gauge(False), None
    try:
        value = quota_left()
    except Exception:  # advice only: the page must open when LINE does not answer
        return Gauge(False), None
    if hasattr(value, "limit") and hasattr(value, "used"):
        limit = value.limit
        used = int(value.used or 0)
        if limit is None:
            return Gauge(True, used, None, "ไม่จำกัด"), Quota(None, used)
        left = max(0, int(limit) - used)
        return Gauge(True, used, int(limit), f"{left:,}"), Quota(int(limit), used)
    if isinstance(value, int) and not isinstance(value, bool):
        return Gauge(False, left_text=f"{value:,}"), None
    return Gauge(False), None


def parse_local(value: str) -> dt.datetime:
    """A datetime-local field ("2026-12-04T09:00") in Bangkok time; an explicit offset is kept."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormError("วันเวลาที่จะส่งไม่ถูกต้อง (เช่น 2026-12-04 09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


def weekly_rule(days: list[str], at: str) -> str:
    """Checked weekdays and "HH:MM" as a rule like "0 9 * * tue,fri"."""
    chosen = [d for d, _ in WEEKDAYS if d in days]
    if not chosen:
        raise FormError("เลือกวันในสัปดาห์อย่างน้อย 1 วัน")
    try:
        clock = dt.time.fromisoformat(at.strip())
    except ValueError:
        raise FormError("เวลาไม่ถูกต้อง (เช่น 09:00)") from None
    return f"{clock.minute} {clock.hour} * * {','.join(chosen)}"


def describe_rule(rule: str | None) -> str:
    """A rule in Thai where it is a simple weekly or nth-weekday one ("ทุก อ. ศ. เวลา 09:00"), else as written."""
    fields = (rule or "").split()
    if len(fields) != 5 or not fields[0].isdigit() or not fields[1].isdigit() or fields[2:4] != ["*", "*"]:
        return rule or ""
    names = dict(WEEKDAYS)
    clock = f"{int(fields[1]):02d}:{int(fields[0]):02d}"
    day, _, nth = fields[4].partition("#")
    if nth and day in names:
        which = "สุดท้าย" if nth == "L" else f"ที่ {nth}"
        return f"วัน{WEEKDAY_FULL[day]}{which} ของทุกเดือน เวลา {clock}"
    days = fields[4].split(",")
    if all(d in names for d in days):
        return f"ทุก {' '.join(names[d] for d in days)} เวลา {clock}"
    return rule or ""


def _clean_link(value: str) -> str | None:
    """An optional http(s) link."""
    link = value.strip()
    if not link:
        return None
    if not link.startswith(("https://", "http://")) or len(link) > 1000 or any(c.isspace() for c in link):
        raise FormError("ลิงก์ต้องขึ้นต้นด้วย https:// และไม่มีช่องว่าง")
    return link


def _calendar(month: str, rows: list[Broadcast], plan: MonthPlan) -> list[list[Day]]:
    """Weeks (Sunday first) of the month with each day's sends and not-yet-made recurring occurrences."""
    year, mon = int(month[:4]), int(month[5:])
    by_day: dict[dt.date, list[dict[str, object]]] = {}
    for row in rows:
        at = row.scheduled_at.astimezone(BANGKOK)
        by_day.setdefault(at.date(), []).append({"id": row.id, "time": f"{at:%H:%M}", "text": row.text,
                                                 "status": row.status})
    for send in plan.sends:
        if send["id"] is None:
            at = dt.datetime.fromisoformat(str(send["at"])).astimezone(BANGKOK)
            by_day.setdefault(at.date(), []).append({"id": None, "time": f"{at:%H:%M}", "text": send["text"],
                                                     "status": "rule"})
    weeks: list[list[Day]] = []
    for week in calendar.Calendar(firstweekday=6).monthdatescalendar(year, mon):
        weeks.append([Day(d, sorted(by_day.get(d, []), key=lambda i: str(i["time"])))
                      if d.month == mon else Day(None) for d in week])
    return weeks


def register_tips(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/tips: schedule, cancel, calendar, quota gauge, plan and notices."""
    def quota() -> tuple[Gauge, Quota | None]:
        """LINE's quota (the console's one cached lookup, shared with the inbox)."""
        return read_quota(ctx.quota.reader())

    def reserve() -> int:
        """BROADCAST_QUOTA_RESERVE as Settings read it (the CLI's --reserve aside, the same number)."""
        return int(current_app.extensions["iao"].settings.broadcast_quota_reserve)

    def make_plan(db: Session, month: str, remedy: str | None = None) -> tuple[TipsPlan, Gauge]:
        """The month's plan from the one planning service (LINE's quota cached a minute for the gauge)."""
        gauge, known = quota()
        db.rollback()  # LINE is asked outside any transaction
        line = ask_line(ctx.messenger, quota=known)
        try:
            return plan_tips(db, line, month, reserve=reserve(), target=MONTHLY_TARGET, remedy=remedy), gauge
        except TipsError as error:
            abort(400, description=str(error))

    @bp.get("/tips")
    def tips_view() -> str:
        db = _db()
        month = _month_arg(request.args.get("month"))
        start, end = month_bounds(month)
        rows = [r for r in list_broadcasts(db, since=start) if r.scheduled_at < end]
        result, gauge = make_plan(db, month)
        plan, assumed, reach = result.plan, result.quota_assumed, result.reach
        recurring = list(db.scalars(select(Tip).where(Tip.active.is_(True), Tip.rule.is_not(None))
                                    .order_by(Tip.id)))
        now = utcnow()
        upcoming = {t.id: [m.astimezone(BANGKOK) for m in occurrences(t.rule or "", now,
                                                                      now + dt.timedelta(days=62))[:3]]
                    for t in recurring}
        notices = list(db.scalars(select(Notice).where(Notice.acknowledged_at.is_(None))
                                  .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(20)))
        kb = ctx.library.current()[0]
        default_at = (dt.datetime.now(BANGKOK) + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                                microsecond=0)
        return render_template(
            "console/tips.html", month=month, month_th=month_title(month), prev_month=_shift(month, -1),
            next_month=_shift(month, 1), rows=rows, weeks=_calendar(month, rows, plan), cal_head=CAL_HEAD,
            plan=plan, gauge=gauge, assumed=assumed, reach=reach, recurring=recurring, upcoming=upcoming,
            notices=notices, status_th=STATUS_TH, status_class=STATUS_CLASS, audience_th=AUDIENCE_TH,
            remedy_th=REMEDY_TH, describe_rule=describe_rule, weekdays=WEEKDAYS,
            entries=[(e.id, e.title_th) for e in kb.entries],
            default_at=f"{default_at:%Y-%m-%dT%H:%M}", english_club_text=ENGLISH_CLUB_TEXT,
            target_met=plan.tips_sent + plan.planned_tips >= plan.target)

    @bp.post("/tips")
    def tips_schedule() -> BaseResponse:
        db = _db()
        form = TipScheduleForm()
        try:
            if not form.validate_on_submit():
                raise FormError(first_error(form))
            mode, text, audience = form.mode.data, form.text.data or "", form.audience.data
            link = _clean_link(form.link.data or "")
            entry = form.entry.data or None
            kb = ctx.library.current()[0]
            if mode == "english-club":
                rule: str | None = ENGLISH_CLUB_RULE
                text = text or ENGLISH_CLUB_TEXT
                entry = entry or (ENGLISH_CLUB_ENTRY if kb.get(ENGLISH_CLUB_ENTRY) else None)
            elif mode == "weekly":
                rule = normalize_rule(weekly_rule(form.days.data or [], form.time.data or ""))
            else:  # "once": TipScheduleForm admits only the three modes
                rule = None
            if not text:
                raise FormError("กรุณาพิมพ์ข้อความเกร็ดความรู้")
            if entry is not None and kb.get(entry) is None:
                raise FormError(f"ไม่พบเรื่องรหัส {entry} ในคลังความรู้")
            if rule is None:
                when = parse_local(form.at.data or "")
                if when < utcnow() - PAST_SLACK:
                    raise FormError("เวลาที่จะส่งผ่านไปแล้ว")
                tip = create_tip(db, text, link_url=link, entry_id=entry)
                row = schedule(db, [tip], when, audience=audience)
                officers.audit(db, _officer(), "tip-schedule", target=f"broadcast:{row.id}",
                               detail=f"at {when.astimezone(BANGKOK):%Y-%m-%d %H:%M}; {audience}; {text[:200]}",
                               remote_addr=request.remote_addr)
                target_month = when.astimezone(BANGKOK).strftime("%Y-%m")
                message = f"ตั้งเวลาส่งเกร็ดความรู้ #{row.id} วันที่ {when.astimezone(BANGKOK):%d/%m/%Y %H:%M} แล้ว"
            else:
                tip = create_tip(db, text, link_url=link, entry_id=entry, rule=rule, audience=audience)
                officers.audit(db, _officer(), "tip-recurring", target=f"tip:{tip.id}",
                               detail=f"rule {rule}; {audience}; {text[:200]}", remote_addr=request.remote_addr)
                target_month = dt.datetime.now(BANGKOK).strftime("%Y-%m")
                message = f"ตั้งส่งเกร็ดความรู้ #{tip.id} ตามรอบแล้ว"
        except ValueError as error:  # FormError, or the handlers' own checks (in English)
            db.rollback()
            flash(f"ตั้งเวลาไม่สำเร็จ: {error}", "error")
            return redirect(url_for("console.tips_view", month=request.args.get("month") or None))
        db.commit()
        flash(message, "ok")
        return redirect(url_for("console.tips_view", month=target_month))

    @bp.post("/tips/<int:broadcast_id>/cancel")
    def tips_cancel(broadcast_id: int) -> BaseResponse:
        db = _db()
        row = db.get(Broadcast, broadcast_id)
        if row is None:
            abort(404)
        month = row.scheduled_at.astimezone(BANGKOK).strftime("%Y-%m")
        if cancel(db, broadcast_id):
            officers.audit(db, _officer(), "tip-cancel", target=f"broadcast:{broadcast_id}",
                           detail=row.text[:200], remote_addr=request.remote_addr)
            db.commit()
            flash(f"ยกเลิกการส่ง #{broadcast_id} แล้ว", "ok")
        else:
            db.rollback()
            flash(f"ยกเลิก #{broadcast_id} ไม่ได้ (ส่งแล้ว กำลังส่ง หรือยกเลิกไปแล้ว)", "error")
        return redirect(url_for("console.tips_view", month=month))

    @bp.post("/tips/rule/<int:tip_id>/stop")
    def tips_stop(tip_id: int) -> BaseResponse:
        db = _db()
        if db.get(Tip, tip_id) is None:
            abort(404)
        count = stop_tip(db, tip_id)
        officers.audit(db, _officer(), "tip-stop", target=f"tip:{tip_id}", detail=f"{count} send(s) cancelled",
                       remote_addr=request.remote_addr)
        db.commit()
        flash(f"หยุดส่งเกร็ด #{tip_id} ตามรอบแล้ว (ยกเลิก {count} รายการที่ยังไม่ส่ง)", "ok")
        return redirect(url_for("console.tips_view"))

    @bp.post("/tips/plan")
    def tips_apply() -> BaseResponse:
        db = _db()
        form = TipPlanForm()
        if not form.validate_on_submit():
            abort(400, description=first_error(form))
        month = _month_arg(form.month.data)
        remedy = form.remedy.data
        result, _gauge = make_plan(db, month, remedy)
        kept = result.kept
        officers.audit(db, _officer(), "tip-plan", target=f"month:{month}",
                       detail=f"remedy {remedy}; {len(kept)} send(s) remain", remote_addr=request.remote_addr)
        db.commit()
        flash(f"ปรับแผนแล้ว: {REMEDY_TH[remedy]} (เหลือ {len(kept)} รายการส่ง)", "ok")
        return redirect(url_for("console.tips_view", month=month))

    @bp.post("/tips/notices/<int:notice_id>/ack")
    def tips_ack(notice_id: int) -> BaseResponse:
        db = _db()
        notice = db.get(Notice, notice_id)
        if notice is None:
            abort(404)
        if notice.acknowledged_at is None:
            notice.acknowledged_at = utcnow()
            officers.audit(db, _officer(), "notice-ack", target=f"notice:{notice_id}", detail=notice.text[:200],
                           remote_addr=request.remote_addr)
            db.commit()
        form = MonthForm()
        month = form.month.data if form.validate_on_submit() else None  # only where to go back to
        return redirect(url_for("console.tips_view", month=month or None))
