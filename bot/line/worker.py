"""Handling stored webhook events: one database transaction per event, then the reply after the commit.

The webhook stores events and answers LINE at once; a worker thread in each process handles them.
An event left pending by a process that died is taken over by the sweep of any live process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Protocol, TypeGuard

from sqlalchemy.orm import Session, sessionmaker

from bot.line.translate import to_bot_event
from handlers.chat.conversation import Conversation
from handlers.chat.events import BotEvent, FetchedContent, MediaReceived
from handlers.chat.replies import Message, Outgoing
from handlers.inbox.attachments import CONTENT_KINDS
from handlers.inbox.service import retry_due_answers, settle_held_answers
from handlers.limits import MESSAGES_PER_CALL
from handlers.models import ProcessedEvent
from handlers.ports import DeliveryError, Messenger
from handlers.webhook_queue import (
    QueuedEvent,
    claim,
    enqueue,
    finish,
    give_up_or_retry,
    mark_delivery,
    stale_pending,
    undelivered_replies,
)

log = logging.getLogger(__name__)

REPLY_RETRY_DELAYS = (0.3, 1.0)  # a reply token lives about a minute: retry quickly, then push instead
PUSH_RETRY_DELAYS = (1.0,)  # the push fallback once more under the same retry key
DELAYED_NOTE = "ขออภัยที่ตอบล่าช้าค่ะ ระบบขัดข้องชั่วคราว คำตอบของท่านคือ:\n\n"
RETRY_NAMESPACE = uuid.UUID("7d6f8a52-2a8e-4f3e-9a51-6b1f0c3a9e11")


class ContentFetcher(Protocol):
    """Gets a message's content from LINE's data host (bot.line.content.LineContentFetcher; tests fake it)."""

    def fetch(self, message_id: str) -> FetchedContent:
        """The bytes, or FetchedContent(None, reason); never raises."""


def wants_content(event: BotEvent | None) -> TypeGuard[MediaReceived]:
    """A photo, file, video or audio someone sent @IAO in their own chat, with its content on LINE.

    Group and room media are the group's own conversation: never fetched nor kept.
    """
    return (isinstance(event, MediaReceived) and event.message_type in CONTENT_KINDS and not event.meta.shared
            and event.message_id is not None)


def fetch_content(fetcher: ContentFetcher | None, event: MediaReceived) -> FetchedContent:
    """Download outside any transaction; an external provider's URL is never fetched (it could point anywhere)."""
    if event.provider != "line":
        return FetchedContent(None, "external provider (not fetched)")
    if fetcher is None or event.message_id is None:
        return FetchedContent(None, "no content fetcher")
    return fetcher.fetch(event.message_id)


