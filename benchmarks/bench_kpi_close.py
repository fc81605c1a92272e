"""Benchmark: load 1,000,000 interactions in bulk and time close_month on SQLite and PostgreSQL.

PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_kpi_close.py [--rows N] [--months M]
TEST_DATABASE_URL=postgresql://user:pw@host/db  also runs it on a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402

from handlers.clock import BANGKOK
from handlers.db import make_engine, make_session_factory, upgrade_schema  # noqa: E402
from handlers.kpi import close_month  # noqa: E402
from handlers.models import LineUser  # noqa: E402

OUTCOMES = ("answer", "answer", "answer", "suggest", "handoff", "off_topic", "greeting", "registration", "menu")
CATEGORIES = ("immigration", "civil_registration", "consular", "tax_property", "work_permits", "english", None)
USERS = 2000
COLUMNS = (
    "occurred_at",
    "bkk_day",
    "user_id",
    "district_id",
    "direction",
    "kind",
    "text",
    "outcome",
    "answered_by",
    "entry_id",
    "category",
    "handoff",
    "in_reply_to_id",
    "delivery",
)


def rows(n: int, months: int, seed: int = 7) -> list[tuple[object, ...]]:
    """n log rows spread over the `months` Bangkok months ending November 2026 (half inbound)."""
    rng = random.Random(seed)
    end = dt.datetime(2026, 12, 1, tzinfo=BANGKOK)
    start = end - dt.timedelta(days=30 * months)
    span = (end - start).total_seconds()
    out = []
    for i in range(n):
        at = start + dt.timedelta(seconds=rng.random() * span)
        user = rng.randrange(1, USERS + 1)
        district = (user % 50) + 1
        day = at.astimezone(BANGKOK).date()
        utc = at.astimezone(dt.UTC).replace(tzinfo=None)
        if i % 2 == 0:
            outcome = rng.choice(OUTCOMES)
            kind = "follow" if i % 997 == 0 else ("feedback" if i % 41 == 0 else "text")
            if kind == "feedback":
                outcome = rng.choice(("feedback-up", "feedback-down"))
            out.append(
                (
                    utc,
                    day,
                    user,
                    district,
                    "in",
                    kind,
                    "คำถามทดสอบ",
                    outcome,
                    "bot" if outcome in ("answer", "greeting") else None,
                    f"e{rng.randrange(200)}",
                    rng.choice(CATEGORIES),
                    outcome == "handoff",
                    None,
                    None,
                )
            )
        else:
            officer = i % 23 == 1
            out.append(
                (
                    utc,
                    day,
                    user,
                    district,
                    "out",
                    "push" if officer else "reply",
                    "คำตอบ",
                    None,
                    "officer" if officer else "bot",
                    None,
                    None,
                    False,
                    None,
                    "sent",
                )
            )
    return out


def load(engine: Engine, data: list[tuple[object, ...]]) -> float:
    """Bulk load: COPY on PostgreSQL, executemany on SQLite; returns seconds."""
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            insert(LineUser),
            [
                {
                    "id": u,
                    "line_user_id": f"U{u:032d}",
                    "is_follower": True,
                    "district_id": (u % 50) + 1,
                    "role": "staff",
                    "awaiting_district": False,
                    "created_at": dt.datetime.now(dt.UTC),
                }
                for u in range(1, USERS + 1)
            ],
        )
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(f"COPY interactions ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in data:
                    copy.write_row(row)
            raw.commit()
            cursor.execute("ANALYZE interactions")
            raw.commit()
        finally:
            raw.close()
    else:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            marks = ", ".join("?" for _ in COLUMNS)
            buffer = [
                tuple(
                    v.isoformat(" ") if isinstance(v, dt.datetime) else (v.isoformat() if isinstance(v, dt.date) else v)
                    for v in row
                )
                for row in data
            ]
            cursor.executemany(f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES ({marks})", buffer)
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - started


def bench(url: str, data: list[tuple[object, ...]], label: str) -> None:
    """Fresh schema, bulk load, then time two closes of November 2026."""
    engine = make_engine(url)
    upgrade_schema(engine)
    loaded = load(engine, data)
    sessions = make_session_factory(engine)
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with sessions.begin() as session:
            counts = close_month(session, 2026, 11, dt.datetime.now(dt.UTC))
        timings.append(time.perf_counter() - started)
    print(
        f"{label}: loaded {len(data):,} interactions in {loaded:.1f} s; close_month 2026-11 "
        f"({counts.questions:,} questions, {counts.followers_total:,} followers): "
        f"{timings[0]:.2f} s, again {timings[1]:.2f} s  (target < 5 s)"
    )
    engine.dispose()


def main() -> None:
    """Run on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12, help="spread the rows over this many months")
    args = parser.parse_args()
    started = time.perf_counter()
    data = rows(args.rows, args.months)
    print(f"generated {len(data):,} rows over {args.months} month(s) in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/bench.db", data, "SQLite")
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        name = f"iao_bench_{os.getpid()}"
        admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench(url.rsplit("/", 1)[0] + "/" + name, data, "PostgreSQL")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
