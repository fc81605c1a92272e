"""`flask --app app directory import FILE [--dry-run]` and `directory export`: the officers' bulk path."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from bot.cli import services
from handlers.directory.records import MAX_FILE_BYTES, DirectoryFileError
from handlers.directory.service import export_file, import_file

directory_group = AppGroup("directory", help="Import and export the directory of embassies and consulates.")


@directory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and say what would change; change nothing.")
@click.option("--user", "username", default="cli", show_default=True, help="Name recorded in the audit trail.")
def import_command(file: Path, dry_run: bool, username: str) -> None:
    """Validate every row of a CSV or XLSX file, then add or update missions by key (all or nothing)."""
    if file.stat().st_size > MAX_FILE_BYTES:
        click.echo(f"{file}: larger than {MAX_FILE_BYTES} bytes", err=True)
        sys.exit(1)
    try:
        with services().sessions.begin() as session:
            result = import_file(session, file.read_bytes(), file.name, username=username, dry_run=dry_run)
    except DirectoryFileError as error:
        for problem in error.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing was imported", err=True)
        sys.exit(1)
    click.echo(("dry run: " if dry_run else "") + result.summary_th())


@directory_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(fmt: str, output: Path) -> None:
    """Write the whole directory in the import format (what an officer edits and imports back)."""
    with services().sessions() as session:
        body = export_file(session, fmt)
    output.write_bytes(body)
    click.echo(f"wrote {output}")


def register_directory_commands(app: Flask) -> None:
    """Attach the `directory` command group."""
    app.cli.add_command(directory_group)
