"""Sending tips through the real SDK to the LINE simulator: quota, retries, 409, crashes, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from bot.line.messenger import LineMessenger
from handlers.chat.replies import Message
from handlers.clock import utcnow
from handlers.models import District, Interaction, LineUser
from handlers.tips.models import Broadcast, Notice, SendAttempt
from handlers.tips.schedule import broadcast_json, create_tip, schedule
from handlers.tips.sending import SendPolicy, send_due
from tests.broadcast.conftest import Db, Sim

FAST = SendPolicy(backoff=0.01)
BROADCAST = "/v2/bot/message/broadcast"


def add_due(db: Db, *texts: str, minutes_ago: int = 1, audience: str = "all") -> list[int]:
    """Schedule one send per text, due a little while ago."""
    with db.sessions() as session:
        ids = []
        for text in texts:
            tip = create_tip(session, text, audience=audience)
            ids.append(schedule(session, [tip], utcnow() - dt.timedelta(minutes=minutes_ago), audience=audience).id)
        session.commit()
    return ids


def rows(db: Db) -> dict[int, Broadcast]:
    with db.sessions() as session:
        return {r.id: r for r in session.scalars(select(Broadcast))}


def keys(sim: Sim) -> list[str | None]:
    return [r["headers"].get("X-Line-Retry-Key") for r in sim.client.requests(path=BROADCAST)]


def test_120_friends_quota_300_three_due_tips_never_429(db: Db, sim: Sim, line: LineMessenger) -> None:
    ids = add_due(db, "เกร็ด 1: ตม.30 แจ้งภายใน 24 ชั่วโมง", "เกร็ด 2: ทร.14", "เกร็ด 3: บัตรชมพู")
    report = send_due(db.sessions, line, policy=FAST)
    assert report.sent == ids[:2] and report.held == ids[2:]
    statuses = [r["status"] for r in sim.client.requests(path=BROADCAST)]
    assert statuses == [200, 200]  # the third was never started: LINE never answered 429
    assert sim.client.state()["consumption"] == 240
    sent = rows(db)
    assert [sent[i].status for i in ids] == ["sent", "sent", "held_for_quota"]
    assert sent[ids[0]].recipients == sent[ids[0]].messages_consumed == 120
    assert "needs 120" in (sent[ids[2]].reason or "") and "reserve 20" in (sent[ids[2]].reason or "")
    listing = [broadcast_json(r) for r in sent.values()]
    assert {item["status"] for item in listing} == {"sent", "held_for_quota"}
    assert listing[0]["scheduled_at"].endswith("+07:00")  # type: ignore[union-attr]
    with db.sessions() as session:
        notices = list(session.scalars(select(Notice)))
        logged = list(session.scalars(select(Interaction).where(Interaction.direction == "out")))
    assert [n.kind for n in notices] == ["held_for_quota"]
    assert [(i.kind, i.answered_by, i.text) for i in logged] == [
        ("broadcast", None, "เกร็ด 1: ตม.30 แจ้งภายใน 24 ชั่วโมง"), ("broadcast", None, "เกร็ด 2: ทร.14")]
    # later runs re-check the held tip without sending it, and without telling officers again
    again = send_due(db.sessions, line, now=utcnow() + dt.timedelta(hours=2), policy=FAST)
    assert again.held == ids[2:] and len(sim.client.requests(path=BROADCAST)) == 2
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 1


def test_two_500s_then_delivered_once_with_one_retry_key(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ด: ทะเบียนสมรสชาวต่างชาติ")
    sim.client.set_fault(BROADCAST, status=500, times=2)
    report = send_due(db.sessions, line, policy=FAST)
    assert report.sent == [tip]
    assert [r["status"] for r in sim.client.requests(path=BROADCAST)] == [500, 500, 200]
    assert len(set(keys(sim))) == 1 and keys(sim)[0]
    assert sim.client.state()["consumption"] == 120
    with db.sessions() as session:
        attempts = list(session.scalars(select(SendAttempt).order_by(SendAttempt.id)))
    assert [a.outcome for a in attempts] == ["retryable", "retryable", "sent"]
    assert {a.retry_key for a in attempts} == {rows(db)[tip].retry_key}


def test_two_timeouts_after_delivery_are_answered_409_and_count_once(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ด: หนังสือรับรองถิ่นที่อยู่")
    sim.client.set_fault(BROADCAST, delay=1.0, times=2)  # processed, but the answer comes after our timeout
    report = send_due(db.sessions, line, policy=FAST)
    assert report.sent == [tip]
    assert [r["status"] for r in sim.client.requests(path=BROADCAST)] == [200, 409, 409]
    assert len(set(keys(sim))) == 1
    assert sim.client.state()["consumption"] == 120
    assert rows(db)[tip].status == "sent"


def test_retries_exhausted_in_one_run_resume_later_with_the_same_key(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ด: ใบอนุญาตทำงาน")
    sim.client.set_fault(BROADCAST, status=503, times=3)
    assert send_due(db.sessions, line, policy=FAST).later == [tip]
    assert rows(db)[tip].status == "scheduled"
    assert send_due(db.sessions, line, policy=FAST).later == []  # not hammered: next try in 15 minutes
    report = send_due(db.sessions, line, now=utcnow() + dt.timedelta(minutes=16), policy=FAST)
    assert report.sent == [tip]
    assert len(keys(sim)) == 4 and len(set(keys(sim))) == 1
    assert sim.client.state()["consumption"] == 120


class Crash(BaseException):
    """The process dying between LINE's answer and our commit."""


