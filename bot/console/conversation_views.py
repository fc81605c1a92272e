"""Console pages of conversations: the users, one transcript, search, and a month's chat log as CSV/XLSX."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from bot.console.context import ConsoleContext, admin_only, db, int_arg, officer, remote
from bot.console.forms import ExportForm, first_error
from handlers import officers
from handlers.clock import BANGKOK
from handlers.inbox import attachments, transcripts
from handlers.kpi.periods import MonthError, normalise_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register_conversations(bp: Blueprint, ctx: ConsoleContext) -> None:
    """/console/conversations and /console/export."""

    @bp.get("/conversations")
    def conversations() -> str:
        session = db()
        query = request.args.get("q", "")[:200]
        district_id = int_arg("district")
        hits = transcripts.search(session, query) if query.strip() else []
        users = transcripts.list_users(session, district_id=district_id) if not query.strip() else []
        last_month = (dt.datetime.now(BANGKOK).replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        return render_template("console/conversations.html", query=query, hits=hits, users=users,
                               districts=transcripts.districts(session), district_id=district_id, month=last_month)

    @bp.get("/conversations/<int:user_id>")
    def transcript(user_id: int) -> str:
        session = db()
        user = transcripts.get_user(session, user_id)
        if user is None:
            abort(404)
        lines = transcripts.transcript(session, user_id)
        return render_template("console/transcript.html", user=user, lines=lines,
                               files=attachments.for_lines(session, {line.id for line in lines}))

    @bp.get("/attachments/<int:attachment_id>")
    def attachment(attachment_id: int) -> Response:
        """A photo or file a user sent, to a signed-in officer only (the guard sends anyone else to log in).

        Its type is the one its magic bytes proved, the browser may not guess another (nosniff), nothing is
        cached, and anything but an image is a download under a name of our own, never the sender's.
        """
        row = attachments.stored(db(), attachment_id)
        if row is None:
            abort(404)
        disposition = "inline" if row.is_image else "attachment"
        response = Response(row.data, mimetype=row.content_type or "application/octet-stream")
        response.headers["Content-Disposition"] = f'{disposition}; filename="{row.download_name}"'
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store, private"
        return response

    @bp.post("/export")
    def export() -> Response:
        form = ExportForm()
        real_ids = bool(form.real_ids.data)
        if real_ids:
            admin_only()
        if not form.validate():
            abort(400, description=first_error(form))
        try:
            month = normalise_month(form.month.data or "")
        except MonthError as error:
            abort(400, description=str(error))
        fmt = form.format.data or "csv"
        session = db()
        officers.audit(session, officer(), "export", target=f"month:{month}",
                       detail=f"format={fmt}; ids={'real' if real_ids else 'pseudonymised'}", remote_addr=remote())
        session.commit()
        name = f"iao-chat-log-{month}{'-real-ids' if real_ids else ''}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "xlsx":
            body = transcripts.export_xlsx(session, month, secret=ctx.secret_key, real_ids=real_ids)
            return Response(body, headers=headers, mimetype=XLSX)

        def stream() -> Iterator[bytes]:
            with ctx.sessions() as export_db:
                yield from transcripts.export_csv(export_db, month, secret=ctx.secret_key, real_ids=real_ids)

        return Response(stream_with_context(stream()), headers=headers, mimetype="text/csv")
