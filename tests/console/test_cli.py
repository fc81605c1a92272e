"""`flask --app app create-officer`: the first account, then signing in with it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.officers import Officer
from tests.console.conftest import login


def test_create_officer_from_stdin_then_log_in(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-officer", "Admin.One", "--admin", "--password-stdin"],
                           input="a long admin password\n")
    assert result.exit_code == 0, result.output
    assert "created admin admin.one" in result.output
    with app.extensions["iao"].sessions() as db:
        officer = db.scalars(select(Officer)).one()
        assert officer.role == "admin" and "long" not in officer.password_hash
    assert login(client, "admin.one", "a long admin password").status_code == 302


def test_create_officer_refuses_weak_passwords_and_duplicates(app: Flask) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-officer", "nida", "--password-stdin"], input="short\n")
    assert weak.exit_code != 0 and "อย่างน้อย" in weak.output
    ok = runner.invoke(args=["create-officer", "nida", "--password-stdin"], input="long enough password\n")
    assert ok.exit_code == 0
    again = runner.invoke(args=["create-officer", "nida", "--password-stdin"], input="long enough password\n")
    assert again.exit_code != 0
