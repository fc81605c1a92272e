"""`flask --app app user export|forget` and `flask --app app privacy purge`: PDPA requests and retention."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from bot.cli import services
from handlers.clock import utcnow
from handlers.db import erase_free_pages
from handlers.privacy import UnknownUser, export_person, find_user, forget_user, purge_expired_text
from knowledge.base import default_entries_dir

user_group = AppGroup("user", help="One LINE user's personal data: export it, or forget the person (PDPA).")
privacy_group = AppGroup("privacy", help="Retention of message text (MESSAGE_RETENTION_DAYS).")


def _actor() -> str:
    """Who ran the command, for the audit log (the CLI has no officer session)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "unknown"
    return f"cli:{name}"[:40]


def _unknown(error: UnknownUser) -> None:
    """Print why and stop with exit status 1."""
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


@user_group.command("export")
@click.argument("line_user_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON to this file (UTF-8) instead of standard output.")
def export_command(line_user_id: str, output: Path | None) -> None:
    """Print everything stored about one LINE user ("U..." id) as JSON, for a PDPA access request."""
    with services().sessions.begin() as session:
        try:
            text = export_person(session, line_user_id, actor=_actor())
        except UnknownUser as error:
            _unknown(error)
            return
    if output is None:
        click.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@user_group.command("forget")
@click.argument("line_user_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget_command(line_user_id: str, yes: bool) -> None:
    """Erase one LINE user's messages, comments, answers, name and LINE id; KPI counts stay the same."""
    with services().sessions() as session:
        if find_user(session, line_user_id) is None:
            _unknown(UnknownUser(f"no LINE user {line_user_id.strip()!r} is stored "
                                 "(never seen, or already forgotten)"))
    if not yes:
        click.confirm(f"Erase the personal data of {line_user_id}? This cannot be undone", abort=True)
    with services().sessions.begin() as session:
        try:
            report = forget_user(session, line_user_id, actor=_actor(),
                                 knowledge_dir=services().library.directory or default_entries_dir())
        except UnknownUser as error:
            _unknown(error)
            return
    erase_free_pages(services().engine)  # the old text must not survive in SQLite's free pages or its WAL
    click.echo(f"forgot LINE user #{report.user_id}: blanked {report.interactions} message(s), "
               f"{report.survey_comments} survey comment(s), {report.officer_answers} officer answer(s), "
               f"{report.resolution_notes} inbox note(s); removed from {report.broadcast_targets} send target "
               f"list(s), {report.monthly_records} closed month(s) and {report.queued_events} stored webhook event(s); "
               f"cleared {report.audit_details} audit note(s), {report.kb_drafts} knowledge draft(s) and "
               f"{report.kb_changes} knowledge history row(s); deleted {report.attachments} photo(s) or file(s); "
               "KPI counts unchanged")


@privacy_group.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention period in days (default: MESSAGE_RETENTION_DAYS, 365).")
@click.option("--dry-run", is_flag=True, help="Only count what would be blanked.")
def purge_command(days: int | None, dry_run: bool) -> None:
    """Blank message text and survey comments older than the retention period; counts survive."""
    days = days or services().settings.retention_days
    try:
        report = purge_expired_text(services().sessions, days, utcnow(), dry_run=dry_run, actor=_actor())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--days") from None
    verb = "would blank" if dry_run else "blanked"
    click.echo(f"text older than {days} days (before {report.cutoff}): {verb} {report.interactions} message(s), "
               f"{report.survey_comments} survey comment(s), {report.officer_answers} officer answer(s), "
               f"comments of {report.monthly_records} closed month(s), {report.queued_events} stored webhook event(s), "
               f"{report.attachments} photo(s) or file(s)")


def register_privacy_commands(app: Flask) -> None:
    """Attach the `user` and `privacy` command groups to the app."""
    app.cli.add_command(user_group)
    app.cli.add_command(privacy_group)
