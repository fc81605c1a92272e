"""`flask club ...`: add, remind within the tips path, list as JSON; bad input exits 1 naming each fault."""

from __future__ import annotations

import datetime as dt
import json

from flask import Flask

from handlers.clock import BANGKOK


def test_add_remind_and_list(app: Flask) -> None:
    runner = app.test_cli_runner()
    day = (dt.datetime.now(BANGKOK) + dt.timedelta(days=9)).date()
    bad = runner.invoke(args=["club", "add", "--date", day.isoformat(), "--topic", "ทักทาย", "--link", "meet"])
    assert bad.exit_code == 1 and "https://" in bad.output
    added = runner.invoke(args=["club", "add", "--date", day.isoformat(), "--topic", "ทักทาย", "--time", "9.30",
                                "--link", "https://meet.example.org/a", "--json"])
    assert added.exit_code == 0, added.output
    session_id = json.loads(added.output)["id"]
    again = runner.invoke(args=["club", "add", "--date", day.isoformat(), "--topic", "ซ้ำ",
                                "--link", "https://meet.example.org/b"])
    assert again.exit_code == 1 and "มีกิจกรรมวันที่" in again.output
    late = runner.invoke(args=["club", "remind", str(session_id)])  # 09:00 on the day, before 09:30
    assert late.exit_code == 0, late.output
    sends = json.loads(runner.invoke(args=["broadcast", "list", "--json"]).output)
    assert [s["status"] for s in sends] == ["scheduled"] and sends[0]["scheduled_at"].endswith("T09:00:00+07:00")
    listed = json.loads(runner.invoke(args=["club", "list", "--json"]).output)
    assert listed[0]["starts_at"] == "09:30" and listed[0]["reminder_broadcast_id"] == sends[0]["id"]
    assert listed[0]["status"] == "planned" and listed[0]["registrations"] == 0
    early = runner.invoke(args=["club", "attendance", str(session_id), "--district", "1004=2"])
    assert early.exit_code == 1 and "หลังวันจัดกิจกรรม" in early.output
