"""Finding #10: the lock-out holds under parallel guessing (one atomic counter, not read-then-write)."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from handlers import officers
from handlers.officers import AuditLog
from tests.console.conftest import add_officer

GUESSES = 48


def _guess(app: Flask, password: str) -> bool:
    """One login attempt as the console makes it; True when the password was let through."""
    return officers.authenticate(app.extensions["iao"].sessions, "somchai", password) is not None


def test_48_parallel_wrong_guesses_try_at_most_five_passwords(app: Flask) -> None:
    add_officer(app)
    start = threading.Barrier(GUESSES)
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        start.wait()
        try:
            _guess(app, f"wrong-guess-number-{i}")
        except BaseException as error:  # noqa: BLE001 - a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    with app.extensions["iao"].sessions() as db:
        details = db.scalars(select(AuditLog.detail).where(AuditLog.action == "login-failed")).all()
    tried = [d for d in details if d and d.startswith("wrong password")]
    assert len(details) == GUESSES
    assert len(tried) <= officers.MAX_FAILURES, f"{len(tried)} passwords were checked"
    assert not _guess(app, "correct horse battery")  # and the account is locked now
