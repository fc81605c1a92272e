"""How much an event costs besides matching (issue 11, Deliver 7): both measured in one run on one machine.

Run: .venv/bin/python -m benchmarks.bench_pipeline [--events 300] [--workers 2] [--semantic auto|on|off]

1. *Matching alone*: `--workers` processes each load the real knowledge base and its matcher and decide the
   benchmark's questions as fast as they can; their summed rate is the ceiling for the whole bot.
2. *Saturated end to end*: signed question events from linesim to `gunicorn "app:create_app()"` with
   `--workers` workers at concurrency 8; the rate counts an event once its reply has reached linesim.
3. *Paced at 10 events/s*: the time from sending an event to its reply reaching linesim, p50 and p95.

The figure the issue asks for is (2) / (1), target >= 0.7, and the p95 of (3), target < 100 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_webhook import QUESTIONS, percentile
from linesim.client import SimClient
from tests.servers import bot_stack

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (from /proc), in seconds."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def children(pid: int) -> list[int]:
    """The gunicorn workers: processes whose parent is the master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _match_worker(count: int, semantic: str, ready: object, start: object, out: object) -> None:
    """One process: load the matcher as the bot does, then decide `count` questions once told to start."""
    import os

    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
    from knowledge.base import load_knowledge_base
    from knowledge.matcher import Matcher

    kb = load_knowledge_base(ROOT / "knowledge" / "entries")
    matcher = Matcher(kb, semantic=None if semantic == "auto" else semantic == "on")
    for question in QUESTIONS:  # warm caches as a running worker's are
        matcher.decide(question)
    ready.set()  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    started = time.perf_counter()
    cpu = time.process_time()
    for i in range(count):
        matcher.decide(f"{QUESTIONS[i % len(QUESTIONS)]} {i}")
    cpu = time.process_time() - cpu
    out.put((count, time.perf_counter() - started, cpu))  # type: ignore[attr-defined]


def matching_rate(workers: int, count: int, semantic: str) -> tuple[float, float]:
    """Questions decided per second by `workers` processes together (matching and nothing else), and the CPU
    seconds one question costs."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    readies = [ctx.Event() for _ in range(workers)]
    procs = [ctx.Process(target=_match_worker, args=(count, semantic, r, start, out)) for r in readies]
    for proc in procs:
        proc.start()
    for ready in readies:
        ready.wait(600)
    started = time.perf_counter()
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return sum(r[0] for r in results) / wall, sum(r[2] for r in results) / sum(r[0] for r in results)


def end_to_end(database_url: str, workers: int, events: int, semantic: str) -> tuple[float, float, list[float]]:
    """Saturated events per second (event sent to reply at linesim) and the bot's CPU seconds per event (its
    gunicorn workers only, not linesim or this driver), then reply latencies paced at 10/s."""
    with bot_stack(database_url, workers=workers, extra_env={"IAO_SEMANTIC": semantic}) as stack:
        sim = SimClient(stack.sim_url)
        users = [sim.add_user(f"เจ้าหน้าที่ {i}", follow=True)["userId"] for i in range(16)]
        for user in users:  # register districts and warm every worker
            sim.send_text(user, "บางรัก")
        time.sleep(3)
        replies_before = len(sim.requests(path="/v2/bot/message/reply"))
        workers_pids = children(stack.bot_pid)
        cpu_before = cpu_seconds(workers_pids)
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: sim.send_text(users[i % 16], f"{QUESTIONS[i % len(QUESTIONS)]} {i}"),
                          range(events)))
        deadline = time.monotonic() + 300
        while len(sim.requests(path="/v2/bot/message/reply")) - replies_before < events:
            if time.monotonic() > deadline:
                raise RuntimeError("not every event was answered")
            time.sleep(0.02)
        rate = events / (time.perf_counter() - started)
        bot_cpu = (cpu_seconds(workers_pids) - cpu_before) / events

        time.sleep(2)
        sent: list[tuple[str, float]] = []
        paced = min(events, 150)
        for i in range(paced):  # one event every 100 ms; each user speaks every 1.6 s
            user = users[i % 16]
            sent.append((user, time.time() * 1000))
            sim.send_text(user, f"{QUESTIONS[i % len(QUESTIONS)]} ครั้งที่ {i}")
            time.sleep(max(0.0, 0.1 - (time.time() * 1000 - sent[-1][1]) / 1000))
        time.sleep(3)
        latencies: list[float] = []
        timelines = {user: sim.messages(user) for user in users}
        for user, at in sent:
            reply = next((d["at"] for d in timelines[user] if d["at"] >= at), None)
            if reply is not None:
                latencies.append(reply - at)
        if len(latencies) < paced:
            raise RuntimeError(f"only {len(latencies)} of {paced} paced events were answered")
        return rate, bot_cpu, latencies


def main() -> None:
    """Print matching alone, the saturated bot and their ratio, then the paced reply latency."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--semantic", choices=["auto", "on", "off"], default="auto")
    args = parser.parse_args()
    ceiling, match_cpu = matching_rate(args.workers, args.events, args.semantic)
    with tempfile.TemporaryDirectory() as tmp:
        rate, bot_cpu, latencies = end_to_end(f"sqlite:///{Path(tmp) / 'bench.db'}", args.workers, args.events,
                                              args.semantic)
    print(f"matching alone, {args.workers} processes: {ceiling:.1f} questions/s, {1000 * match_cpu:.1f} ms of CPU each")
    print(f"bot end to end, gunicorn --workers {args.workers}, saturated: {rate:.1f} events/s, wall ratio "
          f"{rate / ceiling:.2f} (linesim and this driver share the same cores)")
    print(f"bot's own CPU per event (its workers, from /proc): {1000 * bot_cpu:.1f} ms, of which outside matching "
          f"{1000 * (bot_cpu - match_cpu):.1f} ms; CPU ratio matching/bot {match_cpu / bot_cpu:.2f} (target >= 0.7)")
    print(f"paced at 10 events/s: reply p50 {statistics.median(latencies):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms (target < 100 ms); IAO_SEMANTIC={args.semantic}")


if __name__ == "__main__":
    main()