class EventDispatcher:
    """Handles one stored event: claim it, run the conversation, mark it done, then send the reply."""

    def __init__(self, sessions: sessionmaker[Session], conversation: Conversation, messenger: Messenger,
                 fetcher: ContentFetcher | None = None) -> None:
        self._sessions = sessions
        self._conversation = conversation
        self._messenger = messenger
        self._fetcher = fetcher

    def handle(self, row_id: int, payload: str | None = None) -> None:
        """Process a queued event exactly once; failures leave it pending for a later attempt.

        `payload` is the event's JSON as the webhook just stored it (handed over in memory, so the row is not
        read back); the sweep passes None and the stored row is read.
        """
        try:
            # Match first, outside the write transaction: SQLite has one writer, and the webhook's inserts
            # must not wait behind ~30 ms of matching.
            if payload is None:
                with self._sessions() as session:
                    stored = session.get(QueuedEvent, row_id)
                    payload = stored.payload if stored is not None and stored.status == "pending" else None
            early = to_bot_event(json.loads(payload)) if payload is not None else None
            if early is not None:
                self._conversation.prepare(early)
            # A photo or file is downloaded here, before the write transaction and with a timeout: a slow LINE
            # holds no lock, and a failed download is recorded with the message, never loses it.
            # A redelivery of an event already handled is skipped: its file is not downloaded again.
            fetched = None
            if wants_content(early) and not self._seen(early):
                fetched = fetch_content(self._fetcher, early)
            with self._sessions.begin() as session:
                row = claim(session, row_id)
                if row is None:
                    return
                # the payload of a pending row never changes: the event read before the transaction is this one
                event = early if early is not None else to_bot_event(json.loads(row.payload))
                if fetched is not None and isinstance(event, MediaReceived):
                    event = dataclasses.replace(event, fetched=fetched)
                outgoing = self._conversation.handle(session, event) if event is not None else None
                finish(session, row)
                key_seed = row.webhook_event_id or f"row-{row.id}"
        except Exception as error:
            log.exception("queued event %s could not be handled", row_id)
            self._retry_later(row_id, f"{type(error).__name__}: {error}")
            return
        if outgoing is not None and outgoing.reply_token:
            self._deliver(outgoing, key_seed)
        if outgoing is not None and outgoing.leave is not None:
            self._leave(*outgoing.leave)

    def _seen(self, event: BotEvent) -> bool:
        """Whether this webhookEventId was already handled (a redelivery), read outside any transaction."""
        if event.meta.event_id is None:
            return False
        with self._sessions() as session:
            return session.get(ProcessedEvent, event.meta.event_id) is not None

    def _leave(self, chat_type: str, chat_id: str) -> None:
        """Leave a group or room someone asked @IAO to leave (after saying goodbye; the event is done)."""
        try:
            self._messenger.leave(chat_type, chat_id)
        except DeliveryError as error:
            log.warning("could not leave a %s: %s", chat_type, error)

    def _retry_later(self, row_id: int, reason: str) -> None:
        """Record the failure on the queue row (the database itself may be what failed)."""
        try:
            with self._sessions.begin() as session:
                if give_up_or_retry(session, row_id, reason) == "failed":
                    log.error("queued event %s failed too often and was given up: %s", row_id, reason)
        except Exception:
            log.exception("could not record the failure of queued event %s; the sweep will retry it", row_id)

    def _deliver(self, outgoing: Outgoing, key_seed: str) -> None:
        """Reply for free; if LINE keeps failing or the token expired, push the answer with an apology.

        A reply that timed out may have been delivered (LINE was slow, not down), and the reply API takes no
        retry key: pushing the same answer then could deliver it twice. So after such a timeout the answer is
        not pushed; it is recorded as `uncertain` (a later "invalid reply token" is what a delivered reply
        leaves behind). The push fallback itself carries a retry key, so retrying it can never send twice.
        """
        error: DeliveryError | None = None
        maybe_sent = False
        for delay in (0.0, *REPLY_RETRY_DELAYS):
            if delay:
                time.sleep(delay)
            try:
                self._messenger.reply(outgoing.reply_token or "", outgoing.messages)
                self._mark(outgoing.log_ids, "sent", "", outgoing.held_ids)
                return
            except DeliveryError as failure:
                error = failure
                maybe_sent = maybe_sent or failure.maybe_sent
                if not failure.retryable:
                    break
        if maybe_sent:
            log.warning("reply for event %s timed out and may have been delivered; not pushed again", key_seed)
            self._mark(outgoing.log_ids, "uncertain", f"reply timed out, LINE may have delivered it: {error}",
                       outgoing.held_ids)
            return
        log.warning("reply for event %s not delivered (%s); pushing the answer instead", key_seed, error)
        if outgoing.line_user_id:
            messages = _with_delay_note(outgoing.messages)
            retry_key = push_key(key_seed)
            for delay in (0.0, *PUSH_RETRY_DELAYS):  # the same key each time: LINE answers 409 if it took one
                time.sleep(delay)
                try:
                    self._messenger.push(outgoing.line_user_id, messages, retry_key)
                    self._mark(outgoing.log_ids, "push-fallback", f"reply failed: {error}", outgoing.held_ids)
                    return
                except DeliveryError as push_error:
                    error = push_error
                    if not push_error.retryable:
                        break
        self._mark(outgoing.log_ids, "failed", str(error), outgoing.held_ids)

    def _mark(self, log_ids: tuple[int, ...], delivery: str, reason: str, held_ids: tuple[int, ...] = ()) -> None:
        """Record in the log how a reply really went, so officers can see and follow up.

        One UPDATE for the log lines (the reason goes on the bot's own lines only); officers' held answers that
        rode along are settled only when there were some.
        """
        if not log_ids:
            return
        try:
            with self._sessions.begin() as session:
                mark_delivery(session, log_ids, delivery, reason)
                if held_ids:
                    settle_held_answers(session, held_ids, delivered=delivery != "failed", error=reason)
        except Exception:
            log.exception("could not record how a reply was delivered")

    def retry_failed_answers(self) -> int:
        """Push again officers' answers LINE did not take, once their backoff has passed."""
        try:
            return retry_due_answers(self._sessions, self._messenger)
        except Exception:
            log.exception("retrying failed officer answers skipped; the next sweep tries again")
            return 0

    def redeliver_lost_replies(self, older_than: dt.timedelta) -> int:
        """Push replies whose process died between storing and sending them (same retry key: never twice)."""
        try:
            with self._sessions() as session:
                lost = undelivered_replies(session, older_than)
        except Exception:
            log.warning("lost-reply check skipped: database unavailable")
            return 0
        for (key_seed, line_user_id), rows in lost.items():
            rows = rows[:MESSAGES_PER_CALL]  # the rest stay pending for the next sweep
            outgoing = Outgoing(line_user_id, None, tuple(Message(r.text or "") for r in rows),
                                tuple(r.id for r in rows))
            retry_key = push_key(key_seed)
            try:
                self._messenger.push(line_user_id, _with_delay_note(outgoing.messages), retry_key)
                self._mark(outgoing.log_ids, "push-fallback", "reply lost with its process; pushed later")
            except DeliveryError as error:
                self._mark(outgoing.log_ids, "failed", str(error))
        return len(lost)


