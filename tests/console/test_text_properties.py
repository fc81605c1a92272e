"""Property-based: any stored or typed text (controls, U+FFFF, lone surrogates, formula prefixes) leaves the
console and the reports safely: no 500, no live formula, and nothing but the XML-illegal characters lost."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app
from handlers.clock import BANGKOK, bangkok_day, utcnow
from handlers.models import Interaction, LineUser
from handlers.reports import Document, render
from handlers.reports.document import Field, Paragraph, Section, Table
from handlers.safe_text import FORMULA_START, safe_cell, safe_text
from tests.conftest import SMALL_KB, make_settings
from tests.console.conftest import add_officer, login, token_on
from tests.console.test_kb import entry_form
from tests.fakes import FakeMessenger

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SPECIALS = ["\uffff", "\ufffe", "\x0b", "\x00", "\x01", "\x1f", "\ud800", "\udfff", "=", "+", "-", "@", "\t", "\r",
            "\n", "=HYPERLINK(\"http://x\")", "\x01=1+1", "ก", "ำ", "๑", "'", '"', "- id: tm30-basics", ": ", "#"]
hostile = st.lists(st.one_of(st.text(alphabet=st.characters(exclude_categories=()), max_size=8),
                             st.sampled_from(SPECIALS)), max_size=12).map("".join)
# What an HTTP form or a database can carry: UTF-8 has no lone surrogates (they become "?").
typed = hostile.map(lambda s: s.encode("utf-8", "replace").decode("utf-8"))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(text=hostile)
def test_safe_text_drops_only_xml_illegal_characters(text: str) -> None:
    assert safe_text(text) == ILLEGAL.sub("", text)
    cell = safe_cell(text)
    assert isinstance(cell, str)
    if cell.lstrip(" ").startswith(FORMULA_START):
        raise AssertionError(f"live formula {cell!r}")
    assert cell in (safe_text(text), "'" + safe_text(text))


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(hostile, min_size=1, max_size=4))
def test_reports_render_any_stored_text(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    folder = tmp_path_factory.mktemp("render")
    doc = Document(title="รายงาน " + texts[0], subtitle=[texts[-1]], header=[("หัวข้อ", texts[0])], sections=[
        Section("1. " + texts[0], [Paragraph("ข้อเสนอแนะ: " + " / ".join(texts)), Field("อุปสรรค", texts[-1]),
                                   Table(["รายการ", "จำนวน"], [[t, i] for i, t in enumerate(texts)])])])
    for fmt in ("xlsx", "docx", "html", "pdf"):
        render(doc, fmt, folder / f"r.{fmt}")
    cells = [c.value for row in openpyxl.load_workbook(folder / "r.xlsx")["รายงาน"].iter_rows() for c in row]
    for i, text in enumerate(texts):
        if safe_text(text):
            assert safe_cell(text) in cells, i  # every stored text is there, minus XML-illegal characters
    assert not [c for c in cells if isinstance(c, str) and c.startswith("=")]
    word = "\n".join(p.text for p in docx.Document(str(folder / "r.docx")).paragraphs)
    expected = safe_text("ข้อเสนอแนะ: " + " / ".join(texts))
    assert _lines(expected) in _lines(word)  # Word keeps a line break, not which of \r or \n it was


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ----------------------------------------------------------------------------- console forms on one app
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with a writable knowledge base and one signed-in admin for all examples."""
    base = Path(tmp_path_factory.mktemp("text-forms"))
    shutil.copytree(SMALL_KB, base / "kb")
    application = create_app(make_settings(f"sqlite:///{base / 't.db'}", knowledge_dir=base / "kb"),
                             messenger=FakeMessenger())
    add_officer(application, "prop.admin", role="admin")
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


@pytest.fixture(scope="module")
def admin(app: Flask) -> FlaskClient:
    """A signed-in admin's browser."""
    client = app.test_client()
    assert login(client, "prop.admin").status_code == 302
    return client


@SETTINGS
@given(answer=typed, question=typed, title=typed)
def test_kb_edit_form_saves_faithfully_or_refuses_clearly(app: Flask, admin: FlaskClient, answer: str,
                                                          question: str, title: str) -> None:
    fields = entry_form(admin, "tm30-basics")
    fields["answer_th"] = "ตอบ " + answer
    fields["questions_th"] = fields["questions_th"] + "\n" + "ถามว่า " + question
    fields["title_th"] = "ตม.30 " + title
    response = admin.post("/console/kb/entry/tm30-basics", data=fields)
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 302:
        entries = yaml.safe_load((Path(app.extensions["iao"].library.directory) / "immigration.yaml")
                                 .read_text(encoding="utf-8"))["entries"]
        saved = next(e for e in entries if e["id"] == "tm30-basics")
        expected = "\n".join(line.rstrip() for line in safe_text(fields["answer_th"]).replace("\r\n", "\n")
                             .replace("\r", "\n").strip().split("\n"))
        assert saved["answer_th"].strip() == expected.strip()
        assert " ".join(saved["title_th"].split()) == " ".join(safe_text(fields["title_th"]).split())


@SETTINGS
@given(message=typed, name=typed)
def test_chat_log_export_of_any_stored_text(app: Flask, admin: FlaskClient, message: str, name: str) -> None:
    user = "U" + "9" * 32
    with app.extensions["iao"].sessions.begin() as db:
        now = utcnow()
        row = db.scalars(select(LineUser).where(LineUser.line_user_id == user)).first()
        if row is None:
            row = LineUser(line_user_id=user)
            db.add(row)
        row.display_name = name[:100]
        db.flush()
        db.add(Interaction(user_id=row.id, occurred_at=now, bkk_day=bangkok_day(now), direction="in", kind="text",
                           text=message))
        month = now.astimezone(BANGKOK).strftime("%Y-%m")
    token = token_on(admin, "/console/conversations")
    for fmt in ("xlsx", "csv"):
        response = admin.post("/console/export", data={"csrf_token": token, "month": month, "format": fmt,
                                                       "real_ids": "1"})
        assert response.status_code == 200, fmt
        if fmt == "xlsx":
            cells = [c.value for r in openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows()
                     for c in r]
            assert safe_cell(message) in cells or (safe_cell(message) == "" and None in cells)
            assert not [c for c in cells if isinstance(c, str) and c.startswith("=")]
