"""`flask --app app richmenu ...`: draw @IAO's rich menu, deploy it as the default (idempotently), or remove it."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from linebot.v3.messaging import ApiException

from bot.cli import services
from bot.richmenu import DeployReport, ThaiShapingMissing, build, deploy, line_apis, remove
from handlers.reports.fonts import FontMissing

richmenu_group = AppGroup("richmenu", help="@IAO's rich menu on LINE: draw it, deploy it as the default, remove it.")


def _draft():  # type: ignore[no-untyped-def]
    """The menu, or a usage error that says which font or library is missing."""
    try:
        return build()
    except (FontMissing, ThaiShapingMissing) as exc:
        raise click.ClickException(str(exc)) from None


def _apis():  # type: ignore[no-untyped-def]
    """SDK clients from Settings (LINE_CHANNEL_ACCESS_TOKEN, LINE_API_BASE_URL, LINE_API_DATA_URL)."""
    settings = services().settings
    if not settings.line_channel_access_token:
        raise click.ClickException("missing setting LINE_CHANNEL_ACCESS_TOKEN (the channel's Messaging API token)")
    return line_apis(settings.line_channel_access_token, settings.line_api_base_url, settings.line_api_data_url)


def _line_error(exc: ApiException) -> click.ClickException:
    """LINE's refusal as one line: status and LINE's own message (it names no user)."""
    body = (exc.body or b"").decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
    return click.ClickException(f"LINE answered {exc.status} {exc.reason}: {body[:500]}")


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
        click.echo(f"left alone: {len(report.others)} rich menu(s) not made by this command: {', '.join(report.others)}")


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
        with _apis() as apis:
            report = deploy(apis, draft, dry_run=dry_run)
    except ApiException as exc:
        raise _line_error(exc) from None
    _say(report, dry_run)


@richmenu_group.command("remove")
@click.option("--dry-run", is_flag=True, help="List the menus that would be removed.")
def remove_command(dry_run: bool) -> None:
    """Clear the default rich menu if it is @IAO's and delete every rich menu this command made."""
    try:
        with _apis() as apis:
            removed = remove(apis, dry_run=dry_run)
    except ApiException as exc:
        raise _line_error(exc) from None
    verb = "would be" if dry_run else "was"
    for rich_menu_id in removed:
        click.echo(f"rich menu {rich_menu_id} {verb} deleted")
    if not removed:
        click.echo("no rich menu of @IAO's on LINE")


def register_richmenu_commands(app: Flask) -> None:
    """Attach `richmenu` to the app's command line."""
    app.cli.add_command(richmenu_group)
