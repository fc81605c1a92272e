"""A month of signed webhook activity closes to exactly the right counts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from handlers.chat.satisfaction import record_survey_answer, survey_offer, take_survey_comment
from handlers.clock import BANGKOK, bangkok_day
from handlers.kpi import close_month, fiscal_year_of, history, parse_month, previous_month
from handlers.kpi.periods import month_utc_bounds
from handlers.models import Interaction, LineUser
from tests.conftest import Line
from tests.fakes import base_event, follow_event, postback_event, text_event

A, B, C, D = ("U" + ch * 32 for ch in "abcd")


def bkk(day: int, hour: int = 10, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    """A Bangkok wall-clock time, aware."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def ms(moment: dt.datetime) -> int:
    """LINE's event timestamp (milliseconds since the epoch)."""
    return int(moment.timestamp() * 1000)


def decide(app: Flask, text: str) -> str:
    """What the bot's matcher does with a question (the counts must agree with it)."""
    return app.extensions["iao"].library.current()[1].decide(text).outcome


def question_id(app: Flask, user: str, text: str) -> int:
    """The log id of a user's question."""
    with app.extensions["iao"].sessions() as session:
        return session.scalars(select(Interaction.id).join(LineUser, Interaction.user_id == LineUser.id).where(
            LineUser.line_user_id == user, Interaction.text == text)).one()


Q_A1 = "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง"
Q_A2 = "บัตรสีชมพูหายต้องทำอย่างไร"
Q_A_NEXT_MONTH = "ฝรั่งมาพักบ้านต้องแจ้ง ตม.30 ไหม"
Q_B = "ขอสูตรทำต้มยำกุ้งหน่อย"
Q_C = "บัตรประชาชนหายทำยังไง"
Q_D_OCTOBER = "ขอเบอร์ติดต่อสถานทูต"


def send_month(line: Line, app: Flask) -> dict[str, Any]:
    """Post November 2026 (Bangkok) through /callback, plus October and 1 December noise; return facts."""
    events = [
        # October: D follows, registers Dusit and asks (none of it counts in November)
        follow_event(D, timestamp_ms=ms(bkk(15, month=10))),
        text_event(D, "ดุสิต", timestamp_ms=ms(bkk(15, 10, 5, month=10))),
        text_event(D, Q_D_OCTOBER, timestamp_ms=ms(bkk(16, month=10))),
        # November
        follow_event(A, timestamp_ms=ms(bkk(2, 9))),
        text_event(A, "บางรัก", timestamp_ms=ms(bkk(2, 9, 1))),
        follow_event(B, timestamp_ms=ms(bkk(2, 11))),
        postback_event(B, "action=set-district&code=1007", timestamp_ms=ms(bkk(2, 11, 1))),
        follow_event(C, timestamp_ms=ms(bkk(2, 13))),
        text_event(A, Q_A1, timestamp_ms=ms(bkk(3, 10))),
        text_event(B, "เมนู", timestamp_ms=ms(bkk(4, 8))),
        postback_event(B, "action=menu", timestamp_ms=ms(bkk(4, 8, 1))),
        text_event(B, Q_B, timestamp_ms=ms(bkk(4, 8, 30))),
        text_event(C, Q_C, timestamp_ms=ms(bkk(10, 15))),
        base_event("unfollow", D, reply=False, timestamp_ms=ms(bkk(1, 0, 5))),  # 1 Nov: D blocks @IAO
        # last day 23:30 Bangkok counts; 1 Dec 00:30 Bangkok (= 30 Nov 17:30 UTC) does not
        text_event(A, Q_A2, timestamp_ms=ms(bkk(30, 23, 30))),
        text_event(A, Q_A_NEXT_MONTH, timestamp_ms=ms(bkk(1, 0, 30, month=12))),
    ]
    for event in events:
        assert line.post(event) == 200
    assert ms(bkk(1, 0, 30, month=12)) == ms(dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC))
    q_a1 = question_id(app, A, Q_A1)
    # 👍 on A's answer, 👎 twice from C: feedback, not questions
    assert line.post(postback_event(A, f"action=feedback&v=up&q={q_a1}&e=tm30-basics",
                                    timestamp_ms=ms(bkk(3, 10, 1)))) == 200
    q_c = question_id(app, C, Q_C)
    for minute in (1, 2):
        assert line.post(postback_event(C, f"action=feedback&v=down&q={q_c}",
                                        timestamp_ms=ms(bkk(10, 15, minute)))) == 200
    return {"q_b": question_id(app, B, Q_B), "q_a1": q_a1}


