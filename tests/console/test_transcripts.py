"""Conversations and the monthly export: user ids pseudonymised unless an admin asks for real ones."""

from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from handlers.clock import BANGKOK
from handlers.inbox.transcripts import pseudonym
from handlers.models import Interaction
from handlers.officers import AuditLog
from tests.conftest import Line
from tests.console.conftest import ASKER, HANDED_OFF, add_officer, hand_off, login, token_on
from tests.fakes import text_event


def this_month(app: Flask) -> str:
    with app.extensions["iao"].sessions() as db:
        return db.scalars(select(Interaction.occurred_at)).first().astimezone(BANGKOK).strftime("%Y-%m")  # type: ignore[union-attr]


def test_transcript_and_search(app: Flask, officer_client: FlaskClient, line: Line) -> None:
    hand_off(app, line)
    people = officer_client.get("/console/conversations").get_data(as_text=True)
    assert "/console/conversations/1" in people
    transcript = officer_client.get("/console/conversations/1").get_data(as_text=True)
    assert HANDED_OFF in transcript and "ส่งต่อเจ้าหน้าที่" in transcript
    found = officer_client.get("/console/conversations?q=ใบอนุญาตขับขี่").get_data(as_text=True)
    assert HANDED_OFF in found
    assert "ไม่พบข้อความ" in officer_client.get("/console/conversations?q=100%25_").get_data(as_text=True)


def test_export_csv_pseudonymises_user_ids(app: Flask, officer_client: FlaskClient, line: Line) -> None:
    hand_off(app, line)
    assert line.post(text_event(ASKER, "=HYPERLINK(\"http://evil\")")) == 200
    month = this_month(app)
    token = token_on(officer_client, "/console/conversations")
    response = officer_client.post("/console/export", data={"csrf_token": token, "month": month, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    assert ASKER not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    expected = pseudonym(ASKER, "test-secret-key")
    assert rows and {r["user"] for r in rows} == {expected}
    assert any(r["text"] == HANDED_OFF and r["handoff"] == "1" for r in rows)
    assert any(r["text"].startswith("'=HYPERLINK") for r in rows)  # a formula is neutralised
    with app.extensions["iao"].sessions() as db:
        audit = db.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
        assert "pseudonymised" in (audit.detail or "")


def test_export_xlsx_and_real_ids_for_admins(app: Flask, client: FlaskClient, line: Line) -> None:
    hand_off(app, line)
    add_officer(app, "admin1", role="admin")
    login(client, "admin1")
    month = this_month(app)
    token = token_on(client, "/console/conversations")
    xlsx = client.post("/console/export", data={"csrf_token": token, "month": month, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][3] == "user" and ASKER not in str(values)
    assert any(HANDED_OFF in str(v) for v in values)
    real = client.post("/console/export", data={"csrf_token": token, "month": month, "format": "csv",
                                                "real_ids": "1"})
    assert ASKER in real.get_data().decode("utf-8-sig")
    assert client.post("/console/export", data={"csrf_token": token, "month": "2026-13",
                                                "format": "csv"}).status_code == 400
