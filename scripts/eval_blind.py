"""Measure answers on the blind question sets, judged against labels made by someone who read the entries.

The sets in tests/knowledge/blind/ were written by people who never saw the knowledge base (given only the
topic list and the seed documents); `tuning.yaml` may be looked at while improving the matcher, `frozen.yaml`
never is. Each in-scope item carries `expect` (entries that answer the point asked) and `partial` (entries on
the right topic that miss the point); the verdicts follow the issue's scale:
correct / partial / wrong topic / did-you-mean (right first or not) / hand-over.

Usage:
    .venv/bin/python scripts/eval_blind.py [--set tuning|frozen|all] [--json] [--dump FILE] [--misses]
    .venv/bin/python scripts/eval_blind.py --questions FILE.yaml --dump OUT.jsonl   # unlabelled: outputs only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

ROOT = Path(__file__).resolve().parents[1]
if os.environ.get("IAO_EVAL_ROOT"):  # measure another checkout (e.g. the code before a change) with this script
    ROOT = Path(os.environ["IAO_EVAL_ROOT"]).resolve()
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from knowledge.base import load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

try:  # the directory of missions answers first, as in LINE and `flask ask` (absent in older checkouts)
    from handlers.directory.records import parse as parse_missions  # noqa: E402
    from handlers.directory.service import mission_ref  # noqa: E402
    from knowledge.missions import SEED_FILE, DirectoryMatcher  # noqa: E402
except ImportError:  # pragma: no cover - measuring a checkout from before the directory
    DirectoryMatcher = None  # type: ignore[assignment,misc]

BLIND_DIR = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "blind"
SETS = ("tuning", "frozen")
DECLINED = frozenset({"off_topic", "handoff", "greeting", "thanks", "empty"})


@dataclass(frozen=True)
class BlindItem:
    """One blind question with its judge's labels (empty for an unlabelled set)."""

    id: str
    text: str
    kind: str  # in_scope | off_topic | lookalike
    lang: str
    intent: str = ""
    expect: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    area: str = ""
    note: str = ""  # the judge's reason, required where nothing in the base is even on the topic


def load_items(path: Path) -> list[BlindItem]:
    """The items of one blind YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    items = []
    for raw in data:
        items.append(
            BlindItem(
                id=str(raw["id"]),
                text=str(raw["text"]),
                kind=str(raw.get("kind", "in_scope")),
                lang=str(raw.get("lang", "th")),
                intent=str(raw.get("intent", "")),
                expect=tuple(raw.get("expect") or ()),
                partial=tuple(raw.get("partial") or ()),
                area=str(raw.get("area", "")),
                note=str(raw.get("note", "")),
            )
        )
    return items


@dataclass
class Result:
    """What the bot did with one item, and the verdict."""

    item: BlindItem
    outcome: str
    entry_id: str | None
    entry_kind: str | None
    alternatives: list[str]
    verdict: str = ""
    extra: dict = field(default_factory=dict)


def seed_directory():
    """The directory matcher over the shipped seed rows (what a fresh install answers from), or None."""
    if DirectoryMatcher is None:
        return None
    return DirectoryMatcher(mission_ref(r) for r in parse_missions(SEED_FILE.read_bytes(), SEED_FILE.name))


def run(matcher: Matcher, items: list[BlindItem], directory=None) -> list[Result]:
    """Ask every item, as `flask ask` does: the directory of missions first, then the matcher."""
    out = []
    for item in items:
        request = directory.read(item.text[:5000]) if directory is not None else None
        d = None
        if request is not None:
            outcome = {"card": "answer", "choose": "suggest", "unknown": "handoff"}[request.outcome]
            keys = [f"mission:{ref.key}" for ref in request.candidates]
            entry_id = keys[0] if request.outcome == "card" else None
            if getattr(request, "tells_a_story", False):  # as Conversation.find_answer does
                d = matcher.decide(item.text)
            if d is None or d.outcome != "answer":
                out.append(Result(item, outcome, entry_id, "mission" if entry_id else None, keys))
                continue
            assert d.entry is not None
            out.append(Result(item, "answer", d.entry.id, d.entry.kind, [e.id for e, _ in d.alternatives],
                              extra={"mission": entry_id} if entry_id else {}))  # the mission's card follows
            continue
        d = matcher.decide(item.text)
        entry = d.entry
        out.append(
            Result(
                item,
                d.outcome,
                entry.id if entry else None,
                entry.kind if entry else None,
                [e.id for e, _ in d.alternatives],
            )
        )
    return out


def judge(result: Result) -> str:
    """The verdict of one result against its labels."""
    item = result.item
    if item.kind == "off_topic":
        return "declined" if result.outcome in DECLINED else "answered"
    if item.kind == "lookalike":
        foreign_answer = result.outcome == "answer" and result.entry_kind == "faq"
        return "unsafe" if foreign_answer else "safe"
    if result.outcome == "answer":
        mission = bool(result.entry_id and result.entry_id.startswith("mission:"))
        if result.entry_id in item.expect or (mission and "directory" in item.expect):
            return "correct"
        card_expected = bool(result.extra.get("mission")) and "directory" in item.expect
        if result.entry_id in item.partial:
            return "correct" if card_expected else "partial"  # the card gives what the entry lacks
        return "wrong_topic"
    if result.outcome == "suggest":
        first = result.alternatives[0] if result.alternatives else None
        if first and first.startswith("mission:") and "directory" in item.expect:
            return "dym_right_first"
        return "dym_right_first" if first in item.expect or first in item.partial else "dym_other"
    return "handover"


def summarise(results: list[Result]) -> dict:
    """The issue's figures for a set of judged results."""
    for r in results:
        r.verdict = judge(r)
    scope = [r for r in results if r.item.kind == "in_scope"]
    off = [r for r in results if r.item.kind == "off_topic"]
    look = [r for r in results if r.item.kind == "lookalike"]

    def share(rows: list[Result], verdict: str) -> float:
        return round(sum(r.verdict == verdict for r in rows) / len(rows), 3) if rows else 0.0

    th = [r for r in scope if r.item.lang == "th"]
    en = [r for r in scope if r.item.lang == "en"]
    verdicts = Counter(r.verdict for r in scope)
    return {
        "items": len(results),
        "in_scope": len(scope),
        "correct": share(scope, "correct"),
        "correct_th": share(th, "correct"),
        "correct_en": share(en, "correct"),
        "partial": share(scope, "partial"),
        "wrong_topic": share(scope, "wrong_topic"),
        "dym_right_first": share(scope, "dym_right_first"),
        "dym_other": share(scope, "dym_other"),
        "handover": share(scope, "handover"),
        "in_scope_counts": dict(verdicts),
        "off_topic": len(off),
        "off_topic_declined": share(off, "declined"),
        "lookalike": len(look),
        "lookalike_safe": share(look, "safe"),
        "unlabelled_in_scope": sum(1 for r in scope if not r.item.expect and not r.item.partial),
    }