def push_key(key_seed: str) -> str:
    """The retry key of the push that stands in for an event's reply: the same for every attempt and process, so
    LINE takes it at most once (the fallback after a failed reply and the sweep's redelivery share it)."""
    return str(uuid.uuid5(RETRY_NAMESPACE, key_seed))


def _with_delay_note(messages: Sequence[Message]) -> tuple[Message, ...]:
    """The same answer, opened with an apology for the delay (users are told their answer was late)."""
    first, *rest = messages
    return (Message(DELAYED_NOTE + first.text, first.quick_replies), *rest)


class QueueWorker:
    """A background thread per process that handles stored events in order and sweeps up orphans."""

    def __init__(self, sessions: sessionmaker[Session], dispatcher: EventDispatcher, *,
                 sweep_every: float = 5.0, stale_after: dt.timedelta = dt.timedelta(seconds=15)) -> None:
        self._sessions = sessions
        self._dispatcher = dispatcher
        self._sweep_every = sweep_every
        self._stale_after = stale_after
        self._queue: queue.Queue[tuple[int, str | None]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = threading.Event()
        self._last_sweep = 0.0

    def accept(self, events: Sequence[tuple[str | None, str]]) -> bool:
        """Store events durably, then schedule them here; False when the database could not take them."""
        try:
            with self._sessions.begin() as session:
                stored = enqueue(session, events)
        except Exception:
            log.exception("webhook events could not be stored")
            return False
        self.submit(stored)
        return True

    def submit(self, events: Sequence[tuple[int, str | None]]) -> None:
        """Hand stored events (row id, and the JSON stored or None to read it back) to this process's worker
        thread, in order."""
        self._ensure_thread()
        for event in events:
            self._queue.put(event)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every event handed to this process is handled (tests, graceful shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def sweep(self) -> int:
        """Handle pending events that no live process is working on; returns how many were taken."""
        self._last_sweep = time.monotonic()
        try:
            with self._sessions() as session:
                ids = stale_pending(session, self._stale_after)
        except Exception:
            log.warning("sweep skipped: database unavailable")
            return 0
        for row_id in ids:
            self._dispatcher.handle(row_id)
        self._dispatcher.redeliver_lost_replies(self._stale_after * 4)
        self._dispatcher.retry_failed_answers()
        return len(ids)

    def start(self) -> None:
        """Start the thread now (a web process also sweeps once at start, for events of a dead process)."""
        self._ensure_thread()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what was handed over, then end the thread (app shutdown and tests)."""
        self.drain(timeout)
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _ensure_thread(self) -> None:
        """One thread per process; gunicorn forks after the app is built, so check the pid."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        """Handle queued ids as they come; sweep for orphans whenever idle for `sweep_every` seconds."""
        self.sweep()
        while not self._stopping.is_set():
            try:
                row_id, payload = self._queue.get(timeout=min(self._sweep_every, 0.5))
            except queue.Empty:
                if time.monotonic() - self._last_sweep >= self._sweep_every:
                    self.sweep()
                continue
            try:
                self._dispatcher.handle(row_id, payload)
            except Exception:
                log.exception("worker error on queued event %s", row_id)
            finally:
                self._queue.task_done()
