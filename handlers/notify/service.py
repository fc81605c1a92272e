"""Hand-off notices: collect questions no on-duty officer was told about, mail each officer once, record it.

One implementation for the clock's minute job and `flask --app app notify send-due`. A run claims its work in
one short transaction (the notice rows' primary key, question and officer, lets one process win each pair),
talks to the mail server with no transaction open, and records each outcome in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import asdict, dataclass, field

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.chat.office_hours import is_open
from handlers.clock import utcnow
from handlers.inbox.service import HandoffClaim, HandoffResolution, InboxItem, get_item
from handlers.models import Interaction
from handlers.notify.compose import MailDraft, QuestionNote, build_message, excerpt
from handlers.notify.models import HandoffNotice, NoticeMail
from handlers.notify.urgent import is_urgent
from handlers.officers import Officer, officers_on_duty
from handlers.ports import Mailer, MailError
from handlers.transactions import changed_rows

log = logging.getLogger(__name__)

MIN_GAP = dt.timedelta(minutes=5)  # at most one non-urgent mail per officer in this time: a burst is one mail
LOOKBACK = dt.timedelta(days=4)  # questions older than this are not mailed (a long weekend is held, not lost)
ATTEMPTS = 6  # tries of one mail: after 1, 2, 4, 8 and 16 minutes, then "gave-up" (the inbox shows it)
BACKOFF = dt.timedelta(minutes=1)
STALE_AFTER = dt.timedelta(minutes=10)  # a mail "sending" this long belonged to a process that died


@dataclass(frozen=True)
class NoticeConfig:
    """What a notice needs besides the server: who it is from and where the console is."""

    mail_from: str
    console_url: str
    min_gap: dt.timedelta = MIN_GAP
    lookback: dt.timedelta = LOOKBACK
    attempts: int = ATTEMPTS
    backoff: dt.timedelta = BACKOFF
    stale_after: dt.timedelta = STALE_AFTER


@dataclass
class NoticeReport:
    """What one run did, for the log line and the CLI."""

    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    gave_up: int = 0
    dropped: int = 0
    held: int = 0  # open questions waiting for office hours (not urgent)
    questions: int = 0  # questions told about in the mails sent
    mail_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain data for the CLI's --json and the log."""
        return asdict(self)


@dataclass(frozen=True)
class Told:
    """One officer told (or being told) about one question, as the inbox shows it."""

    officer: str
    status: str
    at: dt.datetime | None
    urgent: bool


def _note(item: InboxItem) -> QuestionNote:
    """The mail's line for one question: district, time, a bounded excerpt (with the lines before a bare tap)."""
    text = " / ".join((*item.context, item.text)) if item.context else item.text
    return QuestionNote(item.question.id, item.district.name_th if item.district else None,
                        item.question.occurred_at, excerpt(text), is_urgent(item.question, item.context))


def _message_id(mail_from: str) -> str:
    """A Message-ID of our own domain, fixed when the mail is claimed and kept for every retry."""
    domain = mail_from.rsplit("@", 1)[-1].strip(" >") or "iao.local"
    return f"<iao-notice-{uuid.uuid4().hex}@{domain}>"


def _open_ids(session: Session, since: dt.datetime, limit: int = 500) -> list[int]:
    """Handed-over questions asked since `since` that nobody has answered, closed or taken (claimed): the
    newest `limit` of them, oldest first. A question an officer already took needs no alert."""
    resolved = exists().where(HandoffResolution.question_id == Interaction.id)
    taken = exists().where(HandoffClaim.question_id == Interaction.id)
    ids = session.scalars(select(Interaction.id).where(
        Interaction.handoff.is_(True), Interaction.direction == "in", Interaction.occurred_at >= since, ~resolved,
        ~taken)
        .order_by(Interaction.id.desc()).limit(limit)).all()
    return sorted(ids)


