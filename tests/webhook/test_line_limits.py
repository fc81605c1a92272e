"""Findings #5 and #7: whatever officers or the knowledge base write, what goes to LINE stays within its limits."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from app import create_app
from handlers.chat.replies import Message, QuickReply
from knowledge.base import KnowledgeError, load_knowledge_base
from tests.conftest import SMALL_KB, Line, make_settings
from tests.fakes import FakeMessenger, line_refusals, postback_event, utf16_units

USER = "U" + "b" * 32
LONG_TITLE = "การแจ้งที่พักอาศัยของคนต่างด้าว " * 12  # about 400 characters, over displayText's 300
LONGEST_TITLE = ("การแจ้งที่พักอาศัยของคนต่างด้าว " * 4)[:100]  # the loader's bound (knowledge/SCHEMA.md)


def _kb_with_title(tmp_path: Path, title: str) -> Path:
    """The small knowledge base with its first immigration entry retitled."""
    kb = tmp_path / "kb"
    shutil.copytree(SMALL_KB, kb)
    path = kb / "immigration.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["title_th"] = title
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return kb


@pytest.fixture
def long_title_app(database_url: str, tmp_path: Path, messenger: FakeMessenger) -> Iterator[Flask]:
    """The small knowledge base with one entry whose Thai title is as long as the loader allows."""
    kb = _kb_with_title(tmp_path, LONGEST_TITLE)
    application = create_app(make_settings(database_url, knowledge_dir=kb), messenger=messenger)
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


def test_a_title_over_lines_action_limit_never_loads(tmp_path: Path) -> None:
    """A 400-character title (over displayText's 300) is refused where it enters, naming the entry."""
    with pytest.raises(KnowledgeError, match="100"):
        load_knowledge_base(_kb_with_title(tmp_path, LONG_TITLE.strip()))


def test_the_longest_title_allowed_still_gets_its_buttons_delivered(long_title_app: Flask,
                                                                     messenger: FakeMessenger) -> None:
    line = Line(long_title_app.test_client(), messenger)
    listing = postback_event(USER, "action=category&id=immigration")
    assert line.post(listing) == 200
    assert messenger.refused == [] and line.replies(listing), "LINE would have refused the reply"
    [(_, [message])] = [r for r in messenger.replies if r[0] == listing["replyToken"]]
    assert any(b.display_text and b.display_text.startswith("การแจ้งที่พัก") for b in message.quick_replies)


@given(label=st.text(max_size=400), display=st.text(max_size=900), data=st.text(max_size=900),
       body=st.text(max_size=12_000))
def test_every_message_and_action_is_within_lines_limits(label: str, display: str, data: str, body: str) -> None:
    buttons = (QuickReply(label=label or "x", data=data, display_text=display), QuickReply(label=label or "y",
                                                                                           text=display))
    assert line_refusals([Message(body or ".", buttons * 8)]) == []


def test_text_is_cut_by_utf16_units_not_code_points() -> None:
    message = Message("😀" * 4000)  # 4,000 code points but 8,000 UTF-16 units
    assert utf16_units(message.text) <= 5000 and message.text.endswith("…")