def main() -> None:
    """Print the blind figures (or dump raw outputs of an unlabelled file for judging)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=(*SETS, "all"), default="all")
    parser.add_argument("--questions", type=Path, help="an unlabelled or labelled YAML file instead of --set")
    parser.add_argument("--semantic", choices=("on", "off", "auto"), default="auto")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--dump", type=Path, help="write one JSON line per item (outputs for a judge)")
    parser.add_argument("--misses", action="store_true", help="list what was not correct (tuning set only)")
    parser.add_argument("--no-directory", action="store_true", help="the matcher alone, without the directory")
    parser.add_argument("--entries", type=Path, help="knowledge folder (default: knowledge/entries)")
    args = parser.parse_args()

    kb = load_knowledge_base(args.entries)
    semantic = {"on": True, "off": False, "auto": None}[args.semantic]
    matcher = Matcher(kb, semantic=semantic)
    if args.questions:
        sets = {args.questions.stem: load_items(args.questions)}
    else:
        names = SETS if args.set == "all" else (args.set,)
        sets = {name: load_items(BLIND_DIR / f"{name}.yaml") for name in names}
    directory = None if args.no_directory else seed_directory()
    report = {"entries": len(kb.entries), "semantic": matcher.semantic, "directory": directory is not None}
    dump_rows = []
    for name, items in sets.items():
        results = run(matcher, items, directory)
        report[name] = summarise(results)
        for r in results:
            entry = kb.get(r.entry_id) if r.entry_id and not r.entry_id.startswith("mission:") else None
            dump_rows.append(
                {
                    "set": name,
                    "id": r.item.id,
                    "kind": r.item.kind,
                    "lang": r.item.lang,
                    "text": r.item.text,
                    "intent": r.item.intent,
                    "outcome": r.outcome,
                    "entry_id": r.entry_id,
                    "title": entry.title_th if entry else None,
                    "alternatives": r.alternatives,
                    "verdict": r.verdict,
                }
            )
        if args.misses and name != "frozen":
            for r in results:
                if r.verdict not in ("correct", "declined", "safe"):
                    print(f"{r.item.id} [{r.verdict}] {r.outcome} {r.entry_id} alts={r.alternatives[:3]}")
                    print(f"    {r.item.text[:150]}")
                    print(f"    expect={list(r.item.expect)} partial={list(r.item.partial)}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for row in dump_rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{report['entries']} entries, semantic {'on' if report['semantic'] else 'off'}")
    for name in sets:
        s = report[name]
        print(
            f"{name}: {s['items']} items; in scope {s['in_scope']}: correct {s['correct']:.3f} "
            f"(Thai {s['correct_th']:.3f}, English {s['correct_en']:.3f}), partial {s['partial']:.3f}, "
            f"wrong topic {s['wrong_topic']:.3f}, did-you-mean right first {s['dym_right_first']:.3f} / other "
            f"{s['dym_other']:.3f}, hand-over {s['handover']:.3f}; off-topic declined {s['off_topic_declined']:.3f} "
            f"of {s['off_topic']}; look-alikes safe {s['lookalike_safe']:.3f} of {s['lookalike']}"
        )


if __name__ == "__main__":
    main()
