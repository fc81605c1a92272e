"""The `flask --app app broadcast ...` commands, with the real SDK talking to the simulator."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from handlers.clock import BANGKOK, utcnow
from tests.broadcast.conftest import Sim
from tests.conftest import make_settings


@pytest.fixture
def sim_app(database_url: str, sim: Sim) -> Iterator[Flask]:
    """The real app (LineMessenger) pointed at the simulator."""
    application = create_app(make_settings(database_url, line_api_base_url=sim.url))
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


def cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_add_send_due_and_list_json(sim_app: Flask, sim: Sim) -> None:
    due = (utcnow() - dt.timedelta(minutes=1)).astimezone(BANGKOK).isoformat()
    for text in ("เกร็ด 1", "เกร็ด 2", "เกร็ด 3"):
        cli(sim_app, "broadcast", "add", "--at", due, "--text", text)
    cli(sim_app, "broadcast", "add", "--at", "2027-01-08T09:00", "--text", "ภายหลัง", "--text", "รวมส่ง")
    report = json.loads(cli(sim_app, "broadcast", "send-due", "--json"))
    assert (report["sent"], report["held"]) == ([1, 2], [3])
    items = json.loads(cli(sim_app, "broadcast", "list", "--json"))
    assert [i["status"] for i in items] == ["sent", "sent", "held_for_quota", "scheduled"]
    for item in items:
        assert {"id", "text", "scheduled_at", "status", "sent_at", "recipients", "messages_consumed"} <= set(item)
        assert item["scheduled_at"].endswith("+07:00")
    assert items[0]["recipients"] == items[0]["messages_consumed"] == 120
    assert items[0]["sent_at"].endswith("+07:00") and items[2]["sent_at"] is None
    assert items[3]["scheduled_at"] == "2027-01-08T09:00:00+07:00" and items[3]["messages"] == 2
    assert "held_for_quota" in cli(sim_app, "broadcast", "notices")
    assert [r["status"] for r in sim.client.requests(path="/v2/bot/message/broadcast")] == [200, 200]
    assert "cancelled" in cli(sim_app, "broadcast", "cancel", "4")


def test_plan_and_recurring_rules(sim_app: Flask, sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_QUOTA_RESERVE", "20")
    out = cli(sim_app, "broadcast", "add", "--every", "0 9 * * tue,fri", "--text", "เกร็ดอังคาร/ศุกร์")
    assert "recurs '0 9 * * tue,fri'" in out
    assert "fri#3" in cli(sim_app, "broadcast", "add", "--every", "english-club")
    plan = cli(sim_app, "broadcast", "plan", "--month", "2027-01")
    assert "One broadcast reaches 120 friend(s)" in plan
    assert "Target 6 tips a month" in plan and "DOES NOT FIT" in plan and "bundle" in plan
    data = json.loads(cli(sim_app, "broadcast", "plan", "--month", "2027-01", "--json"))
    assert data["planned_tips"] == 10 and data["available"] == 280 and data["max_broadcasts"] == 2
    assert not data["target_fits"]
    assert any(r["name"] == "bundle" and r["fits"] for r in data["remedies"])
    bad = sim_app.test_cli_runner().invoke(args=["broadcast", "add", "--every", "0 9 * *", "--text", "x"])
    assert bad.exit_code != 0 and "5 fields" in bad.output
