"""Issue 11: exporting and forgetting a person is one implementation (handlers/privacy.py) that `flask user ...`
and the console's privacy page both call, audited under who asked.
"""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.officers import AuditLog
from tests.conftest import Line
from tests.console.conftest import ASKER, HANDED_OFF, add_officer, hand_off, login, token_on


def _admin(app: Flask) -> FlaskClient:
    add_officer(app, "admin1", role="admin")
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    return client


def test_console_export_is_the_cli_export_and_forget_reaches_the_same_data(app: Flask, line: Line) -> None:
    hand_off(app, line)
    client = _admin(app)
    token = token_on(client, "/console/privacy")
    response = client.post("/console/privacy/export", data={"csrf_token": token, "line_user_id": ASKER})
    assert response.status_code == 200 and response.mimetype == "application/json"
    from_console = json.loads(response.data)
    cli = app.test_cli_runner().invoke(args=["user", "export", ASKER])
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(cli.output)
    from_console.pop("exported_at", None), from_cli.pop("exported_at", None)
    assert from_console == from_cli and HANDED_OFF in response.get_data(as_text=True)

    refused = client.post("/console/privacy/forget", data={"csrf_token": token, "line_user_id": ASKER},
                          follow_redirects=True)
    assert "กรุณาติ๊กยืนยัน" in refused.get_data(as_text=True)
    done = client.post("/console/privacy/forget", data={"csrf_token": token, "line_user_id": ASKER, "confirm": "1"},
                       follow_redirects=True)
    assert "ลบข้อมูลส่วนบุคคลของผู้ใช้" in done.get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["user", "export", ASKER]).exit_code == 1  # forgotten for the CLI too
    with app.extensions["iao"].sessions() as session:
        rows = session.execute(select(AuditLog.action, AuditLog.username)
                               .where(AuditLog.action.in_(("user-export", "user-forget")))
                               .order_by(AuditLog.id)).all()
    assert [a for a, _ in rows] == ["user-export", "user-export", "user-forget"]
    assert rows[0][1] == "admin1" and rows[1][1].startswith("cli:") and rows[2][1] == "admin1"


def test_only_admins_see_the_privacy_page(app: Flask, officer_client: FlaskClient) -> None:
    assert officer_client.get("/console/privacy").status_code == 403
