"""#1, #14, #15: knowledge edits are bounded, never reloaded inside a webhook event's write transaction,
checked against the database before the file is written, and answer text cannot inject YAML structure."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from handlers.kb.editor import KbChange
from handlers.kb.library import Library
from handlers.models import LineUser
from handlers.officers import AuditLog
from handlers.ports import Profile
from knowledge.validate import validate_directory
from tests.conftest import Line
from tests.console.test_kb import entry_form
from tests.fakes import FakeMessenger, follow_event, text_event

USER = "U" + "f" * 32


def _changes(app: Flask) -> int:
    with app.extensions["iao"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(KbChange)) or 0)


# ----------------------------------------------------------------------------- #1 bounds
@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("questions_th", "ตม.30 แจ้งอย่างไร " + "ก" * 300, "300 ตัวอักษร"),
    ("questions_en", "how to report tm30 " + "a" * 300, "300 ตัวอักษร"),
    ("title_th", "การแจ้งที่พัก " + "ก" * 100, "100 ตัวอักษร"),
    ("title_en", "TM.30 " + "a" * 100, "100 ตัวอักษร"),
])
def test_console_refuses_over_long_text_with_a_thai_message(app: Flask, officer_client: FlaskClient,
                                                            kb_dir: Path, field: str, value: str,
                                                            fragment: str) -> None:
    before = (kb_dir / "immigration.yaml").read_text(encoding="utf-8")
    fields = entry_form(officer_client, "tm30-basics")
    fields[field] = (fields.get(field, "") + "\n" + value) if field.startswith("questions") else value
    response = officer_client.post("/console/kb/entry/tm30-basics", data=fields)
    assert response.status_code == 422
    assert fragment in response.get_data(as_text=True)
    assert (kb_dir / "immigration.yaml").read_text(encoding="utf-8") == before
    assert _changes(app) == 0


def test_kb_validate_refuses_over_long_phrasings(kb_dir: Path) -> None:
    path = kb_dir / "immigration.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["questions_th"].append("ก" * 30_000)
    data["entries"][0]["title_en"] = "T" * 101
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    messages = [str(p) for p in validate_directory(kb_dir, None)]
    assert any("30,000 ตัวอักษร" in m and "300" in m for m in messages), messages
    assert any("title_en" in m and "100" in m for m in messages), messages


def test_reload_after_an_edit_runs_outside_the_event_transaction(app: Flask, line: Line, kb_dir: Path,
                                                                 database_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """While the knowledge base reloads, another process can still write (the webhook stores events)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the single-writer lock is SQLite's")
    library: Library = app.extensions["iao"].library
    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200
    path = kb_dir / "immigration.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited in another worker\n", encoding="utf-8")
    probes: list[bool] = []
    real_load = Library._load

    def probing_load(self: Library):  # type: ignore[no-untyped-def]
        probes.append(_can_write(database_url))
        return real_load(self)

    monkeypatch.setattr(Library, "_load", probing_load)
    library._checked_at = 0.0  # the 2-second throttle has passed
    event = text_event(USER, "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง")
    assert line.post(event) == 200
    assert line.replies(event)
    assert probes == [True]


