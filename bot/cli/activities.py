"""`flask --app app kpi activity ...`: record the activities that feed an indicator's level, list and score them."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli import services
from handlers.clock import BANGKOK, utcnow
from handlers.kpi.activities import (
    FILE_MAX_BYTES,
    ActivityError,
    EvidenceInput,
    activities_of,
    delete_activity,
    indicator_of,
    record_activity,
    year_scores,
)
from handlers.kpi.scoring import ladder_for

activity_group = AppGroup("activity", help="Activities of an indicator's fiscal year (the level is computed).")


def parse_day(text: str) -> dt.date:
    """YYYY-MM-DD, the year in CE or BE (2567-01-15 = 2024-01-15)."""
    try:
        year, month, day = (int(part) for part in text.strip().split("-"))
        return dt.date(year - 543 if year > 2400 else year, month, day)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint="--date") from None


def _file(path: Path) -> EvidenceInput:
    """A file given on the command line as evidence (its type guessed from its name)."""
    if path.stat().st_size > FILE_MAX_BYTES:
        raise click.BadParameter(f"{path} is larger than {FILE_MAX_BYTES / 1e6:g} MB", param_hint="--file")
    return EvidenceInput(filename=path.name, content_type=mimetypes.guess_type(path.name)[0], data=path.read_bytes())


@activity_group.command("kinds")
@click.option("--fiscal-year", "be_year", type=int, required=True, help="BE fiscal year, e.g. 2567.")
@click.option("--indicator", "key", required=True, help="Indicator key, e.g. 2567-1.3-1.")
def kinds_command(be_year: int, key: str) -> None:
    """The activity kinds of an indicator and what each level needs (from the seed)."""
    with services().sessions() as session:
        try:
            indicator = indicator_of(session, be_year, key)
        except ActivityError as error:
            raise click.ClickException(str(error)) from None
        ladder = ladder_for(indicator.key)
        click.echo(f"{indicator.key}: {indicator.name_th} (weight {indicator.weight:g})")
        if ladder is None:
            click.echo("  no ladder in reference.yaml")
            return
        click.echo(f"  ladder: {ladder.kind}" + (f" ({ladder.note_th})" if ladder.note_th else ""))
        for kind in ladder.kinds:
            click.echo(f"  kind {kind.code}: {kind.name_th}" + (f" [count in {kind.unit_th}]" if kind.counted else ""))
        for level, needs in sorted(ladder.levels.items()):
            click.echo(f"  level {level}: " + ", ".join(f"{code} ≥ {n}" for code, n in needs.items()))


@activity_group.command("add")
@click.option("--fiscal-year", "be_year", type=int, required=True, help="BE fiscal year, e.g. 2567.")
@click.option("--indicator", "key", required=True, help="Indicator key, e.g. 2567-1.3-1 (see `kinds`).")
@click.option("--date", "day", required=True, help="Date of the activity, YYYY-MM-DD (CE or BE year).")
@click.option("--kind", required=True, help="Activity kind of the indicator's ladder (see `kinds`).")
@click.option("--count", type=int, default=None, help="How many (events, products, cities) for counted kinds.")
@click.option("--title", default="", help="Short title (default: the kind's name).")
@click.option("--note", default=None)
@click.option("--link", "links", multiple=True, help="Evidence link (http/https); repeatable.")
@click.option("--file", "files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evidence file (PDF, image, Word, Excel, CSV; 1.5 MB at most); repeatable.")
@click.option("--by", default="cli", show_default=True, help="Officer's name.")
def add_command(be_year: int, key: str, day: str, kind: str, count: int | None, title: str, note: str | None,
                links: tuple[str, ...], files: tuple[Path, ...], by: str) -> None:
    """Record an activity; prints the indicator's level and score afterwards."""
    evidence = [EvidenceInput(url=link) for link in links] + [_file(path) for path in files]
    with services().sessions.begin() as session:
        try:
            activity = record_activity(session, be_year=be_year, indicator_key=key, occurred_on=parse_day(day),
                                       kind=kind, count=count, title=title, note=note, evidence=evidence, by=by,
                                       now=utcnow())
        except ActivityError as error:
            raise click.ClickException(str(error)) from None
        entry = next(e for e in year_scores(session, be_year) if e.indicator.id == activity.indicator_id)
        click.echo(f"recorded activity {activity.id}: {key} {kind}" + (f" ×{count}" if count else "")
                   + f" on {activity.occurred_on.isoformat()}; " + _line(entry))


