"""Issue 11: the retention purge is one implementation (handlers/privacy.purge_expired_text) for `privacy purge`
and the scheduler's daily job, and both leave the same audit row.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from handlers.officers import AuditLog
from scheduler.jobs import JobDeps, install, run_installed_purge


def test_cli_and_scheduler_purge_the_same_way(app: Flask) -> None:
    services = app.extensions["iao"]
    assert app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "30"]).exit_code == 0
    install(JobDeps(sessions=services.sessions, messenger=services.messenger, retention_days=30))
    try:
        run_installed_purge()
    finally:
        install(None)
    with services.sessions() as session:
        rows = session.execute(select(AuditLog.username, AuditLog.detail)
                               .where(AuditLog.action == "privacy-purge").order_by(AuditLog.id)).all()
    assert [u.split(":")[0] for u, _ in rows] == ["cli", "scheduler"]
    assert all((d or "").startswith("days=30; interactions=") for _, d in rows)
