"""`flask --app app richmenu ...`: draw @IAO's rich menu, deploy it as the default (idempotently), or remove it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.cli import services
from bot.line.richmenu_model import DeployReport, LineRefused, RichMenuDraft, ThaiShapingMissing, build
from handlers.reports.fonts import FontMissing


class Deployer(Protocol):
    """What app.py passes in (bot.line.richmenu.RichMenuDeployer): the command line never imports the SDK."""

    def deploy(self, draft: RichMenuDraft, *, dry_run: bool = False) -> DeployReport: ...

    def remove(self, *, dry_run: bool = False) -> list[str]: ...


richmenu_group = AppGroup("richmenu", help="@IAO's rich menu on LINE: draw it, deploy it as the default, remove it.")


def _draft() -> RichMenuDraft:
    """The menu, or a usage error that says which font or library is missing."""
    try:
        return build()
    except (FontMissing, ThaiShapingMissing) as exc:
        raise click.ClickException(str(exc)) from None


def _deployer() -> Deployer:
    """The deployer app.py made from Settings (LINE_CHANNEL_ACCESS_TOKEN, LINE_API_BASE_URL, LINE_API_DATA_URL)."""
    if not services().settings.line_channel_access_token:
        raise click.ClickException("missing setting LINE_CHANNEL_ACCESS_TOKEN (the channel's Messaging API token)")
    return current_app.extensions["iao_richmenu"]()  # type: ignore[no-any-return]


def _say(report: DeployReport, dry_run: bool) -> None:
    """What changed, one line per step."""
    verb = "would be" if dry_run else "was"
    if not report.changed:
        click.echo(f"rich menu {report.rich_menu_id} is already the default; nothing changed")
    else:
        if report.created:
            click.echo(f"rich menu {report.rich_menu_id or '(new)'} {verb} created")
        if report.uploaded:
            click.echo(f"its image {verb} uploaded")
        if report.default_set:
            click.echo(f"it {verb} set as the default rich menu")
        for rich_menu_id in report.deleted:
            click.echo(f"stale rich menu {rich_menu_id} {verb} deleted")
    if report.others:
        click.echo(f"left alone: {len(report.others)} rich menu(s) not made by this command: "
                   + ", ".join(report.others))


@richmenu_group.command("draw")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def draw_command(output: Path) -> None:
    """Write the menu image (2500x843 PNG) to look at before deploying."""
    draft = _draft()
    output.write_bytes(draft.image)
    click.echo(f"{output}: {len(draft.image)} bytes, {draft.content_type}, name {draft.name}")


@richmenu_group.command("deploy")
@click.option("--dry-run", is_flag=True, help="Say what would change on LINE without changing it.")
def deploy_command(dry_run: bool) -> None:
    """Create and upload the menu unless LINE has it, make it the default, delete @IAO's stale menus."""
    draft = _draft()
    try:
        report = _deployer().deploy(draft, dry_run=dry_run)
    except LineRefused as exc:
        raise click.ClickException(str(exc)) from None
    _say(report, dry_run)


@richmenu_group.command("remove")
@click.option("--dry-run", is_flag=True, help="List the menus that would be removed.")
def remove_command(dry_run: bool) -> None:
    """Clear the default rich menu if it is @IAO's and delete every rich menu this command made."""
    try:
        removed = _deployer().remove(dry_run=dry_run)
    except LineRefused as exc:
        raise click.ClickException(str(exc)) from None
    verb = "would be" if dry_run else "was"
    for rich_menu_id in removed:
        click.echo(f"rich menu {rich_menu_id} {verb} deleted")
    if not removed:
        click.echo("no rich menu of @IAO's on LINE")


def register_richmenu_commands(app: Flask, deployer: Callable[[], Deployer]) -> None:
    """Attach `richmenu` to the app's command line, with the factory of its LINE deployer."""
    app.extensions["iao_richmenu"] = deployer
    app.cli.add_command(richmenu_group)
