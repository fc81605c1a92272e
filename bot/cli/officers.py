"""`flask --app app create-officer USERNAME [--admin] [--password-stdin]`: the first accounts of the console."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from handlers.officers import AccountError, audit, create_officer


@click.command("create-officer")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Give the account the admin role (exports with real ids, accounts).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--name", "display_name", default=None, help="The officer's name as the console shows it.")
@with_appcontext
def create_officer_command(username: str, admin: bool, password_stdin: bool, display_name: str | None) -> None:
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
            name, role = officer.username, officer.role
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {name}; sign in at /console/login")
