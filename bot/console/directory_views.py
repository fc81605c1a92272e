"""Console pages for the directory of missions: list with search and stale-row badges, edit with audit,
and CSV/XLSX import and export (the same handlers.directory calls as `flask directory ...`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from bot.console.forms import DirectoryExportForm, DirectoryImportForm, mission_form
from handlers import officers
from handlers.directory import service
from handlers.directory.records import COLUMNS, MAX_FILE_BYTES, DirectoryFileError, RowProblem
from knowledge.missions import KIND_TH, KINDS

if TYPE_CHECKING:
    from bot.console.context import ConsoleContext

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def register_directory(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/directory: what officers need to keep the bot's embassy answers current."""

    @bp.get("/directory")
    def directory_view() -> str:
        query = request.args.get("q", "")[:100]
        today = service.today_bangkok()
        missions = service.search(g.console_db, query)
        stale = {m.id for m in missions if service.is_stale(m, today)}
        return render_template("console/directory.html", missions=missions, stale=stale, query=query,
                               kinds=KIND_TH, columns=COLUMNS, problems=[])

    @bp.get("/directory/<int:mission_id>")
    def directory_edit(mission_id: int) -> str:
        mission = service.get_mission(g.console_db, mission_id) or abort(404)
        return render_template("console/directory_edit.html", mission=mission, kinds=KINDS, kind_th=KIND_TH,
                               history=service.history(g.console_db, mission_id), problems=[],
                               stale=service.is_stale(mission), form=None)

    @bp.post("/directory/<int:mission_id>")
    def directory_save(mission_id: int) -> BaseResponse | tuple[str, int]:
        db = g.console_db
        mission = service.get_mission(db, mission_id) or abort(404)
        posted = mission_form()()
        form = {c: str(posted[c].data or "") for c in service.EDITABLE}
        try:
            if not posted.validate_on_submit():
                raise DirectoryFileError([RowProblem(0, f"{name} {errors[0]}")
                                          for name, errors in posted.errors.items()])
            outcome = service.update_mission(db, mission, form, username=g.officer.username)
        except DirectoryFileError as error:
            db.rollback()
            return render_template("console/directory_edit.html", mission=mission, kinds=KINDS, kind_th=KIND_TH,
                                   history=service.history(db, mission_id), problems=error.problems,
                                   stale=service.is_stale(mission), form=form), 400
        officers.audit(db, g.officer, "directory-edit", target=mission.key, detail=outcome,
                       remote_addr=request.remote_addr)
        db.commit()
        flash("บันทึกแล้ว" if outcome == "updated" else "ไม่มีการเปลี่ยนแปลง", "ok")
        return redirect(url_for("console.directory_edit", mission_id=mission_id))

    @bp.post("/directory/import")
    def directory_import() -> BaseResponse | tuple[str, int]:
        db = g.console_db
        form = DirectoryImportForm()
        chosen = isinstance(form.file.data, FileStorage) and bool(form.file.data.filename)
        if not chosen:  # nothing chosen: back to the page, as before
            flash("กรุณาเลือกไฟล์ .csv หรือ .xlsx", "error")
            return redirect(url_for("console.directory_view"))
        upload, dry_run = form.file.data, form.dry_run.data
        try:
            if not form.validate_on_submit():  # a file of the wrong kind or too big: the page names the problem
                raise DirectoryFileError([RowProblem(0, str(errors[0])) for errors in form.errors.values()])
            data = upload.read(MAX_FILE_BYTES + 1)
            result = service.import_file(db, data, upload.filename, username=g.officer.username, dry_run=dry_run)
        except DirectoryFileError as error:
            db.rollback()
            missions = service.search(db)
            today = service.today_bangkok()
            return render_template("console/directory.html", missions=missions, query="", kinds=KIND_TH,
                                   stale={m.id for m in missions if service.is_stale(m, today)},
                                   columns=COLUMNS, problems=error.problems), 400
        if dry_run:
            db.rollback()
            flash("ตรวจไฟล์แล้ว ไม่พบปัญหา: " + result.summary_th() + " (ยังไม่ได้นำเข้า)", "info")
        else:
            officers.audit(db, g.officer, "directory-import", target=upload.filename[:200],
                           detail=result.summary_th(), remote_addr=request.remote_addr)
            db.commit()
            flash("นำเข้าแล้ว: " + result.summary_th(), "ok")
        return redirect(url_for("console.directory_view"))

    @bp.post("/directory/export")
    def directory_export() -> Response:
        form = DirectoryExportForm()
        if not form.validate_on_submit():
            abort(400, description="รูปแบบไฟล์ต้องเป็น csv หรือ xlsx")
        fmt = form.format.data
        db = g.console_db
        body = service.export_file(db, fmt)
        officers.audit(db, g.officer, "directory-export", target=f"format:{fmt}", remote_addr=request.remote_addr)
        db.commit()
        return Response(body, mimetype=MIME[fmt],
                        headers={"Content-Disposition": f'attachment; filename="iao-missions.{fmt}"'})
