"""#8: `user forget` reaches every table and file holding the person's words, and SQLite's free pages."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.kb.editor import KbChange
from handlers.officers import AuditLog
from tests.conftest import Line
from tests.console.conftest import ASKER, hand_off, token_on

QUESTION = "ชาวลาวชื่อนายบุญมีขอใบอนุญาตขับขี่สากลที่เขตบางรักได้ไหมคะ"
OFFICER_PHRASINGS = ["ขอใบขับขี่สากลที่เขตได้ไหม", "ใบอนุญาตขับขี่ระหว่างประเทศทำที่ไหน"]


def new_entry_form(client: FlaskClient, question_id: int) -> dict[str, str]:
    """The new-entry form pre-filled from a handed-off question, as a browser would post it back."""
    page = client.get(f"/console/kb/new?question={question_id}").get_data(as_text=True)
    form = page[page.index('class="card entry-form"'):]
    fields = dict(re.findall(r'<input (?:type="\w+" )?name="(\w+)" (?:id="\w+" )?value="([^"]*)"', form))
    fields.update(re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', form))
    fields.update(re.findall(r'<select name="(\w+)">.*?<option value="([^"]+)" selected', form, re.S))
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    return {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"') for k, v in fields.items()}


def test_forget_reaches_audit_history_drafts_and_free_pages(app: Flask, officer_client: FlaskClient, line: Line,
                                                            kb_dir: Path, database_url: str) -> None:
    question_id = hand_off(app, line, ASKER, QUESTION)
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/resolve",
                        data={"csrf_token": token, "note": f"ผู้ใช้ถามว่า {QUESTION} ตอบทางโทรศัพท์แล้ว"})
    fields = new_entry_form(officer_client, question_id)
    assert QUESTION in fields["questions_th"]
    fields.update(category_file="immigration.yaml", title_en="International driving permit",
                  questions_th="\n".join([fields["questions_th"], *OFFICER_PHRASINGS]),
                  answer_th="ขอใบอนุญาตขับขี่ระหว่างประเทศได้ที่กรมการขนส่งทางบก ไม่ใช่ที่สำนักงานเขต")
    response = officer_client.post("/console/kb/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    entry_id = fields["id"]
    with app.extensions["iao"].sessions() as db:
        assert any(QUESTION in (c.after_text or "") for c in db.scalars(select(KbChange)))
        assert any(QUESTION in (a.detail or "") for a in db.scalars(select(AuditLog)))

    result = app.test_cli_runner().invoke(args=["user", "forget", ASKER, "--yes"])
    assert result.exit_code == 0, result.output

    with app.extensions["iao"].sessions() as db:
        assert not [a.id for a in db.scalars(select(AuditLog)) if QUESTION in (a.detail or "")]
        assert not [c.id for c in db.scalars(select(KbChange))
                    if QUESTION in (c.after_text or "") + (c.before_text or "")]
        assert db.scalars(select(KbChange.entry_id)).all() == [entry_id]  # the history row stays, redacted
    for path in kb_dir.glob("*.yaml"):
        assert QUESTION not in path.read_text(encoding="utf-8"), path.name
    draft = next(e for e in yaml.safe_load((kb_dir / "immigration.yaml").read_text(encoding="utf-8"))["entries"]
                 if e["id"] == entry_id)
    assert draft["questions_th"] == OFFICER_PHRASINGS  # the officer's own work stays
    assert QUESTION[:40] not in draft["title_th"]
    assert officer_client.get(f"/console/kb/entry/{entry_id}").status_code == 200  # still editable
    if database_url.startswith("sqlite"):  # read while the app's connections are open, as in production
        database = Path(database_url.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                assert QUESTION[:20].encode() not in path.read_bytes(), path.name


def test_retention_reaches_resolution_notes_and_their_audit(app: Flask, officer_client: FlaskClient,
                                                            line: Line) -> None:
    """The retention job blanks old inbox notes and their audit details as it blanks old messages."""
    import datetime as dt

    from handlers.inbox.service import HandoffResolution
    from handlers.privacy import purge_text

    question_id = hand_off(app, line, ASKER, QUESTION)
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/resolve",
                        data={"csrf_token": token, "note": f"ผู้ใช้ถามว่า {QUESTION}"})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with app.extensions["iao"].sessions.begin() as db:
        purge_text(db, 1, later)
    with app.extensions["iao"].sessions() as db:
        assert db.get(HandoffResolution, question_id).note is None  # type: ignore[union-attr]
        assert not [a.id for a in db.scalars(select(AuditLog)) if QUESTION in (a.detail or "")]
