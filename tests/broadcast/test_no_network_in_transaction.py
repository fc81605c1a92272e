"""Issue 11: no call to LINE happens while a database transaction is open (sending tips, closing a month).

The engine's own begin/commit/rollback events count open transactions; a fake LINE records that count at each
call. Any call made inside a transaction (a slow LINE would then hold the database) fails the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, event, select

from handlers.chat.replies import Message
from handlers.clock import utcnow
from handlers.kpi.close import close_kpi_month
from handlers.models import District, LineUser
from handlers.ports import DeliveryError, Quota
from handlers.tips.models import Broadcast
from handlers.tips.schedule import create_tip, schedule
from handlers.tips.sending import SendPolicy, send_due
from tests.broadcast.conftest import Db
from tests.fakes import FakeMessenger


class OpenTransactions:
    """How many connections of an engine are inside a transaction right now."""

    def __init__(self, engine: Engine) -> None:
        self.open = 0
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, _connection: object) -> None:
        self.open += 1

    def _end(self, _connection: object) -> None:
        self.open = max(0, self.open - 1)


class WatchfulLine(FakeMessenger):
    """A fake LINE that notes, at every call, how many transactions were open."""

    def __init__(self, transactions: OpenTransactions, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.transactions = transactions
        self.calls: list[tuple[str, int]] = []

    def _note(self, what: str) -> None:
        self.calls.append((what, self.transactions.open))

    def quota(self) -> Quota:
        self._note("quota")
        return super().quota()

    def followers_reach(self) -> int | None:
        self._note("followers_reach")
        return super().followers_reach()

    def broadcast(self, messages: Sequence[Message], retry_key: str) -> None:
        self._note("broadcast")
        super().broadcast(messages, retry_key)

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str) -> None:
        self._note("multicast")
        super().multicast(line_user_ids, messages, retry_key)

    def push(self, line_user_id: str, messages: Sequence[Message], retry_key: str) -> None:
        self._note("push")
        super().push(line_user_id, messages, retry_key)


def test_sending_tips_calls_line_only_between_transactions(db: Db) -> None:
    line = WatchfulLine(OpenTransactions(db.engine), quota_limit=300, followers=150)
    with db.sessions.begin() as session:
        district = session.scalars(select(District.id).order_by(District.id)).first()
        session.add(LineUser(line_user_id="U" + "a" * 32, district_id=district, is_follower=True,
                             district_registered_at=utcnow() - dt.timedelta(days=1)))
        due = utcnow() - dt.timedelta(minutes=1)
        schedule(session, [create_tip(session, "เกร็ด 1")], due)  # broadcast, retried after a 500
        schedule(session, [create_tip(session, "เกร็ด 2")], due, audience="districts")  # one push
        schedule(session, [create_tip(session, "เกร็ด 3")], due)  # does not fit: held
    line.fail_next.append(DeliveryError("LINE broadcast failed with HTTP 500", status=500, retryable=True))

    report = send_due(db.sessions, line, policy=SendPolicy(backoff=0.01))

    assert len(report.sent) == 2 and len(report.held) == 1
    assert {what for what, _ in line.calls} == {"quota", "followers_reach", "broadcast", "push"}
    assert [(what, n) for what, n in line.calls if n] == [], "LINE was called inside a transaction"
    with db.sessions() as session:
        assert sorted(session.scalars(select(Broadcast.status))) == ["held_for_quota", "sent", "sent"]


def test_closing_a_month_asks_line_outside_a_transaction(db: Db) -> None:
    line = WatchfulLine(OpenTransactions(db.engine), quota_limit=500)
    closed = close_kpi_month(db.sessions, line, 2026, 11, via="cli", quota_setting=None, wait_seconds=0)
    assert closed.counts.quota_limit == 500 and line.calls == [("quota", 0)]


def test_a_tip_sent_by_push_counts_once_in_the_months_quota_use(db: Db) -> None:
    from handlers.kpi import compute_month
    from handlers.kpi.periods import quota_month_of

    line = WatchfulLine(OpenTransactions(db.engine), quota_limit=300, followers=0)
    with db.sessions.begin() as session:
        district = session.scalars(select(District.id).order_by(District.id)).first()
        session.add(LineUser(line_user_id="U" + "b" * 32, district_id=district, is_follower=True,
                             district_registered_at=utcnow() - dt.timedelta(days=1)))
        schedule(session, [create_tip(session, "เกร็ดถึงตัวแทนเขต")], utcnow() - dt.timedelta(minutes=1),
                 audience="districts")
    assert len(send_due(db.sessions, line, policy=SendPolicy(backoff=0.01)).sent) == 1
    with db.sessions() as session:
        sent_at = session.scalars(select(Broadcast.sent_at)).one()
        assert sent_at is not None
        # the quota month the send fell in (from 22:00 Bangkok on a month's last day, already the next one)
        counts = compute_month(session, *quota_month_of(sent_at))
    assert (counts.messages_consumed_broadcast, counts.messages_consumed_push) == (1, 0)
    assert counts.messages_consumed == 1
