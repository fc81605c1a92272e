"""One webhook event = one database transaction, then the reply goes out after the commit."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from handlers.conversation import Conversation
from handlers.events import BotEvent
from handlers.models import Interaction
from handlers.ports import DeliveryError, Messenger

log = logging.getLogger(__name__)


class EventDispatcher:
    """Runs the conversation for an event inside its own session and sends what it returns."""

    def __init__(self, sessions: sessionmaker[Session], conversation: Conversation, messenger: Messenger) -> None:
        self._sessions = sessions
        self._conversation = conversation
        self._messenger = messenger

    def __call__(self, event: BotEvent) -> bool:
        """Handle one event; False when it could not be stored (so LINE should redeliver it)."""
        try:
            with self._sessions.begin() as session:
                outgoing = self._conversation.handle(session, event)
        except Exception:
            log.exception("event %s (%s) could not be handled", event.meta.event_id, type(event).__name__)
            return False
        if outgoing is None or not outgoing.reply_token:
            return True
        try:
            self._messenger.reply(outgoing.reply_token, outgoing.messages)
        except DeliveryError as error:
            log.warning("reply for event %s not delivered: %s", event.meta.event_id, error)
            self._mark_failed(outgoing.log_ids, str(error))
        return True

    def _mark_failed(self, log_ids: tuple[int, ...], reason: str) -> None:
        """Record in the log that LINE did not take a reply, so officers can see and follow up."""
        if not log_ids:
            return
        try:
            with self._sessions.begin() as session:
                failed = update(Interaction).where(Interaction.id.in_(log_ids))
                session.execute(failed.values(delivery="failed", detail=reason[:500]))
        except Exception:
            log.exception("could not record a failed reply")