def _can_write(database_url: str) -> bool:
    """Whether another connection can take SQLite's write lock right now (nobody holds a write transaction)."""
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0.2)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_profile_lookup_runs_outside_the_event_transaction(app: Flask, line: Line, messenger: FakeMessenger,
                                                           database_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking LINE for a new friend's profile (a network call) holds no database lock; the name is still kept."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the single-writer lock is SQLite's")
    probes: list[bool] = []
    messenger.profiles[USER] = Profile(USER, "สมศรี", "th")
    real_profile = messenger.profile

    def probing_profile(line_user_id: str) -> Profile | None:
        probes.append(_can_write(database_url))
        return real_profile(line_user_id)

    monkeypatch.setattr(messenger, "profile", probing_profile)
    assert line.post(follow_event(USER)) == 200
    assert probes == [True]
    with app.extensions["iao"].sessions() as db:
        assert db.scalars(select(LineUser.display_name).where(LineUser.line_user_id == USER)).one() == "สมศรี"


# ----------------------------------------------------------------------------- #14 ids
def test_entry_id_over_the_column_size_is_refused_before_the_file_is_written(
        app: Flask, officer_client: FlaskClient, kb_dir: Path) -> None:
    before = {p.name: p.read_text(encoding="utf-8") for p in kb_dir.glob("*.yaml")}
    fields = entry_form(officer_client, "tm30-basics")
    long_id = "a" * 101
    fields.update(id=long_id, category_file="immigration.yaml", title_th="เรื่องใหม่", title_en="New topic",
                  questions_th="ถามหนึ่งเรื่องยาว\nถามสองเรื่องยาว\nถามสามเรื่องยาว", questions_en="", related="")
    page = officer_client.get("/console/kb/new").get_data(as_text=True)
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = officer_client.post("/console/kb/new", data=fields)
    assert response.status_code == 422
    assert "100 ตัวอักษร" in response.get_data(as_text=True)
    assert {p.name: p.read_text(encoding="utf-8") for p in kb_dir.glob("*.yaml")} == before
    assert _changes(app) == 0
    assert officer_client.get(f"/console/kb/entry/{long_id}").status_code == 404


def test_a_database_failure_leaves_the_file_untouched(app: Flask, officer_client: FlaskClient, kb_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The history and audit rows are stored before the YAML is replaced: no served entry without history."""
    from handlers.kb import editor as kb_editor

    before = (kb_dir / "immigration.yaml").read_text(encoding="utf-8")
    fields = entry_form(officer_client, "tm30-basics")
    fields["answer_th"] = "คำตอบใหม่ที่ไม่ควรถูกเขียนลงไฟล์"

    def failing_audit(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(kb_editor, "audit", failing_audit)
    with pytest.raises(RuntimeError):
        officer_client.application.config["PROPAGATE_EXCEPTIONS"] = True
        officer_client.post("/console/kb/entry/tm30-basics", data=fields)
    assert (kb_dir / "immigration.yaml").read_text(encoding="utf-8") == before


# ----------------------------------------------------------------------------- #15 YAML injection
def test_answer_cannot_inject_an_entry(app: Flask, officer_client: FlaskClient, kb_dir: Path) -> None:
    data = yaml.safe_load((kb_dir / "immigration.yaml").read_text(encoding="utf-8"))
    ids = [e["id"] for e in data["entries"]]
    first, other = ids[0], ids[1]
    fields = entry_form(officer_client, first)
    injected = f"บรรทัดแรกของคำตอบ\n- id: {other}\n  kind: faq\n    - id: {other}\n  - id: {other}"
    fields["answer_th"] = injected
    response = officer_client.post(f"/console/kb/entry/{first}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    data = yaml.safe_load((kb_dir / "immigration.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["entries"]] == ids
    assert next(e for e in data["entries"] if e["id"] == first)["answer_th"].strip() == injected.strip()
    # both entries stay editable: the other one saves and lands in its own block
    fields = entry_form(officer_client, other)
    assert f"- id: {other}" not in fields.get("answer_th", "")
    fields["answer_en"] = "Edited after the injection attempt."
    response = officer_client.post(f"/console/kb/entry/{other}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    data = yaml.safe_load((kb_dir / "immigration.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["entries"]] == ids
    assert next(e for e in data["entries"] if e["id"] == other)["answer_en"].strip() == \
        "Edited after the injection attempt."
    assert next(e for e in data["entries"] if e["id"] == first)["answer_th"].strip() == injected.strip()
    fields = entry_form(officer_client, first)
    response = officer_client.post(f"/console/kb/entry/{first}", data=fields)
    assert response.status_code == 302
    with app.extensions["iao"].sessions() as db:
        assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "kb-edit")) == 3
