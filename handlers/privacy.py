"""Personal data under Thailand's PDPA: export one user's data, forget a user, and expire old message text.

What the KPI counts read (kind, outcome, direction, district, category, handoff, times, scores) is kept;
what identifies or quotes a person (message text, survey comments, officer answers, name, LINE id) goes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from handlers.chat.prompts import forget as forget_prompt
from handlers.chat.satisfaction import SurveyResponse
from handlers.clock import BANGKOK, bangkok_day, utcnow
from handlers.club.service import registrations_of_user
from handlers.inbox.attachments import export_user_files, forget_user_files, purge_before
from handlers.inbox.service import HandoffAnswer, HandoffResolution
from handlers.kb.editor import forget_words
from handlers.kpi.models import MonthlyRecord
from handlers.kpi.periods import month_days
from handlers.models import District, Interaction, LineUser
from handlers.officers import AuditLog, Officer, audit
from handlers.tips.models import Broadcast
from handlers.transactions import changed_rows
from handlers.webhook_queue import QueuedEvent

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 365
FORGOTTEN_PREFIX = "forgotten-"
EXPORT_FORMAT = "iao-personal-data/1"
# The webhook queue keeps each event as LINE sent it (user id and text): handled ones are blanked too.
BLANK_PAYLOAD = "{}"


class UnknownUser(LookupError):
    """No stored LINE user has this id (never seen, or already forgotten)."""


# ----------------------------------------------------------------------------- helpers
def bkk_iso(moment: dt.datetime | None) -> str | None:
    """An aware UTC time as Bangkok ISO 8601 (+07:00), the way the person reads their own times."""
    return None if moment is None else moment.astimezone(BANGKOK).isoformat()


def find_user(session: Session, line_user_id: str) -> LineUser | None:
    """The stored user behind LINE's "U..." id, or None."""
    return session.scalars(select(LineUser).where(LineUser.line_user_id == line_user_id.strip())).first()


def _require(session: Session, line_user_id: str) -> LineUser:
    """The user, or UnknownUser with a message the CLI can print as is."""
    user = find_user(session, line_user_id)
    if user is None:
        raise UnknownUser(f"no LINE user {line_user_id.strip()!r} is stored (never seen, or already forgotten)")
    return user


def _is_pseudonym(line_user_id: str) -> bool:
    """True for a row already forgotten."""
    return line_user_id.startswith(FORGOTTEN_PREFIX)


# ----------------------------------------------------------------------------- export
def _district(district: District | None) -> dict[str, Any] | None:
    """A district as plain data."""
    if district is None:
        return None
    return {"code": district.code, "name_th": district.name_th, "name_en": district.name_en,
            "group_th": district.group_th}


def export_user(session: Session, line_user_id: str) -> dict[str, Any]:
    """Everything stored about one LINE user, as plain JSON-able data (a PDPA access request)."""
    user = _require(session, line_user_id)
    interactions = session.scalars(select(Interaction).where(Interaction.user_id == user.id)
                                   .order_by(Interaction.occurred_at, Interaction.id)).all()
    surveys = session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id)
                              .order_by(SurveyResponse.period, SurveyResponse.id)).all()
    answers = session.scalars(select(HandoffAnswer).where(HandoffAnswer.user_id == user.id)
                              .order_by(HandoffAnswer.id)).all()
    officer_ids = {a.officer_id for a in answers}
    officers = ({o.id: o for o in session.scalars(select(Officer).where(Officer.id.in_(officer_ids)))}
                if officer_ids else {})
    districts = {d.id: d for d in session.scalars(select(District))}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": bkk_iso(utcnow()),
        "timezone": "Asia/Bangkok",
        "controller": "สำนักงานการต่างประเทศ กรุงเทพมหานคร (@IAO)",
        "profile": {
            "line_user_id": user.line_user_id,
            "display_name": user.display_name,
            "language": user.language,
            "role": user.role,
            "is_follower": user.is_follower,
            "awaiting_district": user.awaiting_district,
            "followed_at": bkk_iso(user.followed_at),
            "unfollowed_at": bkk_iso(user.unfollowed_at),
            "district_registered_at": bkk_iso(user.district_registered_at),
            "created_at": bkk_iso(user.created_at),
        },
        "district": _district(districts.get(user.district_id) if user.district_id else None),
        "interactions": [
            {"id": row.id, "occurred_at": bkk_iso(row.occurred_at), "direction": row.direction, "kind": row.kind,
             "text": row.text, "outcome": row.outcome, "answered_by": row.answered_by, "category": row.category,
             "entry_id": row.entry_id, "handoff": row.handoff, "in_reply_to_id": row.in_reply_to_id,
             "delivery": row.delivery,
             "district": (districts[row.district_id].name_th if row.district_id in districts else None)}
            for row in interactions
        ],
        "survey_responses": [
            {"period": s.period, "offered_at": bkk_iso(s.offered_at), "score": s.score,
             "answered_at": bkk_iso(s.answered_at), "comment": s.comment, "commented_at": bkk_iso(s.commented_at)}
            for s in surveys
        ],
        "officer_answers": [
            {"id": a.id, "question_id": a.question_id, "text": a.text, "mode": a.mode, "status": a.status,
             "officer": officers[a.officer_id].label if a.officer_id in officers else None,
             "created_at": bkk_iso(a.created_at), "delivered_at": bkk_iso(a.delivered_at)}
            for a in answers
        ],
        "english_club_registrations": registrations_of_user(session, user.id),
        # Photos and files they sent, with the content itself (base64) while it is kept.
        "attachments": export_user_files(session, user.id),
    }


