"""Throughput of the webhook against a bare Flask endpoint under the same gunicorn settings (issue 7).

Run: .venv/bin/python -m benchmarks.bench_throughput [--events 400] [--database-url URL ...]
Signed question events go linesim -> POST /callback at concurrency 8. The same run then points linesim
at a bare Flask endpoint (benchmarks/bare_app.py) served by gunicorn with the same settings, and prints
the ratio of events per second. It also waits for every reply to reach the simulator, and prints the
end-to-end rate (event in, reply out) next to the acknowledgement rate.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_webhook import QUESTIONS, percentile
from linesim.client import SimClient
from tests.servers import VENV_BIN, bot_stack, free_port, running


def drive(sim: SimClient, users: list[str], events: int, concurrency: int) -> tuple[list[float], float]:
    """Send `events` questions through the simulator; latencies (ms) to the webhook's 200, and wall time."""
    def one(i: int) -> float:
        started = time.perf_counter()
        result = sim.send_text(users[i % len(users)], QUESTIONS[i % len(QUESTIONS)])
        if result["status"] != 200:
            raise RuntimeError(f"webhook answered {result['status']}")
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(events)))
    return latencies, time.perf_counter() - started


def run(database_url: str, events: int, concurrency: int, workers: int, semantic: str) -> None:
    """Measure the bot, then the bare endpoint, in one run, and print both with their ratio."""
    with bot_stack(database_url, workers=workers, extra_env={"IAO_SEMANTIC": semantic}) as stack:
        sim = SimClient(stack.sim_url)
        users = [sim.add_user(f"เจ้าหน้าที่ {i}", follow=True)["userId"] for i in range(concurrency * 2)]
        for user in users:
            sim.send_text(user, "บางรัก")
        time.sleep(2)
        replies_before = len(sim.requests(path="/v2/bot/message/reply"))
        started = time.perf_counter()
        latencies, wall = drive(sim, users, events, concurrency)
        deadline = time.monotonic() + 300
        while len(sim.requests(path="/v2/bot/message/reply")) - replies_before < events:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        replies = len(sim.requests(path="/v2/bot/message/reply")) - replies_before
        e2e_rate = replies / (time.perf_counter() - started)
        bot = {"rate": events / wall, "p50": statistics.median(latencies), "p95": percentile(latencies, 95)}

        bare_port = free_port()
        bare_cmd = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{bare_port}", "--workers", str(workers),
                    "benchmarks.bare_app:create_bare_app()"]
        with running(bare_cmd, {}, f"http://127.0.0.1:{bare_port}/healthz"):
            sim.config(webhook_url=f"http://127.0.0.1:{bare_port}/callback")
            bare_latencies, bare_wall = drive(sim, users, events, concurrency)
        bare = {"rate": events / bare_wall, "p50": statistics.median(bare_latencies),
                "p95": percentile(bare_latencies, 95)}
    kind = database_url.split(":", 1)[0]
    print(f"{kind:>10}: bot  {bot['rate']:.1f} events/s, p50 {bot['p50']:.1f} ms, p95 {bot['p95']:.1f} ms "
          f"(replies at the simulator: {replies}/{events}; end to end {e2e_rate:.1f} events/s)")
    print(f"{'':>10}  bare {bare['rate']:.1f} events/s, p50 {bare['p50']:.1f} ms, p95 {bare['p95']:.1f} ms")
    print(f"{'':>10}  ratio bot/bare = {bot['rate'] / bare['rate']:.2f} (target >= 0.5); "
          f"gunicorn --workers {workers}, concurrency {concurrency}, IAO_SEMANTIC={semantic}")


def main() -> None:
    """Print the figures for SQLite and each PostgreSQL URL given."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", action="append", default=[])
    parser.add_argument("--semantic", choices=["auto", "on", "off"], default="auto",
                        help="the e5 channel costs ~25 ms of CPU per question")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for url in [f"sqlite:///{Path(tmp) / 'bench.db'}", *args.database_url]:
            if url.startswith("sqlite"):
                Path(tmp, "bench.db").unlink(missing_ok=True)
            run(url, args.events, args.concurrency, args.workers, args.semantic)


if __name__ == "__main__":
    main()
