"""Issue 11: closing a month is one use case (handlers/kpi/close.py), and `kpi close`, the console and the
scheduler all go through it: each waits for received webhook events, takes the quota from LINE_MONTHLY_QUOTA
(Settings) else from LINE, and leaves the same audit row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from handlers.clock import BANGKOK, utcnow
from handlers.kpi import close as closing
from handlers.kpi import current_record
from handlers.kpi.periods import previous_month
from handlers.officers import AuditLog
from handlers.webhook_queue import enqueue
from scheduler.jobs import JobDeps, install, run_installed_kpi_close
from tests.conftest import make_settings
from tests.console.conftest import add_officer, login, token_on
from tests.fakes import FakeMessenger, text_event

LINE_SAYS = 1500  # the plan's limit as GET /v2/bot/message/quota reports it


@pytest.fixture(params=[None, 1000], ids=["quota-from-line", "quota-from-setting"])
def quota_setting(request: pytest.FixtureRequest) -> int | None:
    return request.param


@pytest.fixture
def app(database_url: str, quota_setting: int | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app whose LINE reports a 1,500 quota, its event worker stopped with one event left pending."""
    messenger = FakeMessenger(quota_limit=LINE_SAYS)
    application = create_app(make_settings(database_url, line_monthly_quota=quota_setting), messenger=messenger)
    application.extensions["iao_worker"].stop()
    with application.extensions["iao"].sessions.begin() as session:
        enqueue(session, [("pending-event", json.dumps(text_event("U" + "d" * 32, "ตม.30 คืออะไร")))])
    monkeypatch.setattr(closing, "WAIT_SECONDS", 0.3)  # the wait is real, only shorter
    yield application
    application.extensions["iao"].engine.dispose()


def _close_by(caller: str, app: Flask) -> None:
    year, month = previous_month(utcnow())
    if caller == "cli":
        result = app.test_cli_runner().invoke(args=["kpi", "close", "--month", f"{year:04d}-{month:02d}"])
        assert result.exit_code == 0, result.output
        assert "1 received webhook event(s) are not handled yet" in result.output
    elif caller == "console":
        add_officer(app)
        client = app.test_client()
        assert login(client).status_code == 302
        token = token_on(client, "/console/kpi")
        page = client.post("/console/kpi/close", data={"csrf_token": token, "month": f"{year:04d}-{month:02d}"},
                           follow_redirects=True).get_data(as_text=True)
        assert "ยังไม่ได้ประมวลผล" in page  # the officer is told the count lacks an event
    else:
        services = app.extensions["iao"]
        install(JobDeps(sessions=services.sessions, messenger=services.messenger,
                        quota_setting=services.settings.line_monthly_quota))
        try:
            run_installed_kpi_close()
        finally:
            install(None)


@pytest.mark.parametrize("caller", ["cli", "console", "scheduler"])
def test_every_caller_closes_a_month_the_same_way(app: Flask, caller: str, quota_setting: int | None) -> None:
    _close_by(caller, app)
    year, month = previous_month(utcnow())
    with app.extensions["iao"].sessions() as session:
        record = current_record(session, f"{year:04d}-{month:02d}")
        [audit] = session.scalars(select(AuditLog).where(AuditLog.action == "kpi-close")).all()
    assert record is not None and record.version == 1
    expected = (LINE_SAYS, "line") if quota_setting is None else (quota_setting, "setting")
    assert (record.figures["quota_limit"], record.figures["sources"]["quota_limit"]) == expected
    assert audit.target == f"month:{year:04d}-{month:02d}"
    assert f"via {caller}" in (audit.detail or "") and "1 event(s) not handled yet" in (audit.detail or "")
    assert f"quota {expected[0]} ({expected[1]})" in (audit.detail or "")
    assert audit.username == ("somchai" if caller == "console" else caller)
    assert record.closed_at.astimezone(BANGKOK).date() == utcnow().astimezone(BANGKOK).date()


def test_line_unreachable_falls_back_to_the_free_plan() -> None:
    messenger = FakeMessenger()
    quota = closing.month_quota(messenger, quota_setting=None)
    assert quota == (300, "line")  # the fake LINE reports 300

    class Down(FakeMessenger):
        def quota(self):  # type: ignore[no-untyped-def]
            from handlers.ports import DeliveryError
            raise DeliveryError("LINE quota failed with HTTP 503", status=503, retryable=True)

    assert closing.month_quota(Down(), quota_setting=None) == (300, "default")
    assert closing.month_quota(Down(), quota_setting=None, explicit=50) == (50, "option")
