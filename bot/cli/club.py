"""`flask --app app club ...`: English Club Friday sessions, reminders and attendance from the command line.

The same handlers.club.service calls as the console's page; each command is one transaction.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from bot.cli import services as app_services
from handlers.clock import BANGKOK, utcnow
from handlers.club import service
from handlers.club.figures import session_state
from handlers.club.models import ClubSession
from handlers.kpi.periods import MonthError, parse_month

club_group = AppGroup("club", help="English Club Friday: sessions, the LINE reminder, registrations, attendance.")


def _fail(error: service.ClubError) -> None:
    """Print every problem and exit 1 (nothing was saved)."""
    for problem in error.problems:
        click.echo(problem, err=True)
    sys.exit(1)


def _session_or_exit(db: Session, session_id: int) -> ClubSession:
    row = service.get_session(db, session_id)
    if row is None:
        click.echo(f"no English Club session #{session_id}", err=True)
        sys.exit(1)
    return row


def _json(row: ClubSession, db: Session) -> dict[str, object]:
    """One session as `club list --json` prints it."""
    regs = service.registrations(db, row.id)
    return {"id": row.id, "date": row.held_on.isoformat(), "starts_at": row.starts_at, "topic": row.topic,
            "meeting_url": row.meeting_url, "duration_minutes": row.duration_minutes,
            "status": session_state(row, service.today_bangkok()), "note": row.note,
            "reminder_broadcast_id": row.reminder_broadcast_id, "registrations": len(regs),
            "attendance": service.attendance(db, row.id)}


@club_group.command("add")
@click.option("--date", "held_on", required=True, help="The session's date, YYYY-MM-DD (Christian Era).")
@click.option("--topic", required=True, help="What the session practises (Thai).")
@click.option("--link", "meeting_url", required=True, help="The online meeting link sent to registrants.")
@click.option("--time", "starts_at", default="", help="Start time HH:MM, Bangkok.")
@click.option("--minutes", default="", help="Planned length in minutes.")
@click.option("--json", "as_json", is_flag=True)
def add_command(held_on: str, topic: str, meeting_url: str, starts_at: str, minutes: str, as_json: bool) -> None:
    """Add one session."""
    with app_services().sessions() as db:
        try:
            row = service.create_session(db, service.SessionInput(held_on, topic, meeting_url, starts_at, minutes),
                                         by="cli")
        except service.ClubError as error:
            _fail(error)
        db.commit()
        click.echo(json.dumps(_json(row, db), ensure_ascii=False) if as_json
                   else f"session #{row.id} on {row.held_on.isoformat()}")


@club_group.command("plan")
@click.option("--from", "first", required=True, help="First month, YYYY-MM (a BE year is accepted).")
@click.option("--to", "last", required=True, help="Last month, YYYY-MM.")
@click.option("--topic", required=True)
@click.option("--link", "meeting_url", required=True)
@click.option("--time", "starts_at", default="")
@click.option("--minutes", default="")
def plan_command(first: str, last: str, topic: str, meeting_url: str, starts_at: str, minutes: str) -> None:
    """A session on every month's 3rd Friday from --from to --to (dates that have one are kept)."""
    try:
        start, end = parse_month(first), parse_month(last)
    except MonthError as error:
        raise click.BadParameter(str(error)) from None
    with app_services().sessions() as db:
        try:
            made = service.plan_series(db, start, end, topic=topic, meeting_url=meeting_url, starts_at=starts_at,
                                       duration_minutes=minutes, by="cli")
        except service.ClubError as error:
            _fail(error)
        db.commit()
        click.echo(f"{len(made)} session(s) added: " + ", ".join(r.held_on.isoformat() for r in made))


@club_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Every session with its registrations and recorded attendance."""
    with app_services().sessions() as db:
        rows = [_json(r, db) for r in service.list_sessions(db)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        attended = sum(r["attendance"].values())  # type: ignore[attr-defined]
        click.echo(f"#{r['id']:<4} {r['date']} {r['starts_at'] or '':5} {r['status']:<9} "
                   f"registered {r['registrations']:>3} attended {attended:>3}  {r['topic']}")
    if not rows:
        click.echo("no sessions")


@club_group.command("remind")
@click.argument("session_id", type=int)
@click.option("--at", "at", default=None, help="When to send, ISO 8601 (default 09:00 Bangkok on the day).")
@click.option("--audience", type=click.Choice(["all", "districts"]), default="all",
              help="all = broadcast; districts = multicast to one representative per district.")
def remind_command(session_id: int, at: str | None, audience: str) -> None:
    """Schedule the LINE reminder with its register button (sent by the scheduler within the quota)."""
    from bot.cli.tips import parse_when

    when = parse_when(at) if at else None
    with app_services().sessions() as db:
        row = _session_or_exit(db, session_id)
        try:
            send = service.schedule_reminder(db, row, when, audience=audience)
        except service.ClubError as error:
            _fail(error)
        db.commit()
        click.echo(f"reminder send #{send.id} scheduled for "
                   f"{send.scheduled_at.astimezone(BANGKOK).isoformat(timespec='minutes')} ({audience}); "
                   "see `broadcast plan` for its cost against the quota")


@club_group.command("cancel")
@click.argument("session_id", type=int)
def cancel_command(session_id: int) -> None:
    """Cancel a session (and its reminder if not sent)."""
    with app_services().sessions() as db:
        row = _session_or_exit(db, session_id)
        stopped = service.cancel_session(db, row)
        db.commit()
    click.echo(f"session #{session_id} cancelled" + ("; its reminder was stopped" if stopped else ""))


@club_group.command("note")
@click.argument("session_id", type=int)
@click.argument("text")
def note_command(session_id: int, text: str) -> None:
    """Record the session's obstacles and findings (shown in the monthly and yearly reports)."""
    with app_services().sessions() as db:
        row = _session_or_exit(db, session_id)
        try:
            service.set_note(db, row, text)
        except service.ClubError as error:
            _fail(error)
        db.commit()
    click.echo(f"note saved for session #{session_id}")


@club_group.command("attendance")
@click.argument("session_id", type=int)
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV with a district column (one row per person, or with an attendees count).")
@click.option("--district", "pairs", multiple=True, help="CODE=N, e.g. 1004=3 (repeatable).")
def attendance_command(session_id: int, path: Path | None, pairs: tuple[str, ...]) -> None:
    """Record who attended, by district (replaces what was recorded before)."""
    try:
        if path is not None:
            counts = service.parse_attendance_list(path.read_bytes()[:service.IMPORT_MAX_BYTES + 1])
        else:
            counts = {}
            for pair in pairs:
                code, _, n = pair.partition("=")
                if not n.strip().isdigit():
                    raise click.BadParameter(f"use CODE=N, not {pair!r}", param_hint="--district")
                counts[code.strip()] = counts.get(code.strip(), 0) + int(n)
            if not counts:
                raise click.UsageError("give --file or --district CODE=N")
        with app_services().sessions() as db:
            row = _session_or_exit(db, session_id)
            total = service.record_attendance(db, row, counts, by="cli", via="import" if path else "cli",
                                              now=utcnow())
            db.commit()
    except service.ClubError as error:
        _fail(error)
    click.echo(f"session #{session_id}: {total} attendee(s) from {sum(1 for n in counts.values() if n)} district(s)")


def register_club_commands(app: Flask) -> None:
    """Attach the club group."""
    app.cli.add_command(club_group)
