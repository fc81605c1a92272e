"""PDPA: a user's data exported and forgotten, old text expired, and every KPI count the same afterwards."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select, text

from handlers.chat.satisfaction import SurveyResponse
from handlers.clock import BANGKOK, utcnow
from handlers.inbox.service import HandoffAnswer, answer_question
from handlers.kpi import close_month, current_record
from handlers.models import Interaction, LineUser
from handlers.officers import AuditLog, create_officer
from handlers.ports import Profile
from handlers.privacy import FORGOTTEN_PREFIX, purge_expired_text
from tests.conftest import Line
from tests.fakes import FakeMessenger, follow_event, postback_event, text_event

A = "U" + "a1" * 16
B = "U" + "b2" * 16
NAME_A = "สมศรี ใจดีมาก"
QUESTION_A = "ชาวพม่ามาขอจดทะเบียนสมรส นางสาวมณีจันทร์ ต้องใช้เอกสารอะไรบ้าง"
COMMENT_A = "เจ้าหน้าที่ตอบเร็วมาก ขอบคุณคุณสมชายค่ะ"
ANSWER_A = "เรียนคุณสมศรี ใช้หนังสือรับรองโสดจากสถานทูตค่ะ"
QUESTION_B = "บัตรสีชมพูหายต้องทำอย่างไร"


def bkk(day: int, hour: int = 10, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    """A Bangkok wall-clock time, aware."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def ms(moment: dt.datetime) -> int:
    """LINE's event timestamp (milliseconds since the epoch)."""
    return int(moment.timestamp() * 1000)


def question_id(app: Flask, line_user_id: str, question: str) -> int:
    """The log id of a user's question."""
    with app.extensions["iao"].sessions() as session:
        return session.scalars(select(Interaction.id).join(LineUser, Interaction.user_id == LineUser.id).where(
            LineUser.line_user_id == line_user_id, Interaction.text == question)).one()


def populate(line: Line, app: Flask, messenger: FakeMessenger) -> dict[str, Any]:
    """Two district officers use @IAO in November 2026 (Bangkok); A asks an officer, scores and comments."""
    messenger.profiles[A] = Profile(A, NAME_A, "th")
    messenger.profiles[B] = Profile(B, "Somchai B", "en")
    events = [
        follow_event(A, timestamp_ms=ms(bkk(2, 9))),
        text_event(A, "บางรัก", timestamp_ms=ms(bkk(2, 9, 1))),
        follow_event(B, timestamp_ms=ms(bkk(2, 11))),
        text_event(B, "ปทุมวัน", timestamp_ms=ms(bkk(2, 11, 1))),
        text_event(A, QUESTION_A, timestamp_ms=ms(bkk(3, 10))),
        text_event(B, QUESTION_B, timestamp_ms=ms(bkk(4, 10))),
    ]
    for event in events:
        assert line.post(event) == 200
    q_a = question_id(app, A, QUESTION_A)
    assert line.post(postback_event(A, f"action=officer&q={q_a}", timestamp_ms=ms(bkk(3, 10, 2)))) == 200
    assert line.post(postback_event(A, "action=feedback&v=up&q=" + str(q_a), timestamp_ms=ms(bkk(3, 10, 3)))) == 200
    assert line.post(postback_event(A, "action=survey&score=4", timestamp_ms=ms(bkk(3, 10, 4)))) == 200
    assert line.post(text_event(A, COMMENT_A, timestamp_ms=ms(bkk(3, 10, 6)))) == 200
    sessions = app.extensions["iao"].sessions
    with sessions.begin() as session:
        officer_id = create_officer(session, "somchai", "a-long-password-1", display_name="สมชาย").id
    answer = answer_question(sessions, messenger, question_id=q_a, officer_id=officer_id, text=ANSWER_A,
                             mode="push")
    assert answer.status == "sent"
    with sessions() as session:
        survey = session.scalars(select(SurveyResponse)).one()
        assert (survey.score, survey.comment) == (4, COMMENT_A)
    return {"q_a": q_a, "officer_id": officer_id}


def months_touched(app: Flask) -> list[tuple[int, int]]:
    """Every Bangkok month with activity (the test month, and today's, when the officer answered)."""
    with app.extensions["iao"].sessions() as session:
        days = set(session.scalars(select(Interaction.bkk_day)))
    return sorted({(d.year, d.month) for d in days})


def close_all(app: Flask) -> dict[str, dict[str, Any]]:
    """Close every touched month with close_month; its figures by month."""
    figures: dict[str, dict[str, Any]] = {}
    with app.extensions["iao"].sessions.begin() as session:
        for year, month in months_touched(app):
            counts = close_month(session, year, month, utcnow(), closed_by="test")
            figures[counts.month] = counts.as_dict()
    return figures


