"""Satisfaction evidence (แบบสอบถามความคิดเห็นออนไลน์): 👍/👎 counts and a monthly 1–5 survey in replies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, and_, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from handlers.chat import postbacks, prompts
from handlers.chat.replies import Message, QuickReply
from handlers.clock import BANGKOK
from handlers.models import Base, Interaction, LineUser, UtcDateTime

SCORES_TH = {5: "พอใจมาก", 4: "พอใจ", 3: "ปานกลาง", 2: "ไม่ค่อยพอใจ", 1: "ไม่พอใจ"}
COMMENT_WINDOW = dt.timedelta(minutes=15)  # a text this soon after scoring is taken as the comment
COMMENT_PROMPT = "comment"  # the prompt a score leaves: only the message right after it can be the comment
SKIP_COMMENT = "ไม่มีความคิดเห็นเพิ่มเติม"
SKIP_WORDS = ("ข้าม", "skip", "ไม่มี", "ไม่มีค่ะ", "ไม่มีครับ", "".join(SKIP_COMMENT.split()))
QUESTION = "แบบสอบถามความพึงพอใจ @IAO (เดือนละครั้ง): ท่านพอใจบริการของ @IAO เดือนนี้เพียงใดคะ?"
# Only after these outcomes is a survey offered: the user just got something from the bot.
OFFER_AFTER = ("answer", "menu-answer", "thanks", "feedback-up")


class SurveyResponse(Base):
    """One user's survey of one Bangkok month: offered once, scored 1–5, maybe commented."""

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    period: Mapped[str] = mapped_column(String(7))  # Bangkok month "2026-11" the offer belongs to
    offered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    commented_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


def _period(now: dt.datetime) -> str:
    """The Bangkok month of a moment, "YYYY-MM"."""
    return now.astimezone(BANGKOK).strftime("%Y-%m")


def survey_offer(session: Session, user: LineUser | None, now: dt.datetime) -> Message | None:
    """A survey message to append to a reply (free), or None if this user had this month's offer already."""
    if user is None:
        return None
    period = _period(now)
    taken = session.scalar(select(SurveyResponse.id).where(SurveyResponse.user_id == user.id,
                                                           SurveyResponse.period == period))
    if taken is not None:
        return None
    session.add(SurveyResponse(user_id=user.id, district_id=user.district_id, period=period, offered_at=now))
    session.flush()
    buttons = tuple(
        QuickReply(label=f"{score} {SCORES_TH[score]}", data=postbacks.survey_score(score),
                   display_text=f"ความพึงพอใจ {score} - {SCORES_TH[score]}")
        for score in (5, 4, 3, 2, 1)
    )
    return Message(QUESTION + "\n(5 = พอใจมาก … 1 = ไม่พอใจ) กดปุ่ม หรือพิมพ์ตัวเลข 1 ถึง 5 "
                   "ข้อมูลนี้ใช้ประกอบรายงานผลการดำเนินงาน ไม่ระบุตัวบุคคล",
                   buttons)


def record_survey_answer(session: Session, user: LineUser | None, data: str, now: dt.datetime) -> Message | None:
    """Store a score from an `action=survey&score=N` postback and invite a comment; None if data is not one."""
    tap = postbacks.decode(data)
    if tap.action != "survey" or user is None:
        return None
    raw = tap.text("score")
    if tap.text("skip"):
        row = _latest(session, user)
        if row is not None and row.comment is None:
            row.comment = ""
            row.commented_at = now
        return Message("ขอบคุณที่ตอบแบบสอบถามค่ะ 🙏")
    if not (raw.isdigit() and 1 <= int(raw) <= 5):
        return Message("ขออภัยค่ะ คะแนนต้องเป็น 1 ถึง 5")
    period = _period(now)
    row = session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id,
                                                       SurveyResponse.period == period)).first()
    if row is None:  # answered an offer from last month, or tapped an old button: count it this month
        row = SurveyResponse(user_id=user.id, district_id=user.district_id, period=period, offered_at=now)
        session.add(row)
    row.score = int(raw)
    row.answered_at = now
    row.district_id = user.district_id
    session.flush()
    prompts.remember(session, user, COMMENT_PROMPT, [], now)  # the next text is the comment, nothing later is
    skip = QuickReply(label="ข้าม", data=postbacks.survey_skip(), display_text=SKIP_COMMENT)
    return Message(f"ขอบคุณค่ะ บันทึกความพึงพอใจ {row.score} ({SCORES_TH[row.score]}) แล้ว 🙏\n"
                   "มีข้อเสนอแนะเพิ่มเติมไหมคะ? พิมพ์สั้น ๆ ภายใน 15 นาที หรือพิมพ์/กด \"ข้าม\"", (skip,))


