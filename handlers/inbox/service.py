"""The officers' inbox: questions the bot handed over, answered by push now or held for a free reply."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, Integer, Select, String, Text, bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from handlers.chat.answers import answer_text
from handlers.chat.replies import Message
from handlers.clock import bangkok_day, utcnow
from handlers.inbox.attachments import KIND_TH, Attachment, for_lines
from handlers.kb.library import Library
from handlers.limits import MESSAGES_PER_CALL, TEXT_MAX, split, utf16_len
from handlers.models import Base, BigId, District, Interaction, LineUser, UtcDateTime
from handlers.officers import Officer, audit
from handlers.ports import QUOTA_EXHAUSTED_TH, DeliveryError, Messenger

log = logging.getLogger(__name__)

MODES = ("push", "held")
ANSWER_MAX = 4000  # characters an officer may type; the message is split to LINE's 5,000 UTF-16 units
ANSWER_HEADING = "💬 คำตอบจากเจ้าหน้าที่สำนักงานการต่างประเทศ"
ANSWER_SEPARATOR = "\n\n— — —\n\n"
CONTEXT_LINES = 3
# A push LINE did not take is retried by the sweep: attempt k (1-based) is due PUSH_BACKOFF * (2**(k-1) - 1)
# after the answer was written, so 1 min, 3 min, 7 min, ... the 10th about 8.5 hours after it. After the last
# try it is "undelivered": the question goes back to the inbox, marked, for an officer to act on.
PUSH_ATTEMPTS = 10
PUSH_BACKOFF = dt.timedelta(seconds=30)


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
    # push: pending -> sent | failed (retried by the sweep with the same key) -> undelivered (officers told)
    # held: held -> replying (inside a reply being sent) -> delivered, or back to held if LINE refused it
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


class HandoffClaim(Base):
    """An officer has taken a question: the others see who, so two people do not answer it at once."""

    __tablename__ = "handoff_claims"

    question_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


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
    undelivered: bool = False  # an earlier answer could not be delivered: it needs an officer
    claimed_by: str | None = None  # the username of the officer who took the question
    claimed_by_id: int | None = None
    claimed_at: dt.datetime | None = None
    attachment: Attachment | None = None  # the photo or file this question is (content loaded only when served)

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


def _open_questions() -> Select[Interaction]:
    """The select of handed-off inbound lines without a resolution."""
    resolved = exists().where(HandoffResolution.question_id == Interaction.id)
    return select(Interaction).where(Interaction.handoff.is_(True), Interaction.direction == "in", ~resolved)


def question_text(row: Interaction) -> str:
    """What the user asked, readable: a postback ("ask an officer") has no text of its own."""
    if row.kind == "text" and row.text:
        return row.text
    if row.outcome == "ask-officer":
        return "(ผู้ใช้กด \"ถามเจ้าหน้าที่\")"
    if row.kind in KIND_TH:
        return f"(ผู้ใช้ส่ง{KIND_TH[row.kind]})"
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
    context = _context(session, row) if row.kind != "text" or row.outcome == "ask-officer" else ()
    undelivered = session.scalar(select(HandoffAnswer.id).where(
        HandoffAnswer.question_id == row.id, HandoffAnswer.status == "undelivered").limit(1)) is not None
    claim = session.execute(select(HandoffClaim, Officer.username).join(Officer, Officer.id == HandoffClaim.officer_id)
                            .where(HandoffClaim.question_id == row.id)).first()
    attachment = for_lines(session, [row.id]).get(row.id) if row.kind != "text" else None
    return InboxItem(row, user, district, question_text(row), context, now - row.occurred_at, undelivered,
                     claim[1] if claim else None, claim[0].officer_id if claim else None,
                     claim[0].claimed_at if claim else None, attachment)


@dataclass(frozen=True)
class CannedReply:
    """A knowledge-base answer an officer can insert into an answer and edit before sending."""

    entry_id: str
    title: str
    text: str


def canned_replies(library: Library, question: str, limit: int = 5) -> list[CannedReply]:
    """The knowledge base's answers closest to the question (approved or draft faq entries), best first."""
    matcher = library.current()[1]
    found = [e for e, _ in matcher.search(question[:2000], k=limit * 2) if e.kind == "faq"][:limit]
    return [CannedReply(e.id, e.title_th, answer_text(e)[:ANSWER_MAX]) for e in found]