def without_comments(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures minus the quoted comments: the counts that must survive forget and purge."""
    return {**figures, "satisfaction": {k: v for k, v in figures["satisfaction"].items() if k != "survey_comments"}}


def database_text(app: Flask) -> str:
    """Every value of every table in the database, as one string to search for personal data."""
    engine = app.extensions["iao"].engine
    parts: list[str] = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            if name == "apscheduler_jobs":
                continue  # pickled job definitions, no user data
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                parts.extend(_readable(value) for value in row)
    return "\n".join(parts)


def _readable(value: object) -> str:
    """A value as text; JSON (raw webhook events, KPI figures) decoded so escaped Thai is found too."""
    raw = str(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return raw + "\n" + json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            pass
    return raw


# ----------------------------------------------------------------------------- export
def test_export_prints_everything_stored_about_the_user(line: Line, app: Flask, messenger: FakeMessenger) -> None:
    populate(line, app, messenger)
    result = app.test_cli_runner().invoke(args=["user", "export", A])
    assert result.exit_code == 0, result.output
    assert NAME_A in result.stdout and QUESTION_A in result.stdout  # Thai as Thai, not \\u escapes
    data = json.loads(result.stdout)
    assert data["profile"]["line_user_id"] == A
    assert data["profile"]["display_name"] == NAME_A
    assert data["profile"]["followed_at"] == "2026-11-02T09:00:00+07:00"
    assert data["district"]["name_th"] == "บางรัก"
    inbound = [i for i in data["interactions"] if i["direction"] == "in"]
    outbound = [i for i in data["interactions"] if i["direction"] == "out"]
    assert [i["kind"] for i in inbound][:2] == ["follow", "text"]
    asked = next(i for i in inbound if i["text"] == QUESTION_A)
    assert asked["occurred_at"] == "2026-11-03T10:00:00+07:00" and asked["handoff"] is True
    assert outbound and all(i["occurred_at"].endswith("+07:00") for i in data["interactions"])
    assert any(ANSWER_A in (i["text"] or "") for i in outbound)  # the officer's answer as sent
    assert data["survey_responses"] == [{
        "period": "2026-11", "offered_at": data["survey_responses"][0]["offered_at"], "score": 4,
        "answered_at": "2026-11-03T10:04:00+07:00", "comment": COMMENT_A, "commented_at": "2026-11-03T10:06:00+07:00",
    }]
    assert [(a["text"], a["status"], a["officer"]) for a in data["officer_answers"]] == [(ANSWER_A, "sent", "สมชาย")]
    assert QUESTION_B not in result.stdout and "Somchai B" not in result.stdout  # nobody else's data
    with app.extensions["iao"].sessions() as session:
        audited = session.scalars(select(AuditLog).where(AuditLog.action == "user-export")).one()
        assert audited.target and audited.target.startswith("line_user:") and A not in audited.target


def test_export_to_a_file_is_utf8_json(line: Line, app: Flask, messenger: FakeMessenger, tmp_path: Path) -> None:
    populate(line, app, messenger)
    out = tmp_path / "a.json"
    result = app.test_cli_runner().invoke(args=["user", "export", A, "--output", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_text(encoding="utf-8")
    assert COMMENT_A in raw
    assert json.loads(raw)["profile"]["line_user_id"] == A


def test_unknown_user_exits_1_with_a_message(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in (["user", "export", "Unobody"], ["user", "forget", "Unobody", "--yes"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1
        assert "no LINE user 'Unobody' is stored" in result.stderr


# ----------------------------------------------------------------------------- forget
def test_forget_erases_personal_data_and_keeps_every_count(line: Line, app: Flask,
                                                           messenger: FakeMessenger) -> None:
    facts = populate(line, app, messenger)
    before = close_all(app)
    assert "2026-11" in before
    november = before["2026-11"]
    assert november["questions"] == 2 and november["followers_total"] == 2
    assert november["satisfaction"]["survey_comments"] == [COMMENT_A]
    before_text = database_text(app)
    assert all(secret in before_text for secret in (A, NAME_A, QUESTION_A, COMMENT_A, ANSWER_A))

    result = app.test_cli_runner().invoke(args=["user", "forget", A, "--yes"])
    assert result.exit_code == 0, result.output
    assert "KPI counts unchanged" in result.stdout

    after = close_all(app)
    assert after.keys() == before.keys()
    for month, figures in before.items():
        assert without_comments(after[month]) == without_comments(figures), month
    assert after["2026-11"]["satisfaction"]["survey_comments"] == []
    assert after["2026-11"]["satisfaction"]["survey_mean"] == 4.0

    everything = database_text(app)
    for secret in (A, NAME_A, QUESTION_A, COMMENT_A, ANSWER_A):
        assert secret not in everything, secret
    assert QUESTION_B in everything and "Somchai B" in everything  # the other user is untouched

    sessions = app.extensions["iao"].sessions
    with sessions() as session:
        forgotten = session.scalars(select(LineUser).where(LineUser.line_user_id.startswith(FORGOTTEN_PREFIX))).one()
        assert forgotten.display_name is None and forgotten.language is None
        assert forgotten.district_id is not None and forgotten.followed_at is not None
        rows = session.scalars(select(Interaction).where(Interaction.user_id == forgotten.id)).all()
        assert rows and all(r.text is None for r in rows)
        question = session.get_one(Interaction, facts["q_a"])
        assert (question.kind, question.direction, question.handoff, question.district_id) == (
            "text", "in", True, forgotten.district_id)
        survey = session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == forgotten.id)).one()
        assert survey.score == 4 and survey.comment is None
        answer = session.scalars(select(HandoffAnswer)).one()
        assert answer.text == "" and answer.status == "sent"
        log = session.scalars(select(AuditLog).where(AuditLog.action == "user-forget")).one()
        assert log.target == f"line_user:{forgotten.id}" and "interactions=" in (log.detail or "")
        record = current_record(session, "2026-11")
        assert record is not None and record.figures["satisfaction"]["survey_comments"] == []

    assert app.test_cli_runner().invoke(args=["user", "export", A]).exit_code == 1
    # The same LINE account following again is a new user, not the forgotten row.
    assert line.post(follow_event(A, timestamp_ms=ms(bkk(20)))) == 200
    with sessions() as session:
        again = session.scalars(select(LineUser).where(LineUser.line_user_id == A)).one()
        assert again.id != forgotten.id and again.district_id is None


def test_forget_asks_first_and_keeps_everything_when_refused(line: Line, app: Flask,
                                                             messenger: FakeMessenger) -> None:
    populate(line, app, messenger)
    result = app.test_cli_runner().invoke(args=["user", "forget", A], input="n\n")
    assert result.exit_code == 1  # click's Abort
    assert QUESTION_A in database_text(app)
    result = app.test_cli_runner().invoke(args=["user", "forget", A], input="y\n")
    assert result.exit_code == 0, result.output
    assert QUESTION_A not in database_text(app)


# ----------------------------------------------------------------------------- retention
def test_purge_blanks_old_text_and_keeps_counts(line: Line, app: Flask, messenger: FakeMessenger) -> None:
    populate(line, app, messenger)
    before = close_all(app)
    # Ten days after 3 November (Bangkok), a 5-day retention has expired A's November text but not today's.
    sessions = app.extensions["iao"].sessions
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--days", "5", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would blank" in dry.stdout
    assert QUESTION_A in database_text(app)  # a dry run changes nothing

    report = purge_expired_text(sessions, days=5, now=bkk(13))
    assert report.interactions > 0 and report.survey_comments == 1
    assert report.monthly_records == 1  # November's closed record no longer quotes the comment
    assert report.officer_answers == 0  # the officer answered today: not expired on 13 November
    with sessions() as session:
        old = session.scalars(select(Interaction).where(Interaction.occurred_at < bkk(8))).all()
        assert old and all(r.text is None for r in old)
        assert session.scalars(select(SurveyResponse)).one().comment is None
        assert session.scalars(select(HandoffAnswer)).one().text == ANSWER_A
        display = session.scalars(select(LineUser.display_name).where(LineUser.line_user_id == A)).one()
        assert display == NAME_A  # the profile is kept while the person uses @IAO
    after = close_all(app)
    for month, figures in before.items():
        assert without_comments(after[month]) == without_comments(figures), month
    again = purge_expired_text(sessions, days=5, now=bkk(13))
    assert (again.interactions, again.survey_comments, again.officer_answers) == (0, 0, 0)  # idempotent

    # Six days from now everything has expired. Stored webhook events were already blanked when handled,
    # so the purge finds none left to blank.
    later = purge_expired_text(sessions, days=5, now=utcnow() + dt.timedelta(days=6))
    assert later.officer_answers == 1 and later.queued_events == 0 and later.monthly_records == 0
    everything = database_text(app)
    for secret in (QUESTION_A, COMMENT_A, ANSWER_A, QUESTION_B):
        assert secret not in everything, secret
    assert A in everything and NAME_A in everything  # the profile stays while the person uses @IAO
    final = close_all(app)
    for month, figures in before.items():
        assert without_comments(final[month]) == without_comments(figures), month


def test_purge_command_uses_the_retention_setting(line: Line, app: Flask, messenger: FakeMessenger) -> None:
    populate(line, app, messenger)
    assert app.extensions["iao"].settings.retention_days == 365
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "older than 365 days" in result.stdout and "blanked 0 message(s)" in result.stdout
    assert QUESTION_A in database_text(app)
    bad = app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "0"])
    assert bad.exit_code == 2