def _claim_retries(session: Session, config: NoticeConfig, now: dt.datetime, office_open: bool,
                   report: NoticeReport) -> list[MailDraft]:
    """Failed mails whose backoff passed, and mails a dead process left "sending": claimed again, same id."""
    due = session.scalars(select(NoticeMail).where(
        ((NoticeMail.status == "failed") & (NoticeMail.next_try_at <= now))
        | ((NoticeMail.status == "sending") & (NoticeMail.claimed_at < now - config.stale_after)))
        .order_by(NoticeMail.id).limit(50)).all()
    drafts = []
    for mail in due:
        officer = session.get(Officer, mail.officer_id)
        question_ids = list(session.scalars(select(HandoffNotice.question_id).where(HandoffNotice.mail_id == mail.id)))
        closed = set(session.scalars(select(HandoffResolution.question_id).where(
            HandoffResolution.question_id.in_(question_ids)))) if question_ids else set()
        closed |= set(session.scalars(select(HandoffClaim.question_id).where(
            HandoffClaim.question_id.in_(question_ids)))) if question_ids else set()
        notes = [n for qid, n in _open_notes_for(session, question_ids, now).items() if qid not in closed]
        if officer is None or not officer.active or not officer.on_duty or not notes:
            mail.status, mail.next_try_at = "dropped", None
            report.dropped += 1
            continue
        urgent = any(n.urgent for n in notes)
        if not office_open and not urgent:
            continue  # a routine notice that failed in the evening is retried when office hours begin
        claimed = changed_rows(session.execute(update(NoticeMail).where(
            NoticeMail.id == mail.id, NoticeMail.status == mail.status, NoticeMail.attempts == mail.attempts)
            .values(status="sending", attempts=NoticeMail.attempts + 1, claimed_at=now, next_try_at=None)
            .execution_options(synchronize_session=False)))
        if claimed != 1:
            continue  # another process took it
        drafts.append(MailDraft(mail.id, mail.message_id, mail.to_address, officer.label, tuple(notes), urgent,
                                not office_open))
    return drafts


def _open_notes_for(session: Session, question_ids: list[int], now: dt.datetime) -> dict[int, QuestionNote]:
    """Mail lines for given questions (a retry lists what it listed before, minus what is closed)."""
    notes = {}
    for qid in question_ids:
        item = get_item(session, qid, now=now)
        if item is not None:
            notes[qid] = _note(item)
    return notes


def _claim_new(session: Session, config: NoticeConfig, now: dt.datetime, office_open: bool,
               report: NoticeReport) -> list[MailDraft]:
    """For each officer on duty: the open questions they were not told about, in one new mail."""
    duty = officers_on_duty(session)
    open_ids = _open_ids(session, now - config.lookback) if duty else []
    if not open_ids:
        return []
    told = {(qid, oid) for qid, oid in session.execute(select(HandoffNotice.question_id, HandoffNotice.officer_id)
                                                      .where(HandoffNotice.question_id.in_(open_ids)))}
    # only questions someone on duty was not told about are read in full (a quiet minute costs two queries)
    needed = [qid for qid in open_ids if any((qid, officer.id) not in told for officer in duty)]
    notes = _open_notes_for(session, needed, now)
    drafts = []
    held: set[int] = set()
    for officer in duty:
        waiting = [n for qid, n in sorted(notes.items()) if (qid, officer.id) not in told]
        if not office_open:
            held.update(n.question_id for n in waiting if not n.urgent)
            waiting = [n for n in waiting if n.urgent]
        if not waiting:
            continue
        urgent = any(n.urgent for n in waiting)
        last = session.scalar(select(func.max(NoticeMail.created_at)).where(
            NoticeMail.officer_id == officer.id, NoticeMail.status != "dropped"))
        if last is not None and now - last < config.min_gap and not urgent:
            continue  # the rest of a burst: it goes in this officer's next mail, once the gap has passed
        try:
            with session.begin_nested():
                mail = NoticeMail(officer_id=officer.id, to_address=officer.email or "", urgent=urgent,
                                  message_id=_message_id(config.mail_from), status="sending", attempts=1,
                                  created_at=now, claimed_at=now)
                session.add(mail)
                session.flush()
                session.add_all(HandoffNotice(question_id=n.question_id, officer_id=officer.id, mail_id=mail.id,
                                              urgent=n.urgent, created_at=now) for n in waiting)
                session.flush()
        except IntegrityError:
            log.info("officer %d's notice was claimed by another process", officer.id)
            continue
        drafts.append(MailDraft(mail.id, mail.message_id, mail.to_address, officer.label, tuple(waiting), urgent,
                                not office_open))
    report.held = len(held)
    return drafts


