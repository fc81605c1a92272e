"""Console pages of the inbox: handed-over questions, claims, answers (push or held) and closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot.console.context import ConsoleContext, db, officer, remote
from bot.console.forms import AnswerForm, ClaimForm, DutyForm, ResolveForm, first_error
from handlers import officers
from handlers.chat.office_hours import is_open
from handlers.inbox import attachments, transcripts
from handlers.inbox import service as inbox
from handlers.notify import service as notify


def _about(item: inbox.InboxItem) -> str:
    """What a question is about, for canned replies: a photo's is what the user typed before sending it."""
    if item.attachment is not None and item.context:
        return " ".join(item.context)
    return item.text


def register_inbox(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/inbox and /console/answers."""
    def quota() -> str:
        """This month's remaining push quota (the console's one cached lookup, shared with the tips page)."""
        return inbox.quota_text(ctx.quota.reader())

    def notice_context(session: Session, question_ids: list[int]) -> dict[str, Any]:
        """Who was told about these questions, and whether notices are on at all (the page says so)."""
        return {"told": notify.told_about(session, question_ids), "notices_on": ctx.notices is not None,
                "on_duty": notify.on_duty_count(session), "office_open": is_open(dt.datetime.now(dt.UTC))}

    def back_to(question_id: int) -> BaseResponse:
        return redirect(url_for("console.question_view", question_id=question_id))

    @bp.get("/inbox")
    def inbox_view() -> str:
        session = db()
        items = inbox.open_items(session)
        return render_template("console/inbox.html", items=items, recent=inbox.recent_answers(session),
                               quota=quota(), inbox_page=True,
                               **notice_context(session, [i.question.id for i in items]))

    @bp.post("/me/duty")
    def my_duty() -> BaseResponse:
        """An officer goes on or off duty themself (the address stays an admin's to set)."""
        form = DutyForm()
        session = db()
        try:
            officers.set_notice_contact(session, officer(), officer().id, on_duty=bool(form.on_duty.data),
                                        via="console self")
        except officers.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("ท่านอยู่เวรแล้ว จะได้รับอีเมลเมื่อมีคำถามส่งต่อ" if officer().on_duty
                  else "ออกจากเวรแล้ว จะไม่ได้รับอีเมลแจ้งเตือน", "ok")
        return redirect(url_for("console.inbox_view"))

    @bp.get("/inbox/<int:question_id>")
    def question_view(question_id: int) -> str:
        session = db()
        item = inbox.get_item(session, question_id)
        if item is None:
            abort(404)
        lines = transcripts.transcript(session, item.question.user_id, limit=12) if item.question.user_id else []
        return render_template("console/question.html", item=item, lines=lines,
                               files=attachments.for_lines(session, {line.id for line in lines}),
                               answers=inbox.answers_to(session, question_id),
                               resolution=inbox.resolution_of(session, question_id), quota=quota(),
                               canned=inbox.canned_replies(ctx.library, _about(item)), me=officer(),
                               **notice_context(session, [question_id]))

    @bp.post("/inbox/<int:question_id>/claim")
    def claim(question_id: int) -> BaseResponse:
        form = ClaimForm()
        session = db()
        try:
            inbox.claim_question(session, question_id, officer(), take_over=form.take_over.data,
                                 remote_addr=remote())
        except inbox.InboxError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("รับเรื่องนี้แล้ว เจ้าหน้าที่ท่านอื่นจะเห็นว่าท่านกำลังตอบ", "ok")
        return back_to(question_id)

    @bp.post("/inbox/<int:question_id>/release")
    def release(question_id: int) -> BaseResponse:
        session = db()
        try:
            inbox.release_claim(session, question_id, officer(), remote_addr=remote())
        except inbox.InboxError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            flash("ปล่อยเรื่องกลับเข้ากล่องคำถามแล้ว", "ok")
        return back_to(question_id)

    @bp.post("/inbox/<int:question_id>/answer")
    def answer(question_id: int) -> BaseResponse:
        form = AnswerForm()
        if not form.validate():
            flash(first_error(form), "error")
            return back_to(question_id)
        try:
            sent = inbox.answer_question(ctx.sessions, ctx.messenger, question_id=question_id,
                                         officer_id=officer().id, text=form.text.data or "",
                                         mode=form.mode.data or "push", remote_addr=remote(),
                                         again=form.again.data, take_over=form.take_over.data)
        except inbox.InboxError as error:
            flash(str(error), "error")
            return back_to(question_id)
        ctx.quota.forget()
        if sent.status == "sent":
            flash("ส่งคำตอบถึงผู้ใช้แล้ว (push)", "ok")
        elif sent.status == "held":
            flash("บันทึกคำตอบแล้ว จะส่งให้ผู้ใช้ฟรีเมื่อผู้ใช้ส่งข้อความครั้งถัดไป", "ok")
        elif sent.status == "undelivered":
            flash(f"LINE ไม่รับคำตอบนี้: {sent.error or ''} คำถามกลับเข้ากล่องคำถามแล้ว", "error")
        else:
            flash(f"ส่งไม่สำเร็จ: {sent.error or ''} ระบบจะลองส่งใหม่อัตโนมัติ หรือกดส่งอีกครั้งในรายการคำตอบล่าสุด",
                  "error")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/answers/<int:answer_id>/retry")
    def retry(answer_id: int) -> BaseResponse:
        try:
            sent = inbox.push_answer(ctx.sessions, ctx.messenger, answer_id, officer_id=officer().id)
        except inbox.InboxError as error:
            flash(str(error), "error")
        else:
            flash("ส่งคำตอบแล้ว" if sent.status == "sent" else f"ยังส่งไม่สำเร็จ: {sent.error or ''}",
                  "ok" if sent.status == "sent" else "error")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/inbox/<int:question_id>/resolve")
    def resolve(question_id: int) -> BaseResponse:
        form = ResolveForm()
        if not form.validate():
            flash(first_error(form), "error")
            return redirect(url_for("console.inbox_view"))
        session = db()
        try:
            inbox.resolve(session, question_id, officer(), note=form.note.data, remote_addr=remote())
        except inbox.InboxError as error:
            flash(str(error), "error")
            return redirect(url_for("console.inbox_view"))
        session.commit()
        flash("ปิดเรื่องแล้ว", "ok")
        return redirect(url_for("console.inbox_view"))

    @bp.post("/inbox/<int:question_id>/reopen")
    def reopen(question_id: int) -> BaseResponse:
        session = db()
        inbox.reopen(session, question_id, officer())
        session.commit()
        flash("นำกลับเข้ากล่องคำถามแล้ว", "ok")
        return back_to(question_id)
