"""`flask --app app create-officer USERNAME [--admin] [--password-stdin]`: the first accounts of the console."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from handlers.notify.service import send_due_notices
from handlers.officers import AccountError, Officer, audit, create_officer, list_officers, set_notice_contact


@click.command("create-officer")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Give the account the admin role (exports with real ids, accounts).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--name", "display_name", default=None, help="The officer's name as the console shows it.")
@click.option("--email", default=None, help="Where hand-off notices go (see `officer set`).")
@click.option("--on-duty", is_flag=True, help="Mail this officer about hand-offs (needs --email).")
@with_appcontext
def create_officer_command(username: str, admin: bool, password_stdin: bool, display_name: str | None,
                           email: str | None, on_duty: bool) -> None:
    """Create a console account; the password is prompted for (twice) unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    sessions = current_app.extensions["iao"].sessions
    try:
        with sessions.begin() as session:
            officer = create_officer(session, username, password, role="admin" if admin else "officer",
                                     display_name=display_name)
            audit(session, officer, "officer-create", target=officer.username, detail=f"{officer.role} (cli)")
            if email or on_duty:
                set_notice_contact(session, None, officer.id, email=email, on_duty=on_duty, via="cli")
            name, role = officer.username, officer.role
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {name}; sign in at /console/login")


officer_group = AppGroup("officer", help="Officers' accounts: who is on duty and told of hand-offs by e-mail.")


@officer_group.command("set")
@click.argument("username")
@click.option("--email", default=None, help="The address hand-off notices go to.")
@click.option("--no-email", is_flag=True, help="Remove the address (and take the officer off duty).")
@click.option("--on-duty/--off-duty", "on_duty", default=None, help="Whether hand-offs are mailed to this officer.")
@with_appcontext
def officer_set_command(username: str, email: str | None, no_email: bool, on_duty: bool | None) -> None:
    """Set an officer's notice address and on-duty flag (the same rule as the console's accounts page)."""
    sessions = current_app.extensions["iao"].sessions
    try:
        with sessions.begin() as session:
            officer = session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
            if officer is None:
                raise AccountError("ไม่พบบัญชีนี้")
            if no_email:
                set_notice_contact(session, None, officer.id, email=None, on_duty=False if on_duty is None else on_duty,
                                   via="cli")
            elif email is not None:
                set_notice_contact(session, None, officer.id, email=email, on_duty=on_duty, via="cli")
            else:
                set_notice_contact(session, None, officer.id, on_duty=on_duty, via="cli")
            line = f"{officer.username}: {'on duty' if officer.on_duty else 'off duty'}, " \
                   f"e-mail {officer.email or '-'}"
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(line)


@officer_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def officer_list_command(as_json: bool) -> None:
    """Every account with its role, whether it is active and on duty, and its notice address."""
    with current_app.extensions["iao"].sessions() as session:
        rows = [{"username": o.username, "role": o.role, "active": o.active, "on_duty": o.on_duty,
                 "email": o.email} for o in list_officers(session)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['username']:<20} {row['role']:<8} {'active' if row['active'] else 'disabled':<9} "
                   f"{'on duty' if row['on_duty'] else 'off duty':<9} {row['email'] or '-'}")


notify_group = AppGroup("notify", help="Hand-off notices: e-mail the officers on duty about waiting questions.")


@notify_group.command("send-due")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@with_appcontext
def notify_send_due_command(as_json: bool) -> None:
    """Do what the clock's minute job does once: mail each officer on duty about questions not yet told."""
    services = current_app.extensions["iao"]
    notices = services.settings.notices
    if services.mailer is None or notices is None:
        raise click.ClickException("hand-off notices are off: set SMTP_HOST, MAIL_FROM and CONSOLE_BASE_URL")
    report = send_due_notices(services.sessions, services.mailer, notices)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(f"sent {report.sent} mail(s) about {report.questions} question(s); failed {report.failed}, "
                   f"uncertain {report.uncertain}, gave up {report.gave_up}; held for office hours {report.held}")