# ----------------------------------------------------------------------------- claiming
def claim_question(session: Session, question_id: int, officer: Officer, *, take_over: bool = False,
                   remote_addr: str | None = None) -> HandoffClaim:
    """Take a question; one held by another officer is taken only when the officer chose to take it over.

    The claim's primary key is the question, so two officers claiming at once get one claim and one error.
    """
    question = session.get(Interaction, question_id)
    if question is None or not question.handoff or question.direction != "in":
        raise InboxError("ไม่พบคำถามนี้")
    claim = session.get(HandoffClaim, question_id)
    if claim is not None and claim.officer_id != officer.id:
        holder = session.get(Officer, claim.officer_id)
        if not take_over:
            raise InboxError(f"เจ้าหน้าที่ {holder.username if holder else '?'} รับเรื่องนี้แล้ว "
                             "หากต้องการรับต่อ ให้เลือก \"รับเรื่องแทน\"")
        audit(session, officer, "claim-take-over", target=f"question:{question_id}",
              detail=f"from:{holder.username if holder else claim.officer_id}", remote_addr=remote_addr)
        claim.officer_id = officer.id
        claim.claimed_at = utcnow()
        session.flush()
        return claim
    if claim is not None:
        return claim
    try:
        with session.begin_nested():
            claim = HandoffClaim(question_id=question_id, officer_id=officer.id, claimed_at=utcnow())
            session.add(claim)
    except IntegrityError:
        raise InboxError("เจ้าหน้าที่อีกท่านเพิ่งรับเรื่องนี้") from None
    audit(session, officer, "claim", target=f"question:{question_id}", remote_addr=remote_addr)
    return claim


def release_claim(session: Session, question_id: int, officer: Officer, *, remote_addr: str | None = None) -> None:
    """Give a question back to the inbox (only its holder, or an admin, may)."""
    claim = session.get(HandoffClaim, question_id)
    if claim is None:
        return
    if claim.officer_id != officer.id and officer.role != "admin":
        raise InboxError("ปล่อยได้เฉพาะเรื่องที่ท่านรับไว้")
    session.delete(claim)
    audit(session, officer, "claim-release", target=f"question:{question_id}", remote_addr=remote_addr)


# ----------------------------------------------------------------------------- answering
def compose_answers(texts: Sequence[str]) -> list[str]:
    """The messages a user receives for officers' answers: each opens with the heading that says an officer
    wrote it; answers share a message while they fit, and one too long for a message is split, never cut."""
    head = f"{ANSWER_HEADING}\n\n"
    out: list[str] = []
    for text in texts:
        for piece in split(text.strip(), TEXT_MAX - utf16_len(head)):
            if out and utf16_len(out[-1]) + utf16_len(ANSWER_SEPARATOR) + utf16_len(piece) <= TEXT_MAX:
                out[-1] += ANSWER_SEPARATOR + piece
            else:
                out.append(head + piece)
    return out


def _compose(text: str) -> list[Message]:
    """One answer as the messages of one push (at most LINE's five)."""
    return [Message(t) for t in compose_answers([text])[:MESSAGES_PER_CALL]]