def _line(entry) -> str:  # type: ignore[no-untyped-def]
    """Level, score and weighted score of an indicator (override marked)."""
    result = entry.result
    text = (f"level {result.level if result.level is not None else '-'}, score "
            f"{result.score if result.score is not None else '-'}, weighted "
            f"{result.weighted_score if result.weighted_score is not None else '-'}")
    if entry.overridden:
        computed = result.computed_level if result.computed_level is not None else "-"
        text += f" (override: {result.override_reason}; computed level {computed})"
    elif entry.computed is not None and entry.computed.missing:
        text += " (next level needs " + ", ".join(f"{c} +{n}" for c, n in entry.computed.missing.items()) + ")"
    return text


@activity_group.command("list")
@click.option("--fiscal-year", "be_year", type=int, required=True)
@click.option("--indicator", "key", default=None)
@click.option("--json", "as_json", is_flag=True)
def list_command(be_year: int, key: str | None, as_json: bool) -> None:
    """The fiscal year's activities, oldest first."""
    with services().sessions() as session:
        try:
            indicator = indicator_of(session, be_year, key) if key else None
        except ActivityError as error:
            raise click.ClickException(str(error)) from None
        rows = [{"id": a.id, "indicator": a.indicator.key, "date": a.occurred_on.isoformat(), "kind": a.kind,
                 "count": a.count, "title": a.title_th, "note": a.note, "by": a.recorded_by,
                 "recorded_at": a.recorded_at.astimezone(BANGKOK).isoformat(timespec="minutes"),
                 "evidence": [e.url or e.filename for e in a.evidence]}
                for a in activities_of(session, be_year, indicator)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']} {row['date']} {row['indicator']} {row['kind']}"
                   + (f" ×{row['count']}" if row["count"] else "") + f" {row['title']}"
                   + (f" [{len(row['evidence'])} evidence]" if row["evidence"] else ""))


@activity_group.command("delete")
@click.option("--fiscal-year", "be_year", type=int, required=True)
@click.option("--id", "activity_id", type=int, required=True)
def delete_command(be_year: int, activity_id: int) -> None:
    """Delete a wrongly entered activity (the level is recomputed)."""
    with services().sessions.begin() as session:
        try:
            activity = delete_activity(session, activity_id, be_year)
        except ActivityError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"deleted activity {activity_id} of {activity.indicator.key}")


@activity_group.command("score")
@click.option("--fiscal-year", "be_year", type=int, required=True)
@click.option("--json", "as_json", is_flag=True)
def score_command(be_year: int, as_json: bool) -> None:
    """Every indicator of the year: level, score and weighted score from its activities (overrides shown)."""
    with services().sessions.begin() as session:
        entries = year_scores(session, be_year)
        rows = [{"indicator": e.indicator.key, "weight": e.indicator.weight, "level": e.result.level,
                 "computed_level": e.result.computed_level, "score": e.result.score,
                 "weighted": e.result.weighted_score, "override_reason": e.result.override_reason,
                 "activities": len(e.activities), "line": _line(e)} for e in entries]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['indicator']} (weight {row['weight']:g}, {row['activities']} activities): {row['line']}")
    click.echo(f"total weighted: {sum(r['weighted'] or 0 for r in rows):g} of {sum(r['weight'] for r in rows):g}")
