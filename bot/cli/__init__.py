"""The `flask --app app ...` command line: database set-up, the knowledge base, and asking the bot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from handlers.chat.answers import answer_text
from handlers.chat.conversation import MAX_STORED_TEXT
from handlers.db import upgrade_schema
from handlers.directory.models import Mission
from handlers.directory.service import card_text, choice_label, seed_missions
from knowledge.base import default_entries_dir
from knowledge.matcher import Decision
from knowledge.missions import DirectoryRequest
from knowledge.normalize import is_english
from knowledge.validate import validate_directory

kb_group = AppGroup("kb", help="Check and inspect the knowledge base files.")


def services() -> Any:
    """The per-process services create_app built (app.Services); every CLI command reads them here."""
    return current_app.extensions["iao"]


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the schema and seed the 50 district offices; safe to run twice."""
    upgrade_schema(services().engine)
    click.echo("database is up to date")


def decision_json(question: str, decision: Decision) -> dict[str, object]:
    """What `ask --json` prints for one question: the bot's choice, in plain data."""
    entry = decision.entry
    english = is_english(question)
    if decision.outcome == "answer" and entry is not None:
        answer: str | None = answer_text(entry, english)
    elif decision.outcome == "suggest":
        answer = "หมายถึงเรื่องใด: " + " / ".join(e.title_th for e, _ in decision.alternatives[:3])
    elif decision.outcome == "handoff" and entry is not None:
        answer = entry.answer_th.strip()
    else:
        answer = None
    return {
        "question": question,
        "outcome": decision.outcome,
        "answer": answer,
        "entry_id": entry.id if entry else None,
        "title": entry.title_th if entry else None,
        "category": entry.category if entry else None,
        "status": entry.status if entry else None,
        "sources": [
            {k: v for k, v in (("agency", s.agency), ("ref", s.ref), ("url", s.url), ("seed", s.seed)) if v}
            for s in (entry.sources if entry else ())
        ],
        "score": round(decision.score, 4),
        "handoff": decision.outcome in ("handoff", "off_topic"),
        "alternatives": [
            {"entry_id": e.id, "title": e.title_th, "score": round(s, 4)} for e, s in decision.alternatives
        ],
    }


def with_mission(result: dict[str, object], card: dict[str, object]) -> dict[str, object]:
    """An answer with a mission's card after it: both texts, both sources, and the card's key as `mission`."""
    sources = [*result["sources"], *card["sources"]]  # type: ignore[misc]
    return {**result, "answer": f"{result['answer']}\n\n{card['answer']}", "sources": sources,
            "mission": card["entry_id"]}


def directory_json(question: str, request: DirectoryRequest, missions: list[Mission]) -> dict[str, object]:
    """What `ask --json` prints for a request the directory of missions answers (as the LINE reply does)."""
    english = request.english
    if len(missions) == 1:
        mission = missions[0]
        outcome, answer = "answer", card_text(mission, english=english)
        sources = [{"agency": mission.source_name, "url": mission.source_url, "checked_on": str(mission.checked_on)}]
    elif missions:
        outcome = "suggest"
        answer = "หมายถึงแห่งใด: " + " / ".join(choice_label(m, english=english) for m in missions[:12])
        sources = []
    else:
        outcome, answer, sources = "handoff", None, []
    one = missions[0] if len(missions) == 1 else None
    return {
        "question": question,
        "outcome": outcome,
        "answer": answer,
        "entry_id": f"mission:{one.key}" if one else None,
        "title": one.name_th if one else None,
        "category": "directory",
        "status": "approved" if one else None,
        "sources": sources,
        "score": 1.0 if one else 0.0,
        "handoff": outcome == "handoff",
        "alternatives": [{"entry_id": f"mission:{m.key}", "title": m.name_th, "score": 1.0} for m in missions[:12]]
        if len(missions) > 1 else [],
    }


@click.command("ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
def ask_command(question: str | None, as_json: bool) -> None:
    """Ask the bot one question, or one per line from standard input: the directory first, then the matcher."""
    app_services = services()
    with app_services.sessions.begin() as session:
        if session.scalar(select(func.count(Mission.id))) == 0:
            seed_missions(session)  # a database never set up with init-db still knows the shipped missions
    questions = [question] if question else [line.rstrip("\n") for line in sys.stdin]
    for q in questions:
        if not q.strip() and not question:
            continue
        with app_services.sessions() as session:
            answer = app_services.conversation.find_answer(session, q[:MAX_STORED_TEXT])
            if answer.decision is None:
                assert answer.directory is not None
                result = directory_json(q, *answer.directory)
            else:
                result = decision_json(q, answer.decision)
                if answer.directory is not None:  # a case naming one mission: its card follows, as in LINE
                    result = with_mission(result, directory_json(q, *answer.directory))
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(f"? {q}\n→ {result['outcome']} {result['entry_id'] or ''} ({result['score']})")
            if result["answer"]:
                click.echo(str(result["answer"]))
            click.echo("")


@kb_group.command("validate")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Entries folder (default: knowledge/entries).")
@click.option("--seeds", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Seed documents folder (default: ../shared/seeds when present).")
def kb_validate_command(directory: Path | None, seeds: Path | None) -> None:
    """Check every entry file; exit 1 listing file and entry for each problem."""
    directory = directory or services().settings.knowledge_dir or default_entries_dir()
    if seeds is None:
        candidate = Path(current_app.root_path).parent / "shared" / "seeds"
        seeds = candidate if candidate.is_dir() else None
    problems = validate_directory(directory, seeds)
    for problem in problems:
        where = problem.file + (f" [{problem.entry_id}]" if problem.entry_id else "")
        click.echo(f"{where}: {problem.message}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    kb = services().library.reload()
    click.echo(f"ok: {len(kb.entries)} entries in {len(kb.categories)} categories")


def register_commands(app: Flask) -> None:
    """Attach the CLI commands to the app (flaskr's init_app pattern)."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(ask_command)
    app.cli.add_command(kb_group)
