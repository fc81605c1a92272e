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


def score_items(matcher: Matcher, items: list[Item]) -> list[Scored]:
    """Run every item through the matcher once (decide() for timing, scores() for re-use)."""
    out = []
    for item in items:
        start = time.perf_counter()
        matcher.decide(item.q)
        elapsed = time.perf_counter() - start
        normalized = matcher.prepare(item.q)
        out.append(Scored(item, normalized, matcher.scores(normalized), elapsed))
    return out


def _outcome(matcher: Matcher, scored: Scored, thresholds: Thresholds) -> tuple[str, str | None]:
    """Outcome and entry id for an item, reusing decide() for small talk and empties."""
    if not scored.normalized or not scored.ranked:
        decision = matcher.decide(scored.item.q)
        return decision.outcome, decision.entry.id if decision.entry else None
    decision = choose(scored.ranked, scored.normalized, thresholds)
    if decision.outcome not in ("answer", "suggest", "handoff", "off_topic"):
        return decision.outcome, None
    return decision.outcome, decision.entry.id if decision.entry else None


def metrics(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored], thresholds: Thresholds) -> dict:
    """Ranking, decision and latency figures for a set of scored items."""
    kinds = {e.id: e.kind for e in kb.entries}
    faq_ranks, answered, answered_right, resolved = [], 0, 0, 0
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
        resolved += int((outcome == "answer" and entry_id == expect) or (outcome == "suggest" and expect in suggested))
    correct_answers = sum(
        1
        for s in scored
        if s.item.expect in kinds and kinds[s.item.expect] == "faq" and _outcome(matcher, s, thresholds) == ("answer", s.item.expect)
    )
    lat = sorted(s.seconds * 1000 for s in scored)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "items": {"faq": faq_n, "decoy": decoy_n, "off_topic": off_n},
        "top1": ratio(sum(1 for r in faq_ranks if r == 1), faq_n),
        "top3": ratio(sum(1 for r in faq_ranks if r is not None and r <= 3), faq_n),
        "mrr": round(sum(1 / r for r in faq_ranks if r) / faq_n, 4) if faq_n else None,
        "answered_correctly": ratio(correct_answers, faq_n),
        "resolved_answer_or_suggest": ratio(resolved, faq_n),
        "answered_precision": ratio(answered_right, answered),
        "decoy_handover": ratio(decoy_ok, decoy_n),
        "offtopic_handover": ratio(off_ok, off_n),
        "latency_ms_p50": round(statistics.median(lat), 2) if lat else None,
        "latency_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 2) if lat else None,
        "unknown_expect_ids": sorted(unknown),
    }


def objective(m: dict) -> float:
    """What calibration maximises: correct answers, then precision and hand-overs (all equally weighted)."""
    values = [m.get(k) for k in ("answered_correctly", "answered_precision", "offtopic_handover", "decoy_handover")]
    return sum(v for v in values if v is not None)


def sweep(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored]) -> tuple[Thresholds, dict]:
    """Grid search of the thresholds on the given items (for calibration only)."""
    best: tuple[float, Thresholds, dict] | None = None
    base = matcher.thresholds
    for answer, suggest, off, margin in itertools.product(
        [x / 100 for x in range(30, 71, 2)],
        [x / 100 for x in range(16, 46, 2)],
        [x / 100 for x in range(8, 32, 2)],
        [0.0, 0.02, 0.04, 0.06, 0.08, 0.1],
    ):
        if not off <= suggest <= answer:
            continue
        th = replace(base, answer=answer, suggest=suggest, off_topic=off, margin=margin)
        m = metrics(matcher, kb, scored, th)
        value = objective(m)
        if best is None or value > best[0] + 1e-9:
            best = (value, th, m)
    assert best is not None
    return best[1], best[2]


def leave_one_file_out(matcher: Matcher, kb: KnowledgeBase, scored: list[Scored]) -> dict:
    """Calibrate on all dev files but one, measure on the held-out one; pooled over files."""
    files = sorted({s.item.file for s in scored if s.item.expect is not None})
    pooled: list[tuple[Scored, Thresholds]] = []
    for held in files:
        train = [s for s in scored if s.item.file != held]
        th, _ = sweep(matcher, kb, train)
        pooled.extend((s, th) for s in scored if s.item.file == held)
    # metrics() takes one threshold set; evaluate each held-out group with its own and pool the counts
    total = {"answered_correctly": [0, 0], "answered_precision": [0, 0], "offtopic_handover": [0, 0],
             "decoy_handover": [0, 0]}
    for s, th in pooled:
        m = metrics(matcher, kb, [s], th)
        for key in total:
            n = {"answered_correctly": m["items"]["faq"], "answered_precision": None,
                 "offtopic_handover": m["items"]["off_topic"], "decoy_handover": m["items"]["decoy"]}[key]
            value = m[key]
            if key == "answered_precision":
                outcome, entry_id = _outcome(matcher, s, th)
                if outcome == "answer":
                    total[key][0] += int(entry_id == s.item.expect)
                    total[key][1] += 1
                continue
            if n:
                total[key][0] += int(bool(value))
                total[key][1] += 1
    return {k: (round(a / b, 4) if b else None) for k, (a, b) in total.items()}


def print_misses(matcher: Matcher, scored: list[Scored], thresholds: Thresholds) -> None:
    """List every item that did not end as it should, with the top three entries."""
    kinds = {e.id: e.kind for e in matcher.kb.entries}
    for s in scored:
        outcome, entry_id = _outcome(matcher, s, thresholds)
        expect = s.item.expect
        if expect is None:
            ok = outcome in HANDED_OVER
        elif kinds.get(expect) == "out_of_scope":
            ok = outcome == "handoff"
        else:
            ok = outcome == "answer" and entry_id == expect
        if ok:
            continue
        top = ", ".join(f"{r.entry.id}={r.fused:.2f}(c{r.char:.2f}/w{r.word:.2f}"
                        + (f"/s{r.semantic:.2f}" if r.semantic is not None else "") + ")"
                        for r in s.ranked[:3])
        print(f"[{s.item.file}] {outcome}:{entry_id} expect={expect} | {s.item.q}\n    norm={s.normalized} | {top}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--semantic", choices=("on", "off", "auto"), default="off")
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
        best, best_metrics = sweep(matcher, kb, scored)
        result["sweep_best"] = {"thresholds": vars(best), "metrics": best_metrics}
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
