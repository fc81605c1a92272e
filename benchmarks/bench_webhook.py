"""Webhook latency at concurrency 8: signed question events through gunicorn, replies to the LINE simulator.

Run: .venv/bin/python -m benchmarks.bench_webhook [--events 400] [--database-url URL]
Each event goes linesim -> POST /callback (gunicorn, 2 workers) -> stored -> 200; a worker thread then matches,
logs and replies to linesim. The latency measured is the webhook's (to its 200) as the simulator sees it; the
run then waits until every reply has reached the simulator.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from linesim.client import SimClient
from tests.servers import bot_stack

QUESTIONS = [
    "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง",
    "ฝรั่งจะจดทะเบียนสมรสกับคนไทยใช้เอกสารอะไร",
    "บัตรสีชมพูหายทำยังไง",
    "สถานทูตญี่ปุ่นติดต่อยังไง",
    "ต่างชาติขอเพิ่มชื่อในทะเบียนบ้าน ท.ร.13",
    "ขอวลีภาษาอังกฤษให้รอคิว",
    "รายงานตัว 90 วันไปที่ไหน",
    "ชาวต่างชาติเสียภาษีที่ดินคอนโดไหม",
    "พาสปอร์ตหายต้องทำอะไรก่อน",
    "English Club Friday คืออะไร",
]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of a list of numbers."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def run(database_url: str, events: int, concurrency: int) -> dict[str, float]:
    """Drive `events` questions through a fresh stack and return latency figures in milliseconds."""
    with bot_stack(database_url, workers=2) as stack:
        sim = SimClient(stack.sim_url)
        users = [sim.add_user(f"เจ้าหน้าที่ {i}", follow=True)["userId"] for i in range(concurrency * 2)]
        for user in users:  # warm up every worker and register districts
            sim.send_text(user, "บางรัก")

        def one(i: int) -> float:
            started = time.perf_counter()
            result = sim.send_text(users[i % len(users)], QUESTIONS[i % len(QUESTIONS)])
            elapsed = (time.perf_counter() - started) * 1000
            if result["status"] != 200:
                raise RuntimeError(f"bot answered {result['status']}")
            return elapsed

        time.sleep(2)
        before = len(sim.requests(path="/v2/bot/message/reply"))
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, range(events)))
        wall = time.perf_counter() - started
        deadline = time.monotonic() + 300  # replies follow the 200s: wait for every one
        while len(sim.requests(path="/v2/bot/message/reply")) - before < events and time.monotonic() < deadline:
            time.sleep(0.05)
        replies = len(sim.requests(path="/v2/bot/message/reply")) - before
    return {
        "events": events,
        "replies": replies,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "events_per_s": events / wall,
    }


def main() -> None:
    """Print the figures for SQLite (and PostgreSQL when a URL is given)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.db'}", *args.database_url]
        for url in urls:
            figures = run(url, args.events, args.concurrency)
            kind = url.split(":", 1)[0]
            print(
                f"{kind:>10}: {figures['events']} events, {figures['replies']} replies at concurrency "
                f"{args.concurrency}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
                f"max {figures['max_ms']:.1f} ms, {figures['events_per_s']:.1f} events/s"
            )


if __name__ == "__main__":
    main()
