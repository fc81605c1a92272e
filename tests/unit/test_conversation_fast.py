"""Issue 11: fast unit tests of the conversation: Conversation.handle on neutral events, no HTTP, no queue.

A Conversation over the small test knowledge base (lexical matcher), a fake LINE and an in-memory SQLite
database migrated once per test; each event runs in its own transaction as the worker would run it. The end-to-end
tests (tests/webhook, tests/e2e) still cover signatures, the queue and the real SDK.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.chat import postbacks
from handlers.chat.conversation import Conversation
from handlers.chat.events import BotEvent, EventMeta, Followed, PostbackReceived, TextReceived
from handlers.clock import utcnow
from handlers.db import make_engine, make_session_factory, upgrade_schema
from handlers.kb.library import Library
from handlers.models import Interaction, LineUser
from handlers.ports import Profile
from tests.conftest import SMALL_KB
from tests.fakes import FakeMessenger

USER = "U" + "f" * 32
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def library() -> Library:
    """The small knowledge base, lexical only: built once for the module."""
    library = Library(SMALL_KB, semantic=False)
    library.current()
    return library


@dataclass
class Chat:
    """One user's chat with the bot, straight into Conversation.handle."""

    conversation: Conversation
    sessions: sessionmaker[Session]
    engine: Engine

    def send(self, event: BotEvent) -> list[str]:
        self.conversation.prepare(event)  # what the worker does before the transaction
        with self.sessions.begin() as session:
            outgoing = self.conversation.handle(session, event)
        return [m.text for m in outgoing.messages] if outgoing else []

    def meta(self, event_id: str | None = None) -> EventMeta:
        return EventMeta(event_id or f"ev-{next(_ids)}", utcnow(), USER, reply_token=f"rt-{next(_ids)}")

    def say(self, text: str) -> list[str]:
        return self.send(TextReceived(self.meta(), text))

    def tap(self, data: str) -> list[str]:
        return self.send(PostbackReceived(self.meta(), data))

    def rows(self) -> list[Interaction]:
        with self.sessions() as session:
            return list(session.scalars(select(Interaction).order_by(Interaction.id)))


@pytest.fixture
def chat(library: Library) -> Iterator[Chat]:
    engine = make_engine("sqlite://")
    upgrade_schema(engine)
    messenger = FakeMessenger(profiles={USER: Profile(USER, "สมชาย", "th")})
    yield Chat(Conversation(library=library, messenger=messenger), make_session_factory(engine), engine)
    engine.dispose()


def test_follow_welcomes_and_asks_for_the_district(chat: Chat) -> None:
    [welcome, *_] = chat.send(Followed(chat.meta()))
    assert "@IAO" in welcome and "เขต" in welcome
    with chat.sessions() as session:
        user = session.scalars(select(LineUser)).one()
    assert user.display_name == "สมชาย" and user.awaiting_district  # the profile was asked before the transaction


def test_a_typed_district_registers_it(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    reply = chat.say("เขต บางรัก")
    assert any("บางรัก" in text for text in reply)
    with chat.sessions() as session:
        user = session.scalars(select(LineUser)).one()
    assert user.district_id is not None and not user.awaiting_district


def test_a_known_question_is_answered_with_its_source(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    chat.say("บางรัก")
    [answer, *_] = chat.say("ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง")
    assert "24 ชั่วโมง" in answer
    question = [r for r in chat.rows() if r.direction == "in" and r.text and "ตม.30" in r.text][0]
    assert question.entry_id == "tm30-basics" and not question.handoff


def test_the_menu_then_a_typed_number_opens_that_category(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    chat.say("บางรัก")
    [menu] = chat.say("เมนู")
    assert "1." in menu and "พิมพ์หมายเลข" in menu
    [category] = chat.say("1")
    assert category != menu and "1." in category


def test_asking_an_officer_hands_the_question_over(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    chat.say("บางรัก")
    text = "ชาวต่างชาติขอใบอนุญาตขับขี่สากลที่เขตได้ไหม"
    chat.say(text)
    reply = chat.say("ถามเจ้าหน้าที่")
    assert any("ส่งเรื่องให้เจ้าหน้าที่" in t for t in reply)
    assert [r.handoff for r in chat.rows() if r.text == text] == [True]


def test_a_tapped_did_you_mean_choice_answers_that_entry(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    chat.say("บางรัก")
    [answer, *_] = chat.tap(postbacks.entry("migrant-pink-card-lost"))
    assert "บัตรใหม่" in answer
    assert chat.rows()[-2].outcome == "menu-answer"


def test_a_redelivered_event_is_handled_once(chat: Chat) -> None:
    chat.send(Followed(chat.meta()))
    meta = chat.meta("same-event")
    first = chat.send(TextReceived(meta, "บางรัก"))
    again = chat.send(TextReceived(meta, "บางรัก"))
    assert first and again == []
    assert sum(1 for r in chat.rows() if r.webhook_event_id == "same-event" and r.direction == "in") == 1


def test_a_conversation_of_five_events_takes_well_under_a_second(chat: Chat) -> None:
    started = dt.datetime.now()
    chat.send(Followed(chat.meta()))
    for text in ("บางรัก", "ตม.30 คืออะไร", "เมนู", "1"):
        chat.say(text)
    assert (dt.datetime.now() - started).total_seconds() < 5  # generous on a loaded 2-core host