def export_json(session: Session, line_user_id: str) -> str:
    """The export as indented JSON with Thai text as Thai (not \\u escapes)."""
    return json.dumps(export_user(session, line_user_id), ensure_ascii=False, indent=2)


def export_person(session: Session, line_user_id: str, *, actor: str, officer: Officer | None = None,
                  remote_addr: str | None = None) -> str:
    """A PDPA access request (`user export` and the console): the JSON, and who asked it in the audit log."""
    text = export_json(session, line_user_id)  # UnknownUser when nobody has that id
    user = _require(session, line_user_id)
    audit(session, officer, "user-export", target=f"line_user:{user.id}", username=actor, remote_addr=remote_addr)
    return text


# ----------------------------------------------------------------------------- forget
@dataclass(frozen=True)
class ForgetReport:
    """What a forget changed, in numbers only: it is logged and audited, so it carries no text or LINE id."""

    user_id: int
    interactions: int
    survey_comments: int
    officer_answers: int
    resolution_notes: int
    broadcast_targets: int
    monthly_records: int
    queued_events: int
    audit_details: int = 0
    kb_drafts: int = 0
    kb_changes: int = 0
    attachments: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain data for the CLI and the audit line."""
        return asdict(self)


def forget_user(session: Session, line_user_id: str, *, actor: str = "cli", officer: Officer | None = None,
                knowledge_dir: Path | None = None, remote_addr: str | None = None) -> ForgetReport:
    """Erase a person's personal data in the caller's transaction while every KPI count stays the same.

    The row and its internal id stay (follower and district counts use them); the LINE id becomes a
    random pseudonym that no event can carry, so a later follow from the same account is a new user.
    """
    user = _require(session, line_user_id)
    real_id = user.line_user_id
    mine = Interaction.user_id == user.id
    question_ids = list(session.scalars(select(Interaction.id).where(mine, Interaction.handoff.is_(True))))
    # Their words, gathered before they are blanked, to find copies elsewhere (drafts, history, audit notes).
    words = [*session.scalars(select(Interaction.text).where(mine, Interaction.direction == "in",
                                                              Interaction.text.is_not(None))),
             *session.scalars(select(HandoffAnswer.text).where(HandoffAnswer.user_id == user.id))]
    answer_ids = list(session.scalars(select(HandoffAnswer.id).where(HandoffAnswer.user_id == user.id)))

    interactions = changed_rows(session.execute(
        update(Interaction).where(mine, Interaction.text.is_not(None)).values(text=None)
        .execution_options(synchronize_session=False)))
    comments = [c for c in session.scalars(select(SurveyResponse.comment).where(
        SurveyResponse.user_id == user.id, SurveyResponse.comment.is_not(None), SurveyResponse.comment != ""))
        if c is not None]
    session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id,
                                                 SurveyResponse.comment.is_not(None))
                    .values(comment=None).execution_options(synchronize_session=False))
    answers = changed_rows(session.execute(
        update(HandoffAnswer).where(HandoffAnswer.user_id == user.id, HandoffAnswer.text != "")
        .values(text="", error=None).execution_options(synchronize_session=False)))
    notes = 0
    if question_ids:
        notes = changed_rows(session.execute(
            update(HandoffResolution).where(HandoffResolution.question_id.in_(question_ids),
                                            HandoffResolution.note.is_not(None))
            .values(note=None).execution_options(synchronize_session=False)))
    words += comments
    audit_details = _blank_audit_details(session, [f"question:{q}" for q in question_ids]
                                         + [f"answer:{a}" for a in answer_ids])
    in_kb = forget_words(session, knowledge_dir, words)
    targets = _drop_broadcast_target(session, real_id)
    records = _drop_comments_from_records(session, comments)
    queued = _blank_queue(session, contains=real_id)
    files = forget_user_files(session, user.id)  # photos and files, and the names they gave them

    forget_prompt(session, user)  # what was last offered them holds question ids: it goes with the person
    user.line_user_id = f"{FORGOTTEN_PREFIX}{uuid.uuid4().hex}"
    user.display_name = None
    user.language = None
    user.is_follower = False  # never a broadcast target again: the pseudonym is no LINE account
    user.awaiting_district = False
    session.flush()
    report = ForgetReport(user.id, interactions, len(comments), answers, notes, targets, records, queued,
                          audit_details, in_kb.drafts, in_kb.changes, files)
    detail = "; ".join(f"{k}={v}" for k, v in report.as_dict().items() if k != "user_id")
    audit(session, officer, "user-forget", target=f"line_user:{user.id}", detail=detail, username=actor,
          remote_addr=remote_addr)
    log.info("forgot LINE user #%d (%s)", user.id, detail)
    return report


def _blank_audit_details(session: Session, targets: list[str], *, before: dt.datetime | None = None) -> int:
    """Blank the free-text detail of audit rows about these questions and answers (who, what and when stay)."""
    where: list[ColumnElement[bool]] = [AuditLog.detail.is_not(None)]
    if targets:
        where.append(AuditLog.target.in_(targets))
    elif before is None:
        return 0
    if before is not None:
        where += [AuditLog.action == "resolve", AuditLog.occurred_at < before]
    return int(changed_rows(session.execute(update(AuditLog).where(*where).values(detail=None)
                               .execution_options(synchronize_session=False))))


def _drop_broadcast_target(session: Session, line_user_id: str) -> int:
    """Remove a LINE id from every send's frozen target list (sent ones keep their counts in `recipients`)."""
    changed = 0
    for row in session.scalars(select(Broadcast).where(Broadcast.targets.contains(line_user_id, autoescape=True))):
        ids = json.loads(row.targets or "[]")
        kept = [i for i in ids if i != line_user_id]
        if len(kept) != len(ids):
            row.targets = json.dumps(kept)
            changed += 1
    return changed


