"""Measure the matcher on the dev paraphrase sets and the off-topic list, to calibrate and guard it.

Usage:
    .venv/bin/python scripts/eval_matcher.py [--json] [--semantic on|off|auto] [--misses] [--sweep]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from knowledge.base import KnowledgeBase, load_knowledge_base  # noqa: E402
from knowledge.matcher import ChannelScores, Matcher, Thresholds, choose  # noqa: E402

DEV_DIR = ROOT / "tests" / "knowledge" / "dev"
OFFTOPIC_FILE = ROOT / "tests" / "knowledge" / "offtopic.yaml"
HANDED_OVER = ("off_topic", "handoff")


@dataclass(frozen=True)
class Item:
    """One labelled question: expect is an entry id, or None for an off-topic message."""

    q: str
    expect: str | None
    file: str


def load_dev_items(dev_dir: Path = DEV_DIR) -> list[Item]:
    """All `- q: / expect:` items of the dev files, in file order."""
    items: list[Item] = []
    for path in sorted(dev_dir.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if isinstance(data, dict):
            data = data.get("items") or data.get("questions") or []
        for raw in data:
            if isinstance(raw, dict) and raw.get("q") and raw.get("expect"):
                items.append(Item(str(raw["q"]), str(raw["expect"]), path.name))
    return items


def load_offtopic(path: Path = OFFTOPIC_FILE) -> list[Item]:
    """The off-topic messages, as items that expect a hand-over."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Item(str(q), None, path.name) for q in data]


@dataclass
class Scored:
    """An item with the matcher's ranking and timing, so thresholds can be re-applied cheaply."""

    item: Item
    normalized: str
    ranked: list[ChannelScores]
    seconds: float
    fixed: tuple[str, str | None] | None = None


def score_items(matcher: Matcher, items: list[Item]) -> list[Scored]:
    """Run every item through the matcher once (decide() for timing, scores() for re-use)."""
    out = []
    for item in items:
        start = time.perf_counter()
        matcher.decide(item.q)
        elapsed = time.perf_counter() - start
        normalized = matcher.prepare(item.q)
        out.append(Scored(item, normalized, matcher.rank(normalized, limit=None), elapsed))
    return out


def _outcome(matcher: Matcher, scored: Scored, thresholds: Thresholds) -> tuple[str, str | None]:
    """Outcome and entry id for an item under some thresholds, reusing decide() for small talk and empties."""
    if scored.fixed is None:
        decision = matcher.decide(scored.item.q)
        scored.fixed = (decision.outcome, decision.entry.id if decision.entry else None)
        if scored.normalized and scored.ranked and decision.outcome not in ("greeting", "thanks", "empty"):
            scored.fixed = ("", None)
    if scored.fixed[0]:
        return scored.fixed
    decision = choose(scored.ranked, scored.normalized, thresholds)
    return decision.outcome, decision.entry.id if decision.entry else None


def _is_ok(kind: str | None, expect: str | None, outcome: str, entry_id: str | None) -> bool:
    if expect is None:
        return outcome in HANDED_OVER
    if kind == "out_of_scope":
        return outcome == "handoff"
    return outcome == "answer" and entry_id == expect


def metrics(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored], thresholds: Thresholds) -> dict:
    """Ranking, decision and latency figures for a set of scored items."""
    kinds = {e.id: e.kind for e in kb.entries}
    faq_ranks: list[int | None] = []
    answered = answered_right = resolved = correct = 0
    faq_n = decoy_n = decoy_ok = off_n = off_ok = 0
    unknown: set[str] = set()
    for s in scored:
        outcome, entry_id = _outcome(matcher, s, thresholds)
        expect = s.item.expect
        if outcome == "answer":
            answered += 1
            answered_right += int(entry_id == expect)
        if expect is None:
            off_n += 1
            off_ok += int(outcome in HANDED_OVER)
            continue
        if expect not in kinds:
            unknown.add(expect)
            continue
        if kinds[expect] == "out_of_scope":
            decoy_n += 1
            decoy_ok += int(outcome == "handoff")
            continue
        faq_n += 1
        ids = [r.entry.id for r in s.ranked]
        faq_ranks.append(ids.index(expect) + 1 if expect in ids else None)
        suggested = [r.entry.id for r in s.ranked if r.entry.kind == "faq"][:3]
        correct += int(outcome == "answer" and entry_id == expect)
        resolved += int((outcome == "answer" and entry_id == expect) or (outcome == "suggest" and expect in suggested))
    lat = sorted(s.seconds * 1000 for s in scored)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "items": {"faq": faq_n, "decoy": decoy_n, "off_topic": off_n},
        "top1": ratio(sum(1 for r in faq_ranks if r == 1), faq_n),
        "top3": ratio(sum(1 for r in faq_ranks if r is not None and r <= 3), faq_n),
        "mrr": round(sum(1 / r for r in faq_ranks if r) / faq_n, 4) if faq_n else None,
        "answered_correctly": ratio(correct, faq_n),
        "resolved_answer_or_suggest": ratio(resolved, faq_n),
        "answered_precision": ratio(answered_right, answered),
        "decoy_handover": ratio(decoy_ok, decoy_n),
        "offtopic_handover": ratio(off_ok, off_n),
        "latency_ms_p50": round(statistics.median(lat), 2) if lat else None,
        "latency_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 2) if lat else None,
        "unknown_expect_ids": sorted(unknown),
    }


