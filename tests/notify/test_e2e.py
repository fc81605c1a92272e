"""End to end: a signed webhook from linesim, through the real SDK in gunicorn, is handed over, and the officer
on duty's mail arrives at a real SMTP server (aiosmtpd) from `notify send-due` and from the clock's job."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, select

from handlers.models import Interaction
from linesim.client import SimClient
from tests.conftest import SMALL_KB
from tests.notify.conftest import body
from tests.servers import bot_stack, free_port, run_flask
from tests.smtpd import SmtpServer, notice_env

pytestmark = pytest.mark.e2e

PASSWORD = "e2e officer password"
OFFICER_MAIL = "e2e.officer@iao.example.go.th"
# Urgent wording, so the mail goes out whatever the hour the test runs (a routine one waits for office hours:
# tests/notify/test_notices.py holds that with a fixed clock).
URGENT = "ถามเจ้าหน้าที่ ด่วนค่ะ ชาวต่างชาติประสบอุบัติเหตุหน้าสำนักงานเขต ต้องแจ้งสถานทูตอย่างไร"


def wait_for_handoff_reply(sim: SimClient, user: str, timeout: float = 30.0) -> list[str]:
    """The bot answers after its 200: wait until it said the question went to an officer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = sim.texts(user)
        if any("ส่งเรื่องให้เจ้าหน้าที่" in t for t in texts):
            return texts
        time.sleep(0.1)
    return sim.texts(user)


def handed_off_ids(database_url: str) -> list[int]:
    """The handed-over questions in the stack's database."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Interaction.id).where(Interaction.handoff.is_(True),
                                                                  Interaction.direction == "in")).scalars())
    finally:
        engine.dispose()


def test_a_handoff_through_the_real_sdk_reaches_the_officer_on_duty_by_mail(
        database_url: str, smtp_server: SmtpServer) -> None:
    port = free_port()
    env = notice_env(smtp_server, f"http://127.0.0.1:{port}")
    with bot_stack(database_url, workers=2, knowledge_dir=SMALL_KB, extra_env=env, bot_port=port) as stack:
        made = run_flask(stack.database_url, "create-officer", "e2e.officer", "--password-stdin", "--email",
                         OFFICER_MAIL, "--on-duty", env=env, stdin=PASSWORD + "\n", knowledge_dir=SMALL_KB)
        assert made.returncode == 0, made.stdout + made.stderr
        sim = SimClient(stack.sim_url)
        user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
        assert sim.send_text(user, URGENT)["status"] == 200  # linesim signs it; the bot's SDK checks and parses it
        assert any("ส่งเรื่องให้เจ้าหน้าที่" in t for t in wait_for_handoff_reply(sim, user))
        [question] = handed_off_ids(stack.database_url)

        sent = run_flask(stack.database_url, "notify", "send-due", "--json", env=env, knowledge_dir=SMALL_KB)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        report = json.loads(sent.stdout.strip().splitlines()[-1])
        assert (report["sent"], report["questions"]) == (1, 1)
        [(recipients, mail)] = smtp_server.sink.wait_for(1)
        assert recipients == [OFFICER_MAIL]
        assert mail["Subject"] == "[@IAO] ด่วน: มีคำถามรอเจ้าหน้าที่ 1 เรื่อง"
        text = body(mail)
        assert f"http://127.0.0.1:{port}/console/inbox/{question}\n" in text and "ประสบอุบัติเหตุ" in text
        assert user not in text and "เจ้าหน้าที่เขตบางรัก" not in text  # neither the LINE id nor the display name

        again = run_flask(stack.database_url, "notify", "send-due", "--json", env=env, knowledge_dir=SMALL_KB)
        assert json.loads(again.stdout.strip().splitlines()[-1])["sent"] == 0
        assert len(smtp_server.sink.received) == 1