def officer_answer(app: Flask, question: int, at: dt.datetime) -> None:
    """What the console writes when an officer answers by push: a log row pointing at the question."""
    with app.extensions["iao"].sessions.begin() as session:
        asked = session.get(Interaction, question)
        session.add(Interaction(occurred_at=at, bkk_day=bangkok_day(at), user_id=asked.user_id,
                                district_id=asked.district_id, direction="out", kind="push", text="คำตอบ",
                                outcome="officer-answer", answered_by="officer", in_reply_to_id=question,
                                delivery="sent"))


def add_broadcasts(app: Flask) -> bool:
    """Two sent tips in November and one at 00:30 on 1 December (Bangkok), if the broadcast feature exists."""
    try:
        from handlers.tips.models import Broadcast
    except ImportError:
        return False
    with app.extensions["iao"].sessions.begin() as session:
        for at, recipients in ((bkk(5, 9), 3), (bkk(20, 9), 3), (bkk(1, 0, 30, month=12), 3)):
            session.add(Broadcast(text=f"เกร็ดความรู้ {at:%d/%m}", payload="[]", scheduled_at=at, status="sent",
                                  sent_at=at, recipients=recipients, messages_consumed=recipients))
        session.add(Broadcast(text="held", payload="[]", scheduled_at=bkk(21), status="held_for_quota"))
    return True