def answer_question(sessions: sessionmaker[Session], messenger: Messenger, *, question_id: int, officer_id: int,
                    text: str, mode: str, remote_addr: str | None = None, again: bool = False,
                    take_over: bool = False) -> HandoffAnswer:
    """Answer a handed-off question and close it: push now (costs quota), or hold for the user's next message.

    The answer, its log line and its retry key are committed before LINE is called, so a crash or a
    timeout leaves a row that is retried with the same key (LINE then answers 409 instead of sending
    twice). A question already closed (answered, or resolved) is answered again only when the officer
    chose to (`again`): a resubmitted form or a second officer cannot push the same question twice.
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
        claim = session.get(HandoffClaim, question.id)
        if claim is not None and claim.officer_id != officer.id and not take_over:
            holder = session.get(Officer, claim.officer_id)
            raise InboxError(f"เจ้าหน้าที่ {holder.username if holder else '?'} รับเรื่องนี้ไว้ "
                             "หากต้องการตอบแทน ให้เลือก \"ตอบแทนเจ้าหน้าที่ที่รับเรื่อง\"")
        if claim is None:
            session.add(HandoffClaim(question_id=question.id, officer_id=officer.id, claimed_at=utcnow()))
        if session.get(HandoffResolution, question.id) is not None and not again:
            raise InboxError("คำถามนี้ตอบหรือปิดไปแล้ว หากต้องการส่งคำตอบเพิ่มเติม ให้เลือก \"ส่งคำตอบเพิ่มเติม\"")
        now = utcnow()
        if session.get(HandoffResolution, question.id) is None:
            try:  # the primary key decides between two officers (or one double-click) answering at once
                with session.begin_nested():
                    session.add(HandoffResolution(question_id=question.id, officer_id=officer.id, resolved_at=now,
                                                  how="answered"))
            except IntegrityError:
                raise InboxError("เจ้าหน้าที่อีกท่านเพิ่งตอบคำถามนี้") from None
        line = Interaction(
            occurred_at=now, bkk_day=bangkok_day(now), user_id=user.id,
            district_id=user.district_id or question.district_id, direction="out",
            kind="push" if mode == "push" else "reply", text="\n\n".join(compose_answers([text])),
            outcome="officer-answer", answered_by="officer", in_reply_to_id=question.id,
            delivery="pending" if mode == "push" else "held", handoff=False,
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
        audit(session, officer, "answer", target=f"question:{question.id}",
              detail=f"mode={mode}; answer:{answer.id}" + ("; again" if again else ""), remote_addr=remote_addr)
        answer_id = answer.id
    if mode == "push":
        return push_answer(sessions, messenger, answer_id)
    with sessions() as session:
        return session.get_one(HandoffAnswer, answer_id)


def push_answer(sessions: sessionmaker[Session], messenger: Messenger, answer_id: int,
                *, officer_id: int | None = None) -> HandoffAnswer:
    """Push (or push again) a stored answer under its own retry key, recording the outcome.

    LINE refusing it leaves it `failed` for the sweep's next try (retry_due_answers); the last try makes it
    `undelivered` and puts the question back in the inbox. It is marked sent only when LINE took it.
    """
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
        attempts = answer.attempts
        if officer_id is not None:
            audit(session, session.get(Officer, officer_id), "answer-retry", target=f"answer:{answer.id}")
    status, error = "sent", None
    try:
        messenger.push(line_user_id, _compose(text), retry_key)
    except DeliveryError as exc:
        # The quota used up is not worth retrying this month: the question goes back to the inbox at once,
        # saying why, so an officer can hold the answer for the user's next (free) message instead.
        last = attempts >= PUSH_ATTEMPTS or not exc.retryable
        error = (f"{QUOTA_EXHAUSTED_TH} ส่งแบบ push ไม่ได้ ให้ตอบใหม่โดยเลือก \"ส่งฟรีเมื่อผู้ใช้ทักมาครั้งถัดไป\" "
                 f"(LINE: {exc.reason or exc})" if exc.quota_exhausted else str(exc))[:500]
        status = "undelivered" if last else "failed"
        log.warning("officer answer %s not delivered (attempt %d): %s", answer_id, attempts, exc)
    with sessions.begin() as session:
        answer = session.get_one(HandoffAnswer, answer_id)
        answer.status = status
        answer.error = error
        if status == "sent":
            answer.delivered_at = utcnow()
        if answer.interaction_id is not None:
            line = session.get(Interaction, answer.interaction_id)
            if line is not None:
                line.delivery = "sent" if status == "sent" else "failed"
        if status == "undelivered":
            _reopen_for_officers(session, answer)
    with sessions() as session:
        return session.get_one(HandoffAnswer, answer_id)


def _reopen_for_officers(session: Session, answer: HandoffAnswer) -> None:
    """An answer LINE never took: the question goes back to the inbox, marked, so an officer acts on it."""
    resolution = session.get(HandoffResolution, answer.question_id)
    if resolution is not None and resolution.how == "answered":
        session.delete(resolution)


def push_due_at(answer: HandoffAnswer) -> dt.datetime:
    """When the sweep may try a failed push next: exponential backoff from when the answer was written."""
    return answer.created_at + PUSH_BACKOFF * (2 ** min(answer.attempts, 20) - 1)


def retry_due_answers(sessions: sessionmaker[Session], messenger: Messenger, *, now: dt.datetime | None = None,
                      limit: int = 20) -> int:
    """Push again every failed officer answer whose backoff has passed (the sweep of every process calls this).

    Two processes may pick the same answer: its retry key makes LINE deliver it once (409 for the second).
    Returns how many were tried.
    """
    now = now or utcnow()
    with sessions() as session:
        failed = session.scalars(select(HandoffAnswer).where(
            HandoffAnswer.mode == "push", HandoffAnswer.status == "failed").order_by(HandoffAnswer.id)
            .limit(limit * 5)).all()
    due = [a.id for a in failed if push_due_at(a) <= now][:limit]
    for answer_id in due:
        push_answer(sessions, messenger, answer_id)
    return len(due)


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


_HELD_FOR_USER = (select(HandoffAnswer)  # every reply runs it: built once (issue 11)
                  .where(HandoffAnswer.user_id == bindparam("user_id"), HandoffAnswer.status == "held")
                  .order_by(HandoffAnswer.id).with_for_update())


def pending_answers_for(session: Session, line_user: LineUser | None,
                        room: int = MESSAGES_PER_CALL) -> tuple[list[Message], tuple[int, ...]]:
    """Held answers for this user that fit in `room` messages of the current free reply, and their log lines.

    Call it inside the event's transaction while building the reply. The answers become `replying` and
    their log lines `pending`: settle_held_answers() marks them delivered once LINE took the reply, or held
    again if it refused, so an answer is never counted delivered when it was not. Answers that do not fit
    wait for the next reply, whole.
    """
    if line_user is None or line_user.id is None or room < 1:
        return [], ()
    held = session.scalars(_HELD_FOR_USER, {"user_id": line_user.id}).all()
    taken: list[HandoffAnswer] = []
    for answer in held:
        if len(compose_answers([a.text for a in (*taken, answer)])) > room:
            break
        taken.append(answer)
    if not taken:
        return [], ()
    line_ids = []
    for answer in taken:
        answer.status = "replying"
        answer.attempts += 1
        if answer.interaction_id is not None:
            line = session.get(Interaction, answer.interaction_id)
            if line is not None:
                line.delivery = "pending"
                line.occurred_at = utcnow()  # the lost-reply sweep times it from now, like the reply it joins
                line.bkk_day = bangkok_day(line.occurred_at)
                line_ids.append(line.id)
    session.flush()
    return [Message(t) for t in compose_answers([a.text for a in taken])], tuple(line_ids)


def settle_held_answers(session: Session, line_ids: Sequence[int], *, delivered: bool, error: str = "") -> int:
    """After a reply went (or did not): its held answers become delivered, or held again for the next one."""
    if not line_ids:
        return 0
    answers = session.scalars(select(HandoffAnswer).where(
        HandoffAnswer.interaction_id.in_(list(line_ids)), HandoffAnswer.status == "replying")).all()
    for answer in answers:
        answer.status = "delivered" if delivered else "held"
        answer.error = None if delivered else (error[:500] or None)
        if delivered:
            answer.delivered_at = utcnow()
    return len(answers)


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
