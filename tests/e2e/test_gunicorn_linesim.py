"""End to end: gunicorn runs the app, and the real LINE SDK talks HTTP to the LINE simulator."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from handlers.models import Interaction, LineUser, ProcessedEvent
from linesim.client import SimClient
from tests.conftest import SMALL_KB
from tests.fakes import body_of, sign, text_event
from tests.servers import SECRET, Stack, bot_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    """Two gunicorn workers and the simulator, on SQLite and PostgreSQL."""
    with bot_stack(database_url, workers=2, knowledge_dir=SMALL_KB) as running_stack:
        yield running_stack


def wait_for_texts(sim: SimClient, user: str, at_least: int, timeout: float = 20.0) -> list[str]:
    """The bot answers after its 200 (events are stored first, handled next): wait for the replies.

    Each is what the user reads: a text message's text, an answer card's texts and labels."""
    deadline = time.monotonic() + timeout
    while True:
        texts = sim.readable(user)
        if len(texts) >= at_least or time.monotonic() > deadline:
            return texts
        time.sleep(0.05)


def _count(url: str, model: type, *where: object) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())
    finally:
        engine.dispose()


def test_follow_register_and_ask_through_the_real_sdk(stack: Stack) -> None:
    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก")["userId"]
    assert sim.follow(user)["status"] == 200
    texts = wait_for_texts(sim, user, 3)
    assert any("@IAO" in t for t in texts) and any("สำนักงานเขตใด" in t for t in texts)
    assert sim.send_text(user, "เขต บางรัก")["status"] == 200
    assert "บางรัก" in wait_for_texts(sim, user, 4)[-1]
    assert sim.send_text(user, "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง")["status"] == 200
    assert "24 ชั่วโมง" in wait_for_texts(sim, user, 5)[-1]
    answer = sim.messages(user)[-1]["messages"][-1]  # the answer came as a card, its altText in Thai
    assert answer["type"] == "flex" and answer["altText"].startswith("คำตอบจาก @IAO เรื่อง")
    # the display name came from the profile API, replies went by the free reply API, nothing was pushed
    assert sim.requests(path="/v2/bot/message/push") == []
    assert len(sim.requests(path="/v2/bot/message/reply")) == 3
    engine = create_engine(stack.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(select(LineUser.display_name)).scalar_one() == "เจ้าหน้าที่เขตบางรัก"
    engine.dispose()


def test_redelivery_through_the_simulator_is_not_answered_twice(stack: Stack) -> None:
    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตสาทร", follow=True)["userId"]
    sent = sim.send_text(user, "บัตรสีชมพูหายทำยังไง")
    before = len(wait_for_texts(sim, user, 1))
    assert sim.redeliver(sent["webhookEventId"])["status"] == 200
    time.sleep(1.0)
    assert before >= 1 and len(sim.readable(user)) == before
    assert _count(stack.database_url, Interaction, Interaction.webhook_event_id == sent["webhookEventId"],
                  Interaction.direction == "in") == 1


def test_same_event_posted_concurrently_to_two_workers_is_handled_once(stack: Stack) -> None:
    event = text_event("U" + "b" * 32, "สถานทูตญี่ปุ่นอยู่ที่ไหน")
    body = body_of(event)
    headers = {"X-Line-Signature": sign(body, SECRET), "Content-Type": "application/json"}

    def post(_: int) -> int:
        return requests.post(f"{stack.bot_url}/callback", data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(16)))
    assert set(statuses) == {200}
    time.sleep(2.0)  # handled after the 200s
    assert _count(stack.database_url, ProcessedEvent) == 1
    assert _count(stack.database_url, Interaction, Interaction.direction == "in") == 1
    # one reply attempt reached LINE; the token is not one LINE issued, so LINE refused it (400, not retried)
    # and the answer went by push instead, once
    assert len(SimClient(stack.sim_url).requests(path="/v2/bot/message/reply")) == 1
    assert len(SimClient(stack.sim_url).requests(path="/v2/bot/message/push")) == 1


def test_bad_requests_from_outside(stack: Stack) -> None:
    url = f"{stack.bot_url}/callback"
    body = json.dumps({"events": []}).encode()
    assert requests.post(url, data=body, headers={"X-Line-Signature": sign(body, SECRET)}).status_code == 200
    assert requests.post(url, data=body, headers={"X-Line-Signature": "AAAA"}).status_code == 400
    assert requests.post(url, data=body).status_code == 400
    junk = b"{" * 100
    assert requests.post(url, data=junk, headers={"X-Line-Signature": sign(junk, SECRET)}).status_code == 400
    big = b'{"events":[],"x":"' + b"a" * (3 * 1024 * 1024) + b'"}'
    assert requests.post(url, data=big, headers={"X-Line-Signature": sign(big, SECRET)}).status_code == 413


def test_production_start_without_a_secret_names_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    env = {"IAO_ENV": "production", "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "LINE_CHANNEL_ACCESS_TOKEN": "t", "SECRET_KEY": "k", "PYTHAINLP_OFFLINE": "1"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", "from app import create_app; create_app()"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "LINE_CHANNEL_SECRET" in result.stderr
    assert time.monotonic() - started < 120


def _worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes (children of the master)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_workers_killed_mid_burst_lose_nothing_and_send_nothing_twice(stack: Stack) -> None:
    """SIGKILL every worker right after LINE got its 200: the respawned workers finish every event once."""
    sim = SimClient(stack.sim_url)
    users = [sim.add_user(f"เจ้าหน้าที่ {i}", follow=True)["userId"] for i in range(3)]
    events = [text_event(users[i % 3], q) for i in range(10)
              for q in ("ตม.30 คืออะไร", "บัตรสีชมพูหายทำยังไง", "สถานทูตญี่ปุ่นอยู่ที่ไหน")]
    body = body_of(*events)
    response = requests.post(f"{stack.bot_url}/callback", data=body,
                             headers={"X-Line-Signature": sign(body, SECRET)}, timeout=30)
    assert response.status_code == 200
    for pid in _worker_pids(stack.bot_pid):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if _count(stack.database_url, Interaction, Interaction.direction == "in") >= len(events):
            break
        time.sleep(0.5)
    time.sleep(3)
    assert _count(stack.database_url, ProcessedEvent) == len(events)
    assert _count(stack.database_url, Interaction, Interaction.direction == "in") == len(events)
    # every answer reached LINE once: these tokens were not issued by LINE, so each went by push, one per event
    pushes = sim.requests(path="/v2/bot/message/push")
    keys = [p["headers"].get("X-Line-Retry-Key") for p in pushes if p["status"] in (200, 409)]
    assert len({k for k in keys}) == len(events)
    assert sum(1 for p in pushes if p["status"] == 200) == len(events)
