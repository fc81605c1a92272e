"""POST /callback with real HMAC signatures through Flask's test client."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from handlers.models import Interaction, LineUser, ProcessedEvent
from handlers.ports import DeliveryError
from tests.conftest import SHARED, Line
from tests.fakes import SECRET, FakeMessenger, body_of, follow_event, postback_event, sign, text_event

USER = "U" + "a" * 32


def count(app: Flask, model: type, *where: object) -> int:
    """Rows in a table (matching `where`)."""
    with app.extensions["iao"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_verify_button_empty_events_is_200(line: Line) -> None:
    assert line.post() == 200


def test_missing_signature_is_400_and_nothing_logged(client: FlaskClient, app: Flask) -> None:
    body = body_of(text_event(USER, "สวัสดี"))
    assert client.post("/callback", data=body).status_code == 400
    assert count(app, Interaction) == 0


def test_wrong_signature_is_400(line: Line, app: Flask) -> None:
    assert line.post(text_event(USER, "สวัสดี"), secret="another-secret") == 400
    assert count(app, Interaction) == 0


def test_signature_of_other_body_is_400(client: FlaskClient) -> None:
    body = body_of(text_event(USER, "a"))
    other = body_of(text_event(USER, "b"))
    assert client.post("/callback", data=body, headers={"X-Line-Signature": sign(other)}).status_code == 400


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"events": "x"}', b"\xff\xfe\x00", b'"text"', b"{}"])
def test_malformed_signed_body_is_400(client: FlaskClient, body: bytes) -> None:
    response = client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 400


def test_oversized_body_is_413(client: FlaskClient) -> None:
    body = b'{"events": [], "pad": "' + b"x" * (2 * 1024 * 1024 + 10) + b'"}'
    response = client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 413


def test_every_event_of_the_sdk_fixture_is_accepted(line: Line, app: Flask) -> None:
    """The SDK's 28-event body: all answered 200; ids made unique so each one is really handled."""
    events = json.loads((SHARED / "fixtures" / "line-webhook-sample.json").read_text())["events"]
    for i, event in enumerate(events):
        event["webhookEventId"] = f"01FIXTURE{i:017d}"
    assert line.post(*events) == 200
    logged = count(app, Interaction, Interaction.direction == "in")
    # events from users are logged (every one of them, whatever its type); group-only ones have no user
    assert logged >= 20
    kinds = {row for row in _kinds(app)}
    assert {"text", "follow", "unfollow", "sticker", "image", "join", "undefined"} <= kinds


def _kinds(app: Flask) -> set[str]:
    with app.extensions["iao"].sessions() as session:
        return set(session.scalars(select(Interaction.kind).where(Interaction.direction == "in")))


def test_raw_sdk_fixture_is_200(line: Line) -> None:
    """Unmodified (every event shares one webhookEventId): accepted, duplicates skipped quietly."""
    events = json.loads((SHARED / "fixtures" / "line-webhook-sample.json").read_text())["events"]
    assert line.post(*events) == 200


def test_redelivered_event_is_neither_logged_nor_answered_twice(line: Line, app: Flask) -> None:
    event = text_event(USER, "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง")
    assert line.post(event) == 200
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert line.post(again) == 200
    assert count(app, ProcessedEvent) == 1
    assert count(app, Interaction, Interaction.direction == "in") == 1
    assert len(line.messenger.replies) == 1


def test_follow_gets_thai_welcome_privacy_and_district_question(line: Line, app: Flask) -> None:
    event = follow_event(USER)
    assert line.post(event) == 200
    texts = line.replies(event)
    assert "@IAO" in texts[0] and "สำนักงานการต่างประเทศ" in texts[0]
    assert "ข้อมูลส่วนบุคคล" in texts[1]
    assert "สำนักงานเขตใด" in texts[2]
    _, messages = line.messenger.replies[0]
    assert len(messages[-1].quick_replies) == 6  # the six district groups
    with app.extensions["iao"].sessions() as session:
        user = session.scalars(select(LineUser)).one()
        assert user.is_follower and user.followed_at is not None and user.awaiting_district