def claim(sessions: sessionmaker[Session], config: NoticeConfig, now: dt.datetime,
          report: NoticeReport) -> list[MailDraft]:
    """The first transaction: decide who is told about what, and mark it ours before any mail goes."""
    office_open = is_open(now)
    with sessions.begin() as session:
        drafts = _claim_retries(session, config, now, office_open, report)
        drafts += _claim_new(session, config, now, office_open, report)
    return drafts


def _record(sessions: sessionmaker[Session], config: NoticeConfig, draft: MailDraft, error: MailError | None,
            now: dt.datetime, report: NoticeReport) -> None:
    """The last transaction of one mail: sent, failed (retried later), given up, or uncertain (never resent)."""
    with sessions.begin() as session:
        mail = session.get_one(NoticeMail, draft.mail_id)
        if error is None:
            mail.status, mail.sent_at, mail.error = "sent", utcnow(), None
            report.sent += 1
            report.questions += len(draft.questions)
            report.mail_ids.append(mail.id)
            return
        mail.error = f"{type(error).__name__}: {str(error)[:250]}"
        if error.maybe_sent:
            mail.status = "uncertain"
            report.uncertain += 1
        elif error.retryable and mail.attempts < config.attempts:
            mail.status = "failed"
            mail.next_try_at = now + config.backoff * 2 ** (mail.attempts - 1)
            report.failed += 1
        else:
            mail.status = "gave-up"
            report.gave_up += 1


def send_due_notices(sessions: sessionmaker[Session], mailer: Mailer, config: NoticeConfig, *,
             now: dt.datetime | None = None) -> NoticeReport:
    """One run: claim, send every mail outside any transaction, record each result."""
    now = now or utcnow()
    report = NoticeReport()
    for draft in claim(sessions, config, now, report):
        error: MailError | None = None
        try:
            mailer.send(build_message(draft, mail_from=config.mail_from, base_url=config.console_url, now=now))
        except MailError as exc:
            error = exc
            log.warning("notice mail %d not sent (%s, code %s, maybe sent: %s)", draft.mail_id,
                        type(exc).__name__, exc.code, exc.maybe_sent)
        _record(sessions, config, draft, error, now, report)
    if report.sent or report.failed or report.uncertain or report.gave_up:
        log.info("hand-off notices: %s", {k: v for k, v in report.as_dict().items() if k != "mail_ids"})
    return report


def told_about(session: Session, question_ids: list[int]) -> dict[int, list[Told]]:
    """Who was told about each question, by which mail status and when (the inbox's "แจ้งแล้ว" line)."""
    if not question_ids:
        return {}
    rows = session.execute(
        select(HandoffNotice.question_id, Officer.display_name, Officer.username, NoticeMail.status,
               NoticeMail.sent_at, NoticeMail.created_at, HandoffNotice.urgent)
        .join(NoticeMail, NoticeMail.id == HandoffNotice.mail_id).join(Officer, Officer.id == HandoffNotice.officer_id)
        .where(HandoffNotice.question_id.in_(question_ids)).order_by(HandoffNotice.question_id, NoticeMail.id)).all()
    told: dict[int, list[Told]] = {}
    for qid, display, username, status, sent_at, created_at, urgent in rows:
        told.setdefault(qid, []).append(Told(display or username, status, sent_at or created_at, urgent))
    return told


def on_duty_count(session: Session) -> int:
    """How many officers a notice would go to now (active, on duty, with an address)."""
    return len(officers_on_duty(session))