def test_month_closes_to_exact_counts_and_twice_keeps_history(line: Line, app: Flask) -> None:
    facts = send_month(line, app)
    officer_answer(app, facts["q_b"], bkk(4, 10))  # 90 minutes after B asked
    has_broadcasts = add_broadcasts(app)
    with app.extensions["iao"].sessions.begin() as session:
        user_a = session.scalars(select(LineUser).where(LineUser.line_user_id == A)).one()
        # the 👍 above already brought this month's offer (the webhook appends it after a thank-you)
        assert survey_offer(session, user_a, bkk(3, 10, 2)) is None
        assert survey_offer(session, user_a, bkk(25, 10)) is None  # once a month
        assert record_survey_answer(session, user_a, "action=survey&score=4", bkk(3, 10, 3)) is not None
        assert take_survey_comment(session, user_a, "ตอบเร็วดีมาก", bkk(3, 10, 5)) is not None
        assert take_survey_comment(session, user_a, "ไม่ใช่ความเห็น", bkk(3, 10, 6)) is None

    outcomes = {q: decide(app, q) for q in (Q_A1, Q_A2, Q_B, Q_C)}
    by_bot = sum(1 for o in outcomes.values() if o == "answer")
    handed = sum(1 for o in outcomes.values() if o == "handoff")
    assert outcomes[Q_B] == "off_topic"  # declined, then answered by an officer: that outcome wins

    runner = app.test_cli_runner()
    first = runner.invoke(args=["kpi", "close", "--month", "2026-11", "--json"])
    assert first.exit_code == 0, first.output
    figures = json.loads(first.output)
    assert figures["month"] == "2026-11"
    assert figures["fiscal_year"] == 2570
    assert figures["followers_new"] == 3
    assert figures["followers_total"] == 3  # A, B, C; D unfollowed on 1 November
    assert figures["districts_registered"] == 3  # Bang Rak, Pathum Wan, Dusit (October)
    assert figures["districts_active"] == 2  # A (Bang Rak) and B (Pathum Wan); C has no district
    assert figures["questions"] == 4  # not the December one, registrations, menu or feedback
    assert figures["questions_without_district"] == 1
    assert figures["answered_by_bot"] == by_bot
    assert figures["handed_over"] == handed
    assert figures["answered_by_officer"] == 1 and figures["officer_answers_in_month"] == 1
    assert figures["off_topic"] == 0
    assert sum(figures["outcomes"].values()) == figures["questions"]
    assert figures["officer_response_median_minutes"] == 90.0
    assert figures["broadcast_target"] == 6
    assert figures["satisfaction"]["feedback_up"] == 1
    assert figures["satisfaction"]["feedback_down"] == 2
    assert figures["satisfaction"]["survey_responses"] == 1
    assert figures["satisfaction"]["survey_mean"] == 4.0
    assert figures["satisfaction"]["survey_comments"] == ["ตอบเร็วดีมาก"]
    assert figures["messages_consumed_push"] == 1
    if has_broadcasts:
        assert figures["broadcasts_sent"] == 2
        assert figures["messages_consumed"] == 6 + 1
    assert len(figures["by_district"]) == 50
    rows = {d["name_th"]: d for d in figures["by_district"]}
    assert rows["บางรัก"]["questions"] == 2 and rows["ปทุมวัน"]["questions"] == 1
    assert rows["ดุสิต"]["questions"] == 0 and rows["ดุสิต"]["registered_users"] == 1
    assert sum(d["questions"] for d in figures["by_district"]) == 3
    assert sum(figures["by_category"].values()) == 4
    assert figures["by_day"]["2026-11-30"] == 1 and figures["by_day"]["2026-11-03"] == 1
    assert len(figures["by_day"]) == 30

    second = runner.invoke(args=["kpi", "close", "--month", "2026-11", "--json"])
    assert json.loads(second.output) == figures
    with app.extensions["iao"].sessions() as session:
        versions = history(session, "2026-11")
        assert [r.version for r in versions] == [1, 2]
        assert versions[0].figures == versions[1].figures

    december = json.loads(runner.invoke(args=["kpi", "close", "--month", "2026-12", "--json"]).output)
    assert december["questions"] == 1 and december["fiscal_year"] == 2570
    if has_broadcasts:
        assert december["broadcasts_sent"] == 1
    october = json.loads(runner.invoke(args=["kpi", "close", "--month", "2026-10", "--json"]).output)
    assert october["questions"] == 1 and october["followers_total"] == 1 and october["districts_active"] == 1


def test_close_month_function_stores_versions(app: Flask) -> None:
    with app.extensions["iao"].sessions.begin() as session:
        one = close_month(session, 2027, 1, bkk(1, month=2, year=2027))
        two = close_month(session, 2027, 1, bkk(2, month=2, year=2027))
        assert one.as_dict() == two.as_dict()
        assert one.fiscal_year == 2570 and one.questions == 0 and len(one.by_district) == 50
        assert [r.version for r in history(session, "2027-01")] == [1, 2]


@pytest.mark.parametrize(("year", "month", "be"), [
    (2026, 10, 2570), (2026, 9, 2569), (2026, 11, 2570), (2027, 9, 2570), (2023, 10, 2567), (2020, 10, 2564),
    (2021, 1, 2564), (2026, 12, 2570),
])
def test_fiscal_year_of(year: int, month: int, be: int) -> None:
    assert fiscal_year_of(year, month) == be


def test_month_helpers() -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert parse_month("2569-11") == (2026, 11)  # a BE year is understood
    with pytest.raises(ValueError):
        parse_month("2026-13")
    start, end = month_utc_bounds(2026, 11)
    assert start == dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    assert previous_month(dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)) == (2026, 11)  # 1 Dec 00:05 BKK
    assert previous_month(dt.datetime(2027, 1, 1, 1, 0, tzinfo=dt.UTC)) == (2026, 12)