def _blank_queue(session: Session, *, contains: str | None = None, before: dt.datetime | None = None,
                 dry_run: bool = False) -> int:
    """Blank the raw payload of handled (not pending) queued events holding an id, or received before a time."""
    where = [QueuedEvent.status != "pending", QueuedEvent.payload != BLANK_PAYLOAD]
    if contains is not None:
        where.append(QueuedEvent.payload.contains(contains, autoescape=True))
    if before is not None:
        where.append(QueuedEvent.received_at < before)
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(QueuedEvent).where(*where)) or 0)
    return int(changed_rows(session.execute(update(QueuedEvent).where(*where).values(payload=BLANK_PAYLOAD)
                               .execution_options(synchronize_session=False))))


def _without_comments(figures: dict[str, Any], drop: set[str] | None) -> dict[str, Any] | None:
    """A copy of stored KPI figures without these comments (all when drop is None), or None if unchanged."""
    satisfaction = figures.get("satisfaction") if isinstance(figures, dict) else None
    if not isinstance(satisfaction, dict) or not satisfaction.get("survey_comments"):
        return None
    old = list(satisfaction["survey_comments"])
    new = [] if drop is None else [c for c in old if c not in drop]
    if new == old:
        return None
    return {**figures, "satisfaction": {**satisfaction, "survey_comments": new}}


def _drop_comments_from_records(session: Session, comments: list[str]) -> int:
    """Take the person's comments out of closed months too (the reports quote them); counts are untouched."""
    if not comments:
        return 0
    drop = set(comments)
    changed = 0
    for record in session.scalars(select(MonthlyRecord)):
        figures = _without_comments(record.figures, drop)
        if figures is not None:
            record.figures = figures
            changed += 1
    return changed


