"""Console pages of the knowledge base: search, edit with history, new entries (from an answered question), approval."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from bot.console.context import ConsoleContext, db, int_arg, officer
from bot.console.forms import EntryForm, all_errors
from handlers.inbox import service as inbox
from handlers.kb import editor as kb_editor
from knowledge.base import STATUSES


def register_kb(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/kb..."""

    def render_edit(form: kb_editor.EntryForm, *, is_new: bool, problems: list[str] | None = None,
                    expected: str = "", status: int = 200) -> tuple[str, int]:
        kb = ctx.library.current()[0]
        history = kb_editor.history(db(), entry_id=form.id) if not is_new and form.id else []
        return render_template("console/kb_edit.html", form=form, is_new=is_new, problems=problems or [],
                               expected=expected, statuses=STATUSES, kinds=kb_editor.KINDS_TH,
                               files=kb_editor.category_files(ctx.knowledge_dir, kb), history=history), status

    def save(entry_id: str | None, *, is_new: bool) -> BaseResponse | tuple[str, int]:
        """Create or edit an entry from the posted form; the problems page (422) when anything is wrong."""
        posted = EntryForm()
        form = posted.entry(entry_id)
        expected = posted.expected.data or ""
        if not posted.validate():
            flash("ยังบันทึกไม่ได้ กรุณาแก้ตามรายการด้านล่าง", "error")
            return render_edit(form, is_new=is_new, problems=all_errors(posted), expected=expected, status=422)
        session = db()
        try:
            kb_editor.save_entry(session, ctx.knowledge_dir, form, officer(), action="create" if is_new else "edit",
                                 expected=None if is_new else (expected or None), seeds_dir=ctx.seeds_dir)
        except kb_editor.EditError as error:
            session.rollback()
            flash(str(error), "error")
            return render_edit(form, is_new=is_new, problems=error.problems, expected=expected, status=422)
        session.commit()
        ctx.library.reload()
        flash("เพิ่มเรื่องใหม่ (ร่าง) ในคลังความรู้แล้ว" if is_new else "บันทึกการแก้ไขแล้ว บอทใช้คำตอบใหม่ทันที", "ok")
        return redirect(url_for("console.kb_entry", entry_id=form.id))

    @bp.get("/kb")
    def kb_list() -> str:
        ctx.library.refresh_if_changed(0)
        kb = ctx.library.current()[0]
        query, status, category = (request.args.get(k, "")[:200] for k in ("q", "status", "category"))
        entries = kb_editor.search_entries(kb, query=query, status=status, category=category)
        return render_template("console/kb_list.html", entries=entries, kb=kb, query=query, status=status,
                               category=category, statuses=STATUSES)

    @bp.get("/kb/new")
    def kb_new() -> tuple[str, int]:
        question_id = int_arg("question")
        form = kb_editor.EntryForm(reviewed_on=kb_editor.today().isoformat())
        if question_id is not None:
            item = inbox.get_item(db(), question_id)
            if item is not None:
                answers = inbox.answers_to(db(), question_id)
                question = " ".join((*item.context, item.text)) if item.context else item.text
                form = kb_editor.draft_from_answer(question, answers[-1].text if answers else "",
                                                   question_id=question_id)
        return render_edit(form, is_new=True)

    @bp.post("/kb/new")
    def kb_create() -> BaseResponse | tuple[str, int]:
        return save(None, is_new=True)

    @bp.get("/kb/entry/<entry_id>")
    def kb_entry(entry_id: str) -> tuple[str, int]:
        ctx.library.refresh_if_changed(0)
        entry = ctx.library.current()[0].get(entry_id)
        found = kb_editor.entry_block(ctx.knowledge_dir, entry_id)
        if entry is None or found is None:
            abort(404)
        return render_edit(kb_editor.EntryForm.from_entry(entry), is_new=False,
                           expected=kb_editor.fingerprint(found[1]))

    @bp.post("/kb/entry/<entry_id>")
    def kb_save(entry_id: str) -> BaseResponse | tuple[str, int]:
        return save(entry_id, is_new=False)

    @bp.post("/kb/entry/<entry_id>/approve")
    def kb_approve(entry_id: str) -> BaseResponse:
        session = db()
        try:
            kb_editor.approve_entry(session, ctx.knowledge_dir, ctx.library.current()[0], entry_id, officer(),
                                    seeds_dir=ctx.seeds_dir)
        except kb_editor.EditError as error:
            session.rollback()
            flash(str(error) + (": " + "; ".join(error.problems) if error.problems else ""), "error")
            return redirect(url_for("console.kb_entry", entry_id=entry_id))
        session.commit()
        ctx.library.reload()
        flash("อนุมัติแล้ว", "ok")
        return redirect(url_for("console.kb_entry", entry_id=entry_id))

    @bp.get("/kb/history")
    def kb_history() -> str:
        return render_template("console/kb_history.html", changes=kb_editor.history(db()))

    @bp.get("/kb/history/<int:change_id>")
    def kb_change(change_id: int) -> str:
        change = kb_editor.get_change(db(), change_id)
        if change is None:
            abort(404)
        return render_template("console/kb_change.html", change=change)