def take_survey_comment(session: Session, user: LineUser | None, text: str, now: dt.datetime) -> Message | None:
    """If this text follows a fresh survey score without a comment yet, keep it as the comment and thank."""
    if user is None or not text.strip():
        return None
    row = _latest(session, user)
    if (row is None or row.answered_at is None or row.comment is not None
            or not dt.timedelta(0) <= now - row.answered_at <= COMMENT_WINDOW):
        return None
    row.commented_at = now
    if "".join(text.lower().split()) in SKIP_WORDS:
        row.comment = ""
        return Message("ขอบคุณที่ตอบแบบสอบถามค่ะ 🙏")
    row.comment = text.strip()[:2000]
    return Message("ขอบคุณสำหรับข้อเสนอแนะค่ะ 🙏 ทีมงานจะนำไปปรับปรุงบริการ")


def _latest(session: Session, user: LineUser) -> SurveyResponse | None:
    """The user's most recently scored survey."""
    return session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id,
                                                        SurveyResponse.answered_at.is_not(None))
                           .order_by(SurveyResponse.answered_at.desc()).limit(1)).first()


@dataclass
class Satisfaction:
    """A month's satisfaction figures for the KPI record and the reports."""

    feedback_up: int = 0
    feedback_down: int = 0
    survey_offered: int = 0
    survey_responses: int = 0
    survey_mean: float | None = None
    survey_distribution: dict[str, int] = field(default_factory=lambda: {str(s): 0 for s in range(1, 6)})
    survey_comments: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {
            "feedback_up": self.feedback_up, "feedback_down": self.feedback_down,
            "survey_offered": self.survey_offered, "survey_responses": self.survey_responses,
            "survey_mean": self.survey_mean, "survey_distribution": dict(self.survey_distribution),
            "survey_comments": list(self.survey_comments),
        }


def month_satisfaction(session: Session, first_day: dt.date, last_day: dt.date,
                       start_utc: dt.datetime, end_utc: dt.datetime) -> Satisfaction:
    """👍/👎 from the log (by Bangkok day) and survey scores answered within [start_utc, end_utc)."""
    result = Satisfaction()
    votes = session.execute(
        select(Interaction.outcome, func.count()).where(
            Interaction.bkk_day.between(first_day, last_day), Interaction.direction == "in",
            Interaction.outcome.in_(("feedback-up", "feedback-down")),
        ).group_by(Interaction.outcome)
    ).all()
    for outcome, n in votes:
        if outcome == "feedback-up":
            result.feedback_up = n
        else:
            result.feedback_down = n
    period = first_day.strftime("%Y-%m")
    result.survey_offered = session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.period == period)) or 0
    answered = and_(SurveyResponse.answered_at >= start_utc, SurveyResponse.answered_at < end_utc,
                    SurveyResponse.score.is_not(None))
    for score, n in session.execute(select(SurveyResponse.score, func.count()).where(answered)
                                    .group_by(SurveyResponse.score)):
        result.survey_distribution[str(score)] = n
    total = sum(result.survey_distribution.values())
    result.survey_responses = total
    if total:
        result.survey_mean = round(sum(int(s) * n for s, n in result.survey_distribution.items()) / total, 2)
    result.survey_comments = [c for c in session.scalars(
        select(SurveyResponse.comment).where(answered, SurveyResponse.comment.is_not(None),
                                             SurveyResponse.comment != "").order_by(SurveyResponse.answered_at))
        if c is not None]
    return result