# ----------------------------------------------------------------------------- retention
@dataclass(frozen=True)
class PurgeReport:
    """How much text a retention run blanked (or would blank, on a dry run)."""

    cutoff: str
    days: int
    dry_run: bool
    interactions: int
    survey_comments: int
    officer_answers: int
    monthly_records: int
    queued_events: int
    inbox_notes: int = 0
    attachments: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the CLI and the log."""
        return asdict(self)


def retention_cutoff(days: int, now: dt.datetime) -> dt.datetime:
    """The moment before which message text has expired; refuses a period under one day."""
    if days < 1:
        raise ValueError("the retention period must be at least 1 day")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now - dt.timedelta(days=days)


def purge_text(session: Session, days: int, now: dt.datetime, *, dry_run: bool = False) -> PurgeReport:
    """Blank message text older than `days` in the caller's transaction; counts, times and scores stay."""
    cutoff = retention_cutoff(days, now)
    # bkk_day is indexed: it narrows the scan, occurred_at decides to the second.
    old_lines = and_(Interaction.bkk_day <= bangkok_day(cutoff), Interaction.occurred_at < cutoff,
                     Interaction.text.is_not(None))
    old_comments = and_(SurveyResponse.comment.is_not(None), SurveyResponse.comment != "",
                        func.coalesce(SurveyResponse.commented_at, SurveyResponse.answered_at,
                                      SurveyResponse.offered_at) < cutoff)
    old_answers = and_(HandoffAnswer.created_at < cutoff, HandoffAnswer.text != "")
    # Closed months quote comments in their reports: drop the expiring ones, and all of a month long past.
    expiring = {c for c in session.scalars(select(SurveyResponse.comment).where(old_comments)) if c is not None}
    new_figures: dict[int, tuple[MonthlyRecord, dict[str, Any]]] = {}
    for record in session.scalars(select(MonthlyRecord)):
        figures = _without_comments(record.figures, None if _month_ended_before(record.month, cutoff) else expiring)
        if figures is not None:
            new_figures[record.id] = (record, figures)
    queued = _blank_queue(session, before=cutoff, dry_run=dry_run)
    files = purge_before(session, cutoff, dry_run=dry_run)  # photos and files expire with the text
    old_notes = and_(HandoffResolution.resolved_at < cutoff, HandoffResolution.note.is_not(None))
    if dry_run:
        notes = session.scalar(select(func.count()).select_from(HandoffResolution).where(old_notes)) or 0
    else:  # an officer's closing note may quote the question: it expires with it
        notes = changed_rows(session.execute(update(HandoffResolution).where(old_notes).values(note=None)
                                .execution_options(synchronize_session=False)))
        _blank_audit_details(session, [], before=cutoff)
    if dry_run:
        lines = session.scalar(select(func.count()).select_from(Interaction).where(old_lines)) or 0
        comments = session.scalar(select(func.count()).select_from(SurveyResponse).where(old_comments)) or 0
        answers = session.scalar(select(func.count()).select_from(HandoffAnswer).where(old_answers)) or 0
    else:
        lines = changed_rows(session.execute(update(Interaction).where(old_lines).values(text=None)
                                .execution_options(synchronize_session=False)))
        comments = changed_rows(session.execute(update(SurveyResponse).where(old_comments).values(comment=None)
                                   .execution_options(synchronize_session=False)))
        answers = changed_rows(session.execute(update(HandoffAnswer).where(old_answers).values(text="")
                                  .execution_options(synchronize_session=False)))
        for record, figures in new_figures.values():
            record.figures = figures
        session.flush()
    return PurgeReport(cutoff=bkk_iso(cutoff) or "", days=days, dry_run=dry_run, interactions=int(lines),
                       survey_comments=int(comments), officer_answers=int(answers), monthly_records=len(new_figures),
                       queued_events=queued, inbox_notes=int(notes), attachments=files)


def _month_ended_before(month: str, cutoff: dt.datetime) -> bool:
    """True when every day of a "YYYY-MM" Bangkok month lies before the cutoff's Bangkok day."""
    try:
        year, number = (int(p) for p in month.split("-"))
        return month_days(year, number)[1] < bangkok_day(cutoff)
    except (ValueError, TypeError):
        return False


def purge_expired_text(sessions: sessionmaker[Session], days: int = DEFAULT_RETENTION_DAYS,
                       now: dt.datetime | None = None, *, dry_run: bool = False,
                       actor: str = "scheduler") -> PurgeReport:
    """Blank expired text in one transaction and audit it: the daily job and `privacy purge` alike.

    Safe to run again; a dry run only counts and is not audited. ValueError for a bad number of days.
    """
    with sessions.begin() as session:
        report = purge_text(session, days, now or utcnow(), dry_run=dry_run)
        if not dry_run:
            audit(session, None, "privacy-purge", target=f"before:{report.cutoff}"[:200], username=actor,
                  detail=f"days={days}; interactions={report.interactions}; "
                         f"survey_comments={report.survey_comments}; officer_answers={report.officer_answers}; "
                         f"monthly_records={report.monthly_records}; queued_events={report.queued_events}; "
                         f"attachments={report.attachments}")
    if any(v for k, v in report.as_dict().items() if k not in ("cutoff", "days", "dry_run")):
        log.info("retention (%d days, before %s): blanked %d message(s), %d survey comment(s), "
                 "%d officer answer(s), comments of %d closed month(s), %d queued event(s), deleted %d file(s)",
                 report.days, report.cutoff, report.interactions, report.survey_comments, report.officer_answers,
                 report.monthly_records, report.queued_events, report.attachments)
    return report
