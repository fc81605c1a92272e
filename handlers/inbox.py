"""The officers' inbox: questions the bot handed over, answered by push now or held for a free reply."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, Integer, String, Text, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from handlers.models import Base, BigId, District, Interaction, LineUser, UtcDateTime, bangkok_day, utcnow
from handlers.officers import Officer, audit
from handlers.ports import DeliveryError, Messenger
from handlers.replies import TEXT_MAX, Message

log = logging.getLogger(__name__)

MODES = ("push", "held")
ANSWER_MAX = 4000  # leaves room for the heading within LINE's 5,000 characters
ANSWER_HEADING = "💬 คำตอบจากเจ้าหน้าที่สำนักงานการต่างประเทศ"
CONTEXT_LINES = 3


class HandoffAnswer(Base):
    """An officer's answer to a handed-off question, and how far its delivery got."""

    __tablename__ = "handoff_answers"
    __table_args__ = (Index("ix_handoff_answers_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))  # the outbound log line
    text: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(8))  # push | held
    # push: pending -> sent | failed (failed may be retried with the same key); held: held -> delivered
    status: Mapped[str] = mapped_column(String(16))
    retry_key: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class HandoffResolution(Base):
    """A handed-off question that is closed: answered, or resolved without an answer (a duplicate, spam)."""

    __tablename__ = "handoff_resolutions"

    question_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    resolved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    how: Mapped[str] = mapped_column(String(16))  # answered | closed
    note: Mapped[str | None] = mapped_column(String(500))


class InboxError(ValueError):
    """An inbox action that cannot be done; the message is Thai for the officer."""


@dataclass(frozen=True)
class InboxItem:
    """One open question as the inbox shows it."""

    question: Interaction
    user: LineUser | None
    district: District | None
    text: str
    context: tuple[str, ...]
    waiting: dt.timedelta

    @property
    def waiting_th(self) -> str:
        """The waiting time in short Thai, e.g. "2 ชม. 5 นาที"."""
        return waiting_th(self.waiting)


def waiting_th(delta: dt.timedelta) -> str:
    """A duration in short Thai for busy officers."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} วัน {hours} ชม."
    if hours:
        return f"{hours} ชม. {mins} นาที"
    return f"{mins} นาที"


def _open_questions():  # type: ignore[no-untyped-def]
    """The select of handed-off inbound lines without a resolution."""
    resolved = exists().where(HandoffResolution.question_id == Interaction.id)
    return select(Interaction).where(Interaction.handoff.is_(True), Interaction.direction == "in", ~resolved)


def question_text(row: Interaction) -> str:
    """What the user asked, readable: a postback ("ask an officer") has no text of its own."""
    if row.kind == "text" and row.text:
        return row.text
    if row.outcome == "ask-officer":
        return "(ผู้ใช้กด \"ถามเจ้าหน้าที่\")"
    return f"({row.kind})"


def _context(session: Session, row: Interaction, limit: int = CONTEXT_LINES) -> tuple[str, ...]:
    """The user's last typed messages before a bare "ask an officer", so the officer sees what was meant."""
    if row.user_id is None:
        return ()
    earlier = session.scalars(
        select(Interaction.text).where(Interaction.user_id == row.user_id, Interaction.direction == "in",
                                       Interaction.kind == "text", Interaction.id < row.id,
                                       Interaction.text.is_not(None))
        .order_by(Interaction.id.desc()).limit(limit)
    ).all()
    return tuple(t for t in reversed(earlier) if t)


def open_items(session: Session, *, now: dt.datetime | None = None, limit: int = 200) -> list[InboxItem]:
    """Open handed-off questions, oldest first, with user, district and waiting time."""
    now = now or utcnow()
    rows = session.scalars(_open_questions().order_by(Interaction.occurred_at, Interaction.id).limit(limit)).all()
    users = _users(session, {r.user_id for r in rows if r.user_id})
    districts = _districts(session, {r.district_id for r in rows if r.district_id})
    return [_item(session, r, users, districts, now) for r in rows]


def count_open(session: Session) -> int:
    """How many questions wait for an officer (for the navigation badge)."""
    return len(session.scalars(_open_questions().with_only_columns(Interaction.id)).all())


def get_item(session: Session, question_id: int, *, now: dt.datetime | None = None) -> InboxItem | None:
    """One handed-off question (open or not) by id."""
    row = session.get(Interaction, question_id)
    if row is None or not row.handoff or row.direction != "in":
        return None
    users = _users(session, {row.user_id} if row.user_id else set())
    districts = _districts(session, {row.district_id} if row.district_id else set())
    return _item(session, row, users, districts, now or utcnow())


def resolution_of(session: Session, question_id: int) -> HandoffResolution | None:
    """How (and whether) a question was closed."""
    return session.get(HandoffResolution, question_id)


def answers_to(session: Session, question_id: int) -> list[HandoffAnswer]:
    """The officers' answers to one question, oldest first."""
    return list(session.scalars(select(HandoffAnswer).where(HandoffAnswer.question_id == question_id)
                                .order_by(HandoffAnswer.id)))


def recent_answers(session: Session, limit: int = 20) -> list[tuple[HandoffAnswer, LineUser | None, str]]:
    """The newest answers with their user and the question text, to follow delivery and retry failures."""
    answers = session.scalars(select(HandoffAnswer).order_by(HandoffAnswer.id.desc()).limit(limit)).all()
    users = _users(session, {a.user_id for a in answers})
    questions = {q.id: q for q in session.scalars(select(Interaction).where(
        Interaction.id.in_({a.question_id for a in answers})))} if answers else {}
    return [(a, users.get(a.user_id), question_text(questions[a.question_id]) if a.question_id in questions else "")
            for a in answers]


def _users(session: Session, ids: set[int]) -> dict[int, LineUser]:
    return {u.id: u for u in session.scalars(select(LineUser).where(LineUser.id.in_(ids)))} if ids else {}


def _districts(session: Session, ids: set[int]) -> dict[int, District]:
    return {d.id: d for d in session.scalars(select(District).where(District.id.in_(ids)))} if ids else {}


def _item(session: Session, row: Interaction, users: dict[int, LineUser], districts: dict[int, District],
          now: dt.datetime) -> InboxItem:
    user = users.get(row.user_id) if row.user_id else None
    district_id = row.district_id or (user.district_id if user else None)
    district = districts.get(district_id) if district_id else None
    if district is None and district_id:
        district = session.get(District, district_id)
    context = _context(session, row) if row.kind != "text" else ()
    return InboxItem(row, user, district, question_text(row), context, now - row.occurred_at)


# ----------------------------------------------------------------------------- answering
def _compose(text: str) -> Message:
    """The message the user receives: a heading that says an officer wrote it, then the answer."""
    return Message(f"{ANSWER_HEADING}\n\n{text}"[:TEXT_MAX])


def answer_question(sessions: sessionmaker[Session], messenger: Messenger, *, question_id: int, officer_id: int,
                    text: str, mode: str, remote_addr: str | None = None) -> HandoffAnswer:
    """Answer a handed-off question and close it: push now (costs quota), or hold for the user's next message.

    The answer, its log line and its retry key are committed before LINE is called, so a crash or a
    timeout leaves a row an officer can retry with the same key (LINE then answers 409 instead of
    sending twice).
    """
    text = text.strip()
    if not text:
        raise InboxError("กรุณาพิมพ์คำตอบ")
    if len(text) > ANSWER_MAX:
        raise InboxError(f"คำตอบยาวเกิน {ANSWER_MAX:,} ตัวอักษร")
    if mode not in MODES:
        raise InboxError("เลือกวิธีส่งคำตอบ")
    with sessions.begin() as session:
        question = session.get(Interaction, question_id)
        if question is None or not question.handoff or question.direction != "in":
            raise InboxError("ไม่พบคำถามนี้")
        if question.user_id is None:
            raise InboxError("คำถามนี้ไม่มีผู้ใช้ LINE ที่จะส่งคำตอบถึง")
        user = session.get(LineUser, question.user_id)
        officer = session.get(Officer, officer_id)
        if user is None or officer is None:
            raise InboxError("ไม่พบผู้ใช้หรือเจ้าหน้าที่")
        now = utcnow()
        line = Interaction(
            occurred_at=now, bkk_day=bangkok_day(now), user_id=user.id,
            district_id=user.district_id or question.district_id, direction="out",
            kind="push" if mode == "push" else "reply", text=_compose(text).text, outcome="officer-answer",
            answered_by="officer", in_reply_to_id=question.id, delivery="pending", handoff=False,
            detail=f"officer:{officer.username}" + ("" if mode == "push" else "; held for the next reply"),
        )
        session.add(line)
        session.flush()
        answer = HandoffAnswer(
            question_id=question.id, user_id=user.id, officer_id=officer.id, interaction_id=line.id, text=text,
            mode=mode, status="pending" if mode == "push" else "held",
            retry_key=str(uuid.uuid4()) if mode == "push" else None, attempts=0, created_at=now,
        )
        session.add(answer)
        session.flush()
        if session.get(HandoffResolution, question.id) is None:
            session.add(HandoffResolution(question_id=question.id, officer_id=officer.id, resolved_at=now,
                                          how="answered"))
        audit(session, officer, "answer", target=f"question:{question.id}",
              detail=f"mode={mode}; answer:{answer.id}", remote_addr=remote_addr)
        answer_id = answer.id
    if mode == "push":
        return push_answer(sessions, messenger, answer_id)
    with sessions() as session:
        return session.get_one(HandoffAnswer, answer_id)


def push_answer(sessions: sessionmaker[Session], messenger: Messenger, answer_id: int,
                *, officer_id: int | None = None) -> HandoffAnswer:
    """Push (or push again) a stored answer under its own retry key, recording the outcome."""
    with sessions.begin() as session:
        answer = session.get(HandoffAnswer, answer_id)
        if answer is None or answer.mode != "push":
            raise InboxError("ไม่พบคำตอบนี้")
        if answer.status == "sent":
            return answer
        user = session.get_one(LineUser, answer.user_id)
        line_user_id, retry_key, text = user.line_user_id, answer.retry_key or str(uuid.uuid4()), answer.text
        answer.retry_key = retry_key
        answer.attempts += 1
        if officer_id is not None:
            audit(session, session.get(Officer, officer_id), "answer-retry", target=f"answer:{answer.id}")
    status, error = "sent", None
    try:
        messenger.push(line_user_id, [_compose(text)], retry_key)
    except DeliveryError as exc:
        status, error = "failed", str(exc)[:500]
        log.warning("officer answer %s not delivered: %s", answer_id, exc)
    with sessions.begin() as session:
        answer = session.get_one(HandoffAnswer, answer_id)
        answer.status = status
        answer.error = error
        if status == "sent":
            answer.delivered_at = utcnow()
        if answer.interaction_id is not None:
            line = session.get(Interaction, answer.interaction_id)
            if line is not None:
                line.delivery = status
    with sessions() as session:
        return session.get_one(HandoffAnswer, answer_id)


def resolve(session: Session, question_id: int, officer: Officer, *, note: str | None = None,
            remote_addr: str | None = None) -> HandoffResolution:
    """Close a question without answering it (already answered elsewhere, a duplicate, not a question)."""
    question = session.get(Interaction, question_id)
    if question is None or not question.handoff:
        raise InboxError("ไม่พบคำถามนี้")
    existing = session.get(HandoffResolution, question_id)
    if existing is not None:
        return existing
    row = HandoffResolution(question_id=question_id, officer_id=officer.id, resolved_at=utcnow(), how="closed",
                            note=(note or "").strip()[:500] or None)
    session.add(row)
    audit(session, officer, "resolve", target=f"question:{question_id}", detail=row.note, remote_addr=remote_addr)
    session.flush()
    return row


def reopen(session: Session, question_id: int, officer: Officer) -> None:
    """Put a closed question back in the inbox (closed by mistake)."""
    existing = session.get(HandoffResolution, question_id)
    if existing is not None:
        session.delete(existing)
        audit(session, officer, "reopen", target=f"question:{question_id}")


def pending_answers_for(session: Session, line_user: LineUser | None) -> list[Message]:
    """Held answers for this user as ONE message for the current free reply, marked delivered.

    Call it inside the event's transaction while building the reply; the messages it returns are already
    in the log (answered_by="officer"), so do not log them again. If the reply later fails, the
    dispatcher's failure marking does not cover them: they count as delivered once handed over.
    """
    if line_user is None or line_user.id is None:
        return []
    held = session.scalars(
        select(HandoffAnswer).where(HandoffAnswer.user_id == line_user.id, HandoffAnswer.status == "held")
        .order_by(HandoffAnswer.id).with_for_update()
    ).all()
    if not held:
        return []
    now = utcnow()
    for answer in held:
        answer.status = "delivered"
        answer.delivered_at = now
        answer.attempts += 1
        if answer.interaction_id is not None:
            line = session.get(Interaction, answer.interaction_id)
            if line is not None:
                line.delivery = "sent"
    session.flush()
    body = "\n\n— — —\n\n".join(a.text for a in held)
    return [_compose(body)]


def quota_text(quota_left: Callable[[], object] | None) -> str:
    """This month's remaining push quota for the answer form, or "ไม่ทราบ" when it cannot be had.

    `quota_left` may return a number left, or an object with `limit` (None = unlimited) and `used`
    (the Messenger's quota()).
    """
    if quota_left is None:
        return "ไม่ทราบ"
    try:
        value = quota_left()
    except Exception as exc:  # the quota is advice for the officer: never fail the page for it
        log.info("quota lookup failed: %s", type(exc).__name__)
        return "ไม่ทราบ"
    if value is not None and not isinstance(value, int) and hasattr(value, "limit") and hasattr(value, "used"):
        limit, used = value.limit, value.used
        if limit is None:
            return "ไม่จำกัด"
        value = max(0, int(limit) - int(used or 0))
    return f"{value:,}" if isinstance(value, int) else "ไม่ทราบ"