@pytest.mark.parametrize(("typed", "district"), [
    ("เขต บางรัก", "บางรัก"), ("ปทุมวัน", "ปทุมวัน"), ("Bang Rak", "บางรัก"), ("บางรัค", "บางรัก"),
    ("สำนักงานเขตจตุจักรค่ะ", "จตุจักร"), ("khet sathon", "สาทร"),
])
def test_typed_district_registers(line: Line, app: Flask, typed: str, district: str) -> None:
    line.post(follow_event(USER))
    event = text_event(USER, typed)
    assert line.post(event) == 200
    assert district in line.replies(event)[0]
    with app.extensions["iao"].sessions() as session:
        user = session.scalars(select(LineUser)).one()
        assert user.district is not None and user.district.name_th == district
        assert not user.awaiting_district


def test_district_by_group_postbacks_and_change(line: Line, app: Flask) -> None:
    line.post(follow_event(USER))
    group = postback_event(USER, "action=district-group&group=กรุงเทพใต้")
    line.post(group)
    _, messages = line.messenger.replies[-1]
    labels = [q.label for q in messages[0].quick_replies]
    assert "บางรัก" in labels and len(labels) == 10
    line.post(postback_event(USER, "action=set-district&code=1004"))
    change = text_event(USER, "เปลี่ยนเขต")
    line.post(change)
    assert "เปลี่ยน" in line.replies(change)[0]
    line.post(text_event(USER, "Pathum Wan"))
    with app.extensions["iao"].sessions() as session:
        assert session.scalars(select(LineUser)).one().district.name_en == "Pathum Wan"


def test_question_is_logged_with_event_time_and_district(line: Line, app: Flask) -> None:
    line.post(follow_event(USER))
    line.post(text_event(USER, "บางรัก"))
    ts = int(time.mktime((2026, 10, 31, 23, 30, 0, 0, 0, 0)) * 1000)
    line.post(text_event(USER, "ขอเบอร์ติดต่อสถานทูตญี่ปุ่นหน่อย", timestamp_ms=ts))
    with app.extensions["iao"].sessions() as session:
        row = session.scalars(select(Interaction).where(Interaction.direction == "in")
                              .order_by(Interaction.id.desc())).first()
        assert row is not None and row.kind == "text" and row.district_id is not None
        assert int(row.occurred_at.timestamp() * 1000) == ts
        assert row.outcome in ("answer", "suggest", "handoff")


ODD_TEXTS = ["😀😀😀", "🙏", " ", "ก" * 5000, "คำถาม\u200b\u200bเรื่อง\u0000ตม.30", "\U0001F1F9\U0001F1ED"]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_text_gets_an_answer_and_is_kept(line: Line, app: Flask, text: str) -> None:
    event = text_event(USER, text)
    assert line.post(event) == 200
    assert line.replies(event), "every text gets some reply"
    assert count(app, Interaction, Interaction.direction == "in") == 1


def _deliveries(app: Flask) -> list[str | None]:
    with app.extensions["iao"].sessions() as session:
        return list(session.scalars(select(Interaction.delivery).where(Interaction.direction == "out")))


def test_one_line_5xx_on_reply_is_retried_and_delivered_once(line: Line, app: Flask) -> None:
    line.messenger.fail_next.append(DeliveryError("LINE reply failed with HTTP 500", status=500, retryable=True))
    event = text_event(USER, "บัตรสีชมพูหายทำยังไง")
    assert line.post(event) == 200
    assert len(line.replies(event)) >= 1 and line.messenger.pushes == []
    assert set(_deliveries(app)) == {"sent"}


def test_line_outage_on_reply_pushes_the_answer_with_an_apology(line: Line, app: Flask) -> None:
    for _ in range(3):
        line.messenger.fail_next.append(DeliveryError("LINE reply timed out", retryable=True))
    assert line.post(text_event(USER, "บัตรสีชมพูหายทำยังไง")) == 200
    [(user_id, messages, retry_key)] = line.messenger.pushes
    assert user_id == USER and messages[0].text.startswith("ขออภัยที่ตอบล่าช้า") and retry_key
    assert set(_deliveries(app)) == {"push-fallback"}
    assert count(app, Interaction, Interaction.direction == "in") == 1


