"""Knowledge-base curation: an edit lands in the YAML file, validated, with history, and the bot uses it at once."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.kb.editor import KbChange
from handlers.kb.library import Library
from handlers.officers import AuditLog
from tests.conftest import Line
from tests.console.conftest import hand_off, token_on
from tests.fakes import text_event

NEW_ANSWER = "แจ้ง ตม.30 ทางออนไลน์ได้ที่ระบบของสำนักงานตรวจคนเข้าเมือง ภายใน 24 ชั่วโมง (แก้ไขโดยเจ้าหน้าที่)"


def entry_form(client: FlaskClient, entry_id: str) -> dict[str, str]:
    """The edit form's fields as the page filled them (what a browser would post back)."""
    page = client.get(f"/console/kb/entry/{entry_id}").get_data(as_text=True)
    form = page[page.index('class="card entry-form"'):]
    fields = dict(re.findall(r'<input (?:type="\w+" )?name="(\w+)" (?:id="\w+" )?value="([^"]*)"', form))
    fields.update(re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', form))
    fields.update(re.findall(r'<select name="(\w+)">.*?<option value="([^"]+)" selected', form, re.S))
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    fields = {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"') for k, v in fields.items()}
    return fields


def test_edit_writes_the_yaml_reloads_the_bot_and_keeps_history(app: Flask, officer_client: FlaskClient,
                                                                 line: Line, kb_dir: Path) -> None:
    before_file = (kb_dir / "immigration.yaml").read_text(encoding="utf-8")
    fields = entry_form(officer_client, "tm30-basics")
    assert fields["expected"] and "ตม.30" in fields["questions_th"]
    fields["answer_th"] = NEW_ANSWER
    response = officer_client.post("/console/kb/entry/tm30-basics", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    after_file = (kb_dir / "immigration.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(after_file)
    entry = next(e for e in data["entries"] if e["id"] == "tm30-basics")
    assert entry["answer_th"].strip() == NEW_ANSWER
    # only that entry's block changed: the other entries are byte for byte as they were
    other = before_file[before_file.index("  - id: embassy-contact"):]
    assert other in after_file

    event = text_event("U" + "d" * 32, "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง")
    assert line.post(event) == 200
    assert any("แก้ไขโดยเจ้าหน้าที่" in t for t in line.replies(event))  # no restart needed

    with app.extensions["iao"].sessions() as db:
        change = db.scalars(select(KbChange)).one()
        assert (change.entry_id, change.action, change.username, change.file) == (
            "tm30-basics", "edit", "somchai", "immigration.yaml")
        assert "24 ชั่วโมง" in (change.before_text or "") and NEW_ANSWER in change.after_text
        assert "kb-edit" in db.scalars(select(AuditLog.action)).all()
    history = officer_client.get(f"/console/kb/history/{change.id}").get_data(as_text=True)
    assert "แก้ไขโดยเจ้าหน้าที่" in history


def test_an_invalid_edit_is_refused_and_the_file_is_untouched(officer_client: FlaskClient, kb_dir: Path) -> None:
    before = (kb_dir / "immigration.yaml").read_text(encoding="utf-8")
    fields = entry_form(officer_client, "tm30-basics")
    fields["questions_th"] = "ตม.30 คืออะไร"  # one phrasing: validation wants 3 to 8
    fields["sources"] = ""
    response = officer_client.post("/console/kb/entry/tm30-basics", data=fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "questions_th has 1 items" in page and "no sources" in page
    assert (kb_dir / "immigration.yaml").read_text(encoding="utf-8") == before


def test_a_stale_form_does_not_overwrite_a_newer_edit(officer_client: FlaskClient, kb_dir: Path) -> None:
    first = entry_form(officer_client, "tm30-basics")
    second = dict(first)
    first["answer_th"] = NEW_ANSWER
    assert officer_client.post("/console/kb/entry/tm30-basics", data=first).status_code == 302
    second["answer_th"] = "คำตอบเก่าที่ไม่ควรทับ"
    assert officer_client.post("/console/kb/entry/tm30-basics", data=second).status_code == 422
    assert NEW_ANSWER in (kb_dir / "immigration.yaml").read_text(encoding="utf-8")


def test_approve_sets_status_and_review_date(app: Flask, officer_client: FlaskClient, kb_dir: Path) -> None:
    library: Library = app.extensions["iao"].library
    assert library.current()[0].get("embassy-contact").status == "draft"  # type: ignore[union-attr]
    token = token_on(officer_client, "/console/kb/entry/embassy-contact")
    assert officer_client.post("/console/kb/entry/embassy-contact/approve",
                               data={"csrf_token": token}).status_code == 302
    entry = library.current()[0].get("embassy-contact")
    assert entry is not None and entry.status == "approved"
    raw = next(e for e in yaml.safe_load((kb_dir / "immigration.yaml").read_text())["entries"]
               if e["id"] == "embassy-contact")
    assert raw["status"] == "approved"
    with app.extensions["iao"].sessions() as db:
        change = db.scalars(select(KbChange)).one()
        assert change.action == "approve" and change.username == "somchai"


def test_a_question_and_answer_become_a_draft_entry(app: Flask, officer_client: FlaskClient, line: Line,
                                                    kb_dir: Path) -> None:
    question_id = hand_off(app, line)
    token = token_on(officer_client, "/console/inbox")
    officer_client.post(f"/console/inbox/{question_id}/answer", data={
        "csrf_token": token, "mode": "held", "text": "ใบขับขี่สากลออกโดยกรมการขนส่งทางบก"})
    page = officer_client.get(f"/console/kb/new?question={question_id}").get_data(as_text=True)
    assert "ใบขับขี่สากลออกโดยกรมการขนส่งทางบก" in page and "officer-" in page
    fields = {"csrf_token": token, "id": f"officer-license-{question_id}", "category_file": "immigration.yaml",
              "kind": "faq", "title_th": "ใบขับขี่สากลสำหรับชาวต่างชาติ", "title_en": "International driving permit",
              "questions_th": "ชาวต่างชาติขอใบอนุญาตขับขี่สากลที่เขตได้ไหม\nขอใบขับขี่สากลที่ไหน\n"
                              "ต่างชาติทำใบขับขี่ระหว่างประเทศ",
              "answer_th": "ใบขับขี่สากลออกโดยกรมการขนส่งทางบก", "answer_en": "",
              "sources": "สำนักงานการต่างประเทศ กรุงเทพมหานคร | คำตอบเจ้าหน้าที่", "related": "",
              "status": "draft", "reviewed_on": ""}
    response = officer_client.post("/console/kb/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    entry = app.extensions["iao"].library.current()[0].get(f"officer-license-{question_id}")
    assert entry is not None and entry.status == "draft" and entry.file == "immigration.yaml"


def test_list_and_search(officer_client: FlaskClient) -> None:
    page = officer_client.get("/console/kb?q=ตม.30").get_data(as_text=True)
    assert "tm30-basics" in page and "embassy-contact" not in page
    drafts = officer_client.get("/console/kb?status=draft").get_data(as_text=True)
    assert "embassy-contact" in drafts and "tm30-basics" not in drafts