class CrashAfterSend:
    """A messenger that really sends, then 'dies' before the caller can record it."""

    def __init__(self, inner: LineMessenger) -> None:
        self.inner = inner

    def broadcast(self, messages: Sequence[Message], retry_key: str) -> None:
        self.inner.broadcast(messages, retry_key)
        raise Crash()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_crash_between_call_and_commit_does_not_send_again(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ด: แจ้งที่พักคนต่างด้าว")
    with pytest.raises(Crash):
        send_due(db.sessions, CrashAfterSend(line), policy=FAST)  # type: ignore[arg-type]
    stuck = rows(db)[tip]
    assert stuck.status == "sending" and stuck.retry_key
    assert broadcast_json(stuck)["status"] == "scheduled"
    assert send_due(db.sessions, line, policy=FAST).sent == []  # the claim is still fresh: hands off
    report = send_due(db.sessions, line, now=utcnow() + dt.timedelta(minutes=10), policy=FAST)
    assert report.sent == [tip]
    assert [r["status"] for r in sim.client.requests(path=BROADCAST)] == [200, 409]
    assert set(keys(sim)) == {stuck.retry_key}
    assert sim.client.state()["consumption"] == 120


def test_concurrent_send_due_runs_send_each_tip_once(db: Db, sim: Sim, line: LineMessenger) -> None:
    ids = add_due(db, "เกร็ด A", "เกร็ด B")
    barrier = threading.Barrier(4)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(send_due(db.sessions, LineMessenger("test-access-token", sim.url), policy=FAST))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(i for r in reports for i in r.sent) == ids
    assert [r["status"] for r in sim.client.requests(path=BROADCAST)] == [200, 200]
    assert sim.client.state()["consumption"] == 240


def test_429_monthly_limit_holds_and_rate_limit_waits(db: Db, sim: Sim, line: LineMessenger) -> None:
    first, second = add_due(db, "เกร็ด X", "เกร็ด Y")
    sim.client.set_fault(BROADCAST, status=429, body={"message": "You have reached your monthly limit."})
    sim.client.set_fault(BROADCAST, status=429, body={"message": "Too many requests"})
    report = send_due(db.sessions, line, policy=FAST)
    assert report.held == [first] and report.later == [second]
    assert len(sim.client.requests(path=BROADCAST)) == 2  # one call each: no hammering after a 429
    found = rows(db)
    assert found[first].status == "held_for_quota" and "monthly limit" in (found[first].reason or "")
    assert found[second].status == "scheduled" and "429" in (found[second].reason or "")
    report = send_due(db.sessions, line, now=utcnow() + dt.timedelta(minutes=61), policy=FAST)
    assert sorted(report.sent) == [first, second]
    assert sim.client.state()["consumption"] == 240


def test_quota_unreadable_means_no_send(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ด Q")
    sim.client.set_fault("/v2/bot/message/quota", status=500)
    assert send_due(db.sessions, line, policy=FAST).later == [tip]
    assert sim.client.requests(path=BROADCAST) == []


def test_district_representatives_get_one_multicast(db: Db, sim: Sim, line: LineMessenger) -> None:
    users = [sim.client.add_user(f"staff {n}", follow=True)["userId"] for n in range(3)]
    base = utcnow() - dt.timedelta(days=30)
    with db.sessions() as session:
        d1, d2 = session.scalars(select(District.id).order_by(District.id).limit(2))
        for n, (user, district) in enumerate(zip(users, (d1, d1, d2), strict=True)):
            session.add(LineUser(line_user_id=user, district_id=district, is_follower=True,
                                 district_registered_at=base + dt.timedelta(days=2 - n)))
        session.commit()
    [tip] = add_due(db, "เกร็ดสำหรับตัวแทนเขต", audience="districts")
    assert send_due(db.sessions, line, policy=FAST).sent == [tip]
    [request] = sim.client.requests(path="/v2/bot/message/multicast")
    assert sorted(request["json"]["to"]) == sorted([users[1], users[2]])  # earliest registration per district
    assert request["headers"]["X-Line-Retry-Key"] == rows(db)[tip].retry_key
    assert rows(db)[tip].messages_consumed == 2 and sim.client.state()["consumption"] == 2


def test_a_tip_missed_beyond_the_grace_period_is_reported_not_sent(db: Db, sim: Sim, line: LineMessenger) -> None:
    [tip] = add_due(db, "เกร็ดเก่า", minutes_ago=13 * 60)
    assert send_due(db.sessions, line, policy=FAST).missed == [tip]
    assert rows(db)[tip].status == "failed" and sim.client.requests(path=BROADCAST) == []