def test_expired_reply_token_goes_straight_to_push(line: Line, app: Flask) -> None:
    line.messenger.fail_next.append(DeliveryError("LINE reply failed with HTTP 400", status=400))
    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200
    assert len(line.messenger.pushes) == 1 and line.messenger.replies == []


def test_reply_and_push_both_failing_is_recorded_not_lost(line: Line, app: Flask) -> None:
    from bot.line.worker import PUSH_RETRY_DELAYS, REPLY_RETRY_DELAYS

    for _ in range(1 + len(REPLY_RETRY_DELAYS) + 1 + len(PUSH_RETRY_DELAYS)):
        line.messenger.fail_next.append(DeliveryError("LINE failed with HTTP 503", status=503, retryable=True))
    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200
    assert set(_deliveries(app)) == {"failed"}
    assert count(app, Interaction, Interaction.direction == "in") == 1  # the question is kept for officers


def test_events_left_pending_by_a_dead_process_are_handled_once_by_another(database_url: str) -> None:
    """A process stored events (LINE got its 200) and died: a new process's sweep answers each exactly once."""
    import json as _json

    from handlers.webhook_queue import QueuedEvent, enqueue
    from tests.conftest import make_settings

    first = create_app(make_settings(database_url), messenger=FakeMessenger())
    first.extensions["iao_worker"].stop()  # this process "dies" before handling anything
    events = [text_event(USER, "ตม.30 คืออะไร"), text_event(USER, "บัตรสีชมพูหายทำยังไง")]
    with first.extensions["iao"].sessions.begin() as session:
        enqueue(session, [(e["webhookEventId"], _json.dumps(e, ensure_ascii=False)) for e in events],
                now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    first.extensions["iao"].engine.dispose()

    messenger = FakeMessenger()
    second = create_app(make_settings(database_url), messenger=messenger)
    worker = second.extensions["iao_worker"]
    try:
        deadline = time.monotonic() + 30
        while len(messenger.replies) + len(messenger.pushes) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.sweep() == 0  # nothing left pending, nothing handled twice
        assert len(messenger.replies) == 2
        with second.extensions["iao"].sessions() as session:
            assert set(session.scalars(select(QueuedEvent.status))) == {"done"}
    finally:
        worker.stop()
        second.extensions["iao"].engine.dispose()


def test_database_unavailable_answers_503_so_line_redelivers(client: FlaskClient, app: Flask) -> None:
    from sqlalchemy import text as sql

    with app.extensions["iao"].engine.begin() as conn:
        conn.execute(sql("DROP TABLE webhook_queue"))
    body = body_of(text_event(USER, "ตม.30 คืออะไร"))
    assert client.post("/callback", data=body, headers={"X-Line-Signature": sign(body)}).status_code == 503


def test_no_body_or_token_in_logs(line: Line, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret_text = "ความลับของผู้ใช้ 12345"
    line.post(text_event(USER, secret_text))
    line.post(text_event(USER, "x"), secret="wrong")
    joined = "\n".join(r.getMessage() for r in caplog.records)
    assert secret_text not in joined and SECRET not in joined and "test-access-token" not in joined


def test_menu_lists_categories_and_tips_on_demand(line: Line) -> None:
    menu = text_event(USER, "เมนู")
    line.post(menu)
    _, messages = line.messenger.replies[-1]
    labels = [q.label for q in messages[0].quick_replies]
    assert "💡 เกร็ดความรู้" in labels and len(labels) <= 13
    tips = postback_event(USER, "action=tips")
    assert line.post(tips) == 200
    assert "เกร็ดความรู้" in line.replies(tips)[0]


def test_thumbs_up_offers_the_monthly_survey_once_and_records_score_and_comment(line: Line, app: Flask) -> None:
    from handlers.chat.satisfaction import SurveyResponse

    first = postback_event(USER, "action=feedback&v=up&q=1&e=tm30-basics")
    line.post(first)
    texts = line.replies(first)
    assert len(texts) == 2 and "พึงพอใจ" in texts[1]
    again = postback_event(USER, "action=feedback&v=up&q=1&e=tm30-basics")
    line.post(again)
    assert len(line.replies(again)) == 1  # offered at most once a month
    line.post(postback_event(USER, "action=survey&score=4"))
    comment = text_event(USER, "ตอบเร็วดีมาก")
    line.post(comment)
    assert "ข้อเสนอแนะ" in line.replies(comment)[0]
    with app.extensions["iao"].sessions() as session:
        row = session.scalars(select(SurveyResponse)).one()
        assert row.score == 4 and row.comment == "ตอบเร็วดีมาก"


def test_only_the_message_right_after_a_score_is_taken_as_its_comment(line: Line, app: Flask) -> None:
    """A score, then a menu tap, then a question: the question is answered, not kept as a survey comment."""
    from handlers.chat.satisfaction import SurveyResponse

    line.post(postback_event(USER, "action=feedback&v=up&q=1&e=tm30-basics"))
    line.post(postback_event(USER, "action=survey&score=5"))
    line.post(postback_event(USER, "action=menu"))
    question = text_event(USER, "ตม.30 คืออะไร")
    line.post(question)
    assert "ข้อเสนอแนะ" not in line.replies(question)[0]
    with app.extensions["iao"].sessions() as session:
        assert session.scalars(select(SurveyResponse)).one().comment is None


def test_many_bad_signatures_get_429_but_signed_events_still_pass(line: Line, client: FlaskClient) -> None:
    from limits import parse

    from bot.rate_limits import BAD_SIGNATURE_LIMIT

    allowed = parse(BAD_SIGNATURE_LIMIT).amount
    body = body_of(text_event(USER, "x"))
    statuses = [client.post("/callback", data=body, headers={"X-Line-Signature": "bad"}).status_code
                for _ in range(allowed + 5)]
    assert statuses.count(400) == allowed and statuses[-1] == 429
    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200


def test_a_reply_lost_with_its_process_is_pushed_later_exactly_once(line: Line, app: Flask) -> None:
    """The process stored the answer, then died before LINE took the reply: the sweep pushes it, once."""
    from sqlalchemy import update

    assert line.post(text_event(USER, "ตม.30 คืออะไร")) == 200
    with app.extensions["iao"].sessions.begin() as session:  # rewind: as if the reply never went out
        session.execute(update(Interaction).where(Interaction.direction == "out").values(
            delivery="pending", occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    worker = app.extensions["iao_worker"]
    worker.sweep()
    worker.sweep()
    [(user_id, messages, retry_key)] = line.messenger.pushes
    assert user_id == USER and messages[0].text.startswith("ขออภัยที่ตอบล่าช้า") and retry_key
    assert set(_deliveries(app)) == {"push-fallback"}


def test_counting_waits_for_events_already_received(app: Flask) -> None:
    """`kpi close` right after LINE got its 200s must include those events: it waits for the worker."""
    import json as _json
    import threading

    from handlers.webhook_queue import enqueue, wait_until_handled

    services, worker = app.extensions["iao"], app.extensions["iao_worker"]
    event = text_event(USER, "ตม.30 คืออะไร")
    with services.sessions.begin() as session:  # stored, not yet handled
        [stored] = enqueue(session, [(event["webhookEventId"], _json.dumps(event))])
    assert wait_until_handled(services.sessions, timeout=0.3) == 1
    threading.Timer(0.5, worker.submit, [[stored]]).start()  # the web worker gets to it a moment later
    assert wait_until_handled(services.sessions, timeout=20) == 0
    assert count(app, Interaction, Interaction.direction == "in") == 1


def test_broadcast_cost_never_underestimates_friends_since_the_insight(line: Line, app: Flask) -> None:
    """LINE's insight lags a day: friends who followed since are counted from the log."""
    from handlers.tips.schedule import reach_of

    for i in range(3):
        line.post(follow_event("U" + f"{i:032x}"))
    with app.extensions["iao"].sessions() as session:
        line.messenger.followers = 1  # yesterday's insight
        assert reach_of(session, line.messenger.followers_reach()) == 3
        line.messenger.followers = None  # insight not ready
        assert reach_of(session, line.messenger.followers_reach()) == 3
        line.messenger.followers = 120
        assert reach_of(session, line.messenger.followers_reach()) == 120