def _grid(base: Thresholds) -> list[Thresholds]:
    out = []
    for answer, suggest, off, margin in itertools.product(
        [x / 100 for x in range(30, 66, 3)],
        [x / 100 for x in range(18, 43, 3)],
        [x / 100 for x in range(9, 31, 3)],
        [0.0, 0.03, 0.06, 0.09],
    ):
        if off <= suggest <= answer:
            out.append(replace(base, answer=answer, suggest=suggest, off_topic=off, margin=margin))
    return out


def _balanced_accuracy(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored], th: Thresholds) -> float:
    """Mean of the per-group success rates (faq answered right, decoys and off-topic handed over)."""
    kinds = {e.id: e.kind for e in kb.entries}
    groups: dict[str, list[int]] = {"faq": [0, 0], "out_of_scope": [0, 0], "off": [0, 0]}
    for s in scored:
        kind = kinds.get(s.item.expect) if s.item.expect else None
        group = groups["off" if s.item.expect is None else (kind or "faq")]
        group[0] += int(_is_ok(kind, s.item.expect, *_outcome(matcher, s, th)))
        group[1] += 1
    rates = [a / b for a, b in groups.values() if b]
    return sum(rates) / len(rates) if rates else 0.0


def sweep(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored]) -> Thresholds:
    """Grid search of the thresholds maximising balanced accuracy (for calibration only)."""
    return max(_grid(matcher.thresholds), key=lambda th: _balanced_accuracy(matcher, kb, scored, th))


def leave_one_file_out(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored]) -> dict:
    """Calibrate on all dev files but one, measure on the held-out one; success rates pooled over files."""
    kinds = {e.id: e.kind for e in kb.entries}
    files = sorted({s.item.file for s in scored if s.item.expect is not None})
    offtopic = [s for s in scored if s.item.expect is None]
    groups: dict[str, list[int]] = {"faq": [0, 0], "out_of_scope": [0, 0], "off": [0, 0]}
    for held in files:
        train = [s for s in scored if s.item.file != held]
        th = sweep(matcher, kb, train)
        # off-topic items are split by position so each is held out exactly once
        test = [s for s in scored if s.item.file == held]
        test += [s for i, s in enumerate(offtopic) if i % len(files) == files.index(held)]
        for s in test:
            kind = kinds.get(s.item.expect) if s.item.expect else None
            group = groups["off" if s.item.expect is None else (kind or "faq")]
            group[0] += int(_is_ok(kind, s.item.expect, *_outcome(matcher, s, th)))
            group[1] += 1
    return {
        "answered_correctly": round(groups["faq"][0] / groups["faq"][1], 4) if groups["faq"][1] else None,
        "decoy_handover": round(groups["out_of_scope"][0] / groups["out_of_scope"][1], 4)
        if groups["out_of_scope"][1]
        else None,
        "offtopic_handover": round(groups["off"][0] / groups["off"][1], 4) if groups["off"][1] else None,
    }


def print_misses(matcher: Matcher, scored: list[Scored], thresholds: Thresholds) -> None:
    """List every item that did not end as it should, with the top three entries."""
    kinds = {e.id: e.kind for e in matcher.kb.entries}
    for s in scored:
        outcome, entry_id = _outcome(matcher, s, thresholds)
        expect = s.item.expect
        if _is_ok(kinds.get(expect) if expect else None, expect, outcome, entry_id):
            continue
        top = ", ".join(
            f"{r.entry.id}={r.fused:.2f}(c{r.char:.2f}/w{r.word:.2f}"
            + (f"/s{r.semantic:.2f}" if r.semantic is not None else "")
            + ")"
            for r in s.ranked[:3]
        )
        print(f"[{s.item.file}] {outcome}:{entry_id} expect={expect} | {s.item.q}\n    norm={s.normalized} | {top}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--semantic", choices=("on", "off", "auto"), default="auto")
    parser.add_argument("--misses", action="store_true", help="list the items that went wrong")
    parser.add_argument("--sweep", action="store_true", help="grid-search thresholds and leave-one-file-out")
    args = parser.parse_args(argv)

    kb = load_knowledge_base()
    semantic = {"on": True, "off": False, "auto": None}[args.semantic]
    start = time.perf_counter()
    matcher = Matcher(kb, semantic=semantic)
    build_seconds = time.perf_counter() - start
    items = load_dev_items() + load_offtopic()
    scored = score_items(matcher, items)
    result = {
        "entries": len(kb.entries),
        "semantic": matcher.semantic,
        "build_seconds": round(build_seconds, 2),
        "thresholds": vars(matcher.thresholds),
        "metrics": metrics(matcher, kb, scored, matcher.thresholds),
    }
    if args.sweep:
        best = sweep(matcher, kb, scored)
        result["sweep_best"] = {"thresholds": vars(best), "metrics": metrics(matcher, kb, scored, best)}
        result["leave_one_file_out"] = leave_one_file_out(matcher, kb, scored)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        if args.misses:
            print_misses(matcher, scored, matcher.thresholds)
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
