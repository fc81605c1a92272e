"""Rate limits hold across workers: counts live in the database (or Redis), not in one process's memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits import parse
from sqlalchemy import func, select

from app import ConfigError, Settings, create_app
from bot.rate_limits import BAD_SIGNATURE_LIMIT, LOGIN_ATTEMPTS_PER_IP
from handlers.rate_counters import RateCounter, drop_ended, hit
from tests.conftest import Line, make_settings
from tests.console.conftest import csrf_of
from tests.fakes import FakeMessenger, body_of, text_event

ROOT = Path(__file__).resolve().parents[2]


def _app(database_url: str, kb_dir: Path, **overrides: object) -> Flask:
    return create_app(make_settings(database_url, knowledge_dir=kb_dir, **overrides), messenger=FakeMessenger())


@pytest.fixture
def two_workers(database_url: str, kb_dir: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on one database, each with its own Limiter and memory, as two gunicorn workers are."""
    apps = (_app(database_url, kb_dir), _app(database_url, kb_dir))
    yield apps
    for application in apps:
        application.extensions["iao_worker"].stop()
        application.extensions["iao"].engine.dispose()


def _wrong_logins(client: FlaskClient, times: int) -> list[int]:
    statuses = []
    for i in range(times):
        token = csrf_of(client)
        statuses.append(client.post("/console/login", data={"username": "nobody", "password": f"wrong-{i}",
                                                             "csrf_token": token}).status_code)
    return statuses


def test_two_workers_share_one_login_allowance(two_workers: tuple[Flask, Flask]) -> None:
    first, second = two_workers
    assert first.extensions["limiter"] != second.extensions["limiter"]  # nothing shared in memory
    spent = LOGIN_ATTEMPTS_PER_IP - 10
    assert _wrong_logins(first.test_client(), spent) == [401] * spent
    rest = _wrong_logins(second.test_client(), 12)
    assert rest == [401] * 10 + [429, 429]  # the second worker knows what the first one counted
    refused = _wrong_logins(first.test_client(), 1)
    assert refused == [429]
    page = second.test_client()
    token = csrf_of(page)
    body = page.post("/console/login", data={"username": "x", "password": "y", "csrf_token": token})
    assert "พยายามเข้าสู่ระบบหลายครั้งเกินไป" in body.get_data(as_text=True)


def test_with_per_process_memory_each_worker_would_add_its_own_allowance(database_url: str, kb_dir: Path) -> None:
    """The failure mode the database storage removes (memory:// is refused in production)."""
    apps = [_app(database_url, kb_dir, ratelimit_storage_uri="memory://") for _ in range(2)]
    try:
        assert _wrong_logins(apps[0].test_client(), LOGIN_ATTEMPTS_PER_IP) == [401] * LOGIN_ATTEMPTS_PER_IP
        assert _wrong_logins(apps[1].test_client(), 5) == [401] * 5  # 35 guesses from one address got through
    finally:
        for application in apps:
            application.extensions["iao_worker"].stop()
            application.extensions["iao"].engine.dispose()


def test_bad_webhook_signatures_are_counted_across_workers(two_workers: tuple[Flask, Flask]) -> None:
    allowed = parse(BAD_SIGNATURE_LIMIT).amount
    body = body_of(text_event("U" + "d" * 32, "x"))
    first, second = (a.test_client() for a in two_workers)
    bad = {"X-Line-Signature": "bad"}
    assert [first.post("/callback", data=body, headers=bad).status_code for _ in range(allowed)] == [400] * allowed
    refused = second.post("/callback", data=body, headers=bad)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


PROCESS = textwrap.dedent("""
    import sys, time
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter
    from bot.rate_limits import DatabaseStorage
    from handlers.db import make_engine, make_session_factory
    url, start, tries = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    engine = make_engine(url)
    limiter = FixedWindowRateLimiter(DatabaseStorage(sessions=make_session_factory(engine)))
    item = parse("30 per 5 minutes")
    while time.time() < start:
        time.sleep(0.005)
    print(sum(limiter.hit(item, "login", "203.0.113.9") for _ in range(tries)))
""")


def test_two_processes_hitting_at_once_get_exactly_the_limit_between_them(two_workers: tuple[Flask, Flask],
                                                                         database_url: str) -> None:
    """Two OS processes, started together, 40 hits each on a 30-hit limit: 30 pass in all, not 60."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", PROCESS, database_url, str(start), "40"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in results]
    passed = [int(out.strip()) for out, _ in results]
    assert sum(passed) == 30, passed


def test_a_window_restarts_when_it_ends_and_ended_windows_are_swept(two_workers: tuple[Flask, Flask]) -> None:
    sessions = two_workers[0].extensions["iao"].sessions
    with sessions.begin() as session:
        assert [hit(session, "k", 60, now=100.0) for _ in range(3)] == [1, 2, 3]
        assert hit(session, "k", 60, now=160.0) == 1  # the window of 100..160 ended
        hit(session, "old", 10, now=100.0)
        assert drop_ended(session, now=150.0) == 1
        assert session.scalar(select(func.count()).select_from(RateCounter)) == 1


def test_the_storage_is_a_setting() -> None:
    base = {"IAO_ENV": "production", "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t",
            "SECRET_KEY": "k"}
    assert Settings.from_env(base).ratelimit_storage_uri == "database"
    redis = Settings.from_env({**base, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert redis.ratelimit_storage_uri == "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        Settings.from_env({**base, "RATELIMIT_STORAGE_URI": "sqlite:///x.db"})
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI=memory"):
        Settings.from_env({**base, "RATELIMIT_STORAGE_URI": "memory://"})
    assert Settings.from_env({"IAO_ENV": "test", "RATELIMIT_STORAGE_URI": "memory://"}).ratelimit_storage_uri \
        == "memory://"


def test_signed_webhook_events_never_touch_the_counters(app: Flask, line: Line) -> None:
    """Only badly signed requests are counted: LINE's own traffic costs no limiter write."""
    for i in range(5):
        assert line.post(text_event("U" + "e" * 32, f"ตม.30 คืออะไร {i}")) == 200
    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RateCounter)) == 0
    app.test_client().post("/callback", data=b"{}", headers={"X-Line-Signature": "bad"})
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RateCounter)) == 1
