"""What handlers need from the outside world, as protocols that bot/ implements and tests fake."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from handlers.chat.replies import Message


@dataclass(frozen=True)
class Profile:
    """A LINE user's public profile."""

    user_id: str
    display_name: str | None
    language: str | None


@dataclass(frozen=True)
class Quota:
    """This month's LINE message quota: `limit` None means no limit (quota type "none")."""

    limit: int | None
    used: int


QUOTA_EXHAUSTED_TH = "โควตาข้อความ LINE ของเดือนนี้หมดแล้ว"


class DeliveryError(Exception):
    """LINE did not confirm a message; `outcome` says what to do about it, `reason` is LINE's own words.

    Outcomes (one mapper decides them, bot/messenger.py `delivery_error`):
      - "quota_exhausted": 429 "You have reached your monthly limit.": nothing more goes out until the quota
        month turns or the plan changes, so retrying is pointless and officers must be told;
      - "rate_limited": any other 429: the same call may be tried again in a while;
      - "retryable": 5xx, timeouts and connection errors;
      - "conflict": 409, the retry key was already accepted (callers that send retry-keyed treat it as sent);
      - "rejected": any other 4xx: LINE will never take this request.
    `maybe_sent` is True when the request reached LINE but no answer came back (a read timeout): LINE may
    have delivered it, so sending the same content by another route could deliver it twice.
    """

    OUTCOMES = ("quota_exhausted", "rate_limited", "retryable", "conflict", "rejected")

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False,
                 maybe_sent: bool = False, outcome: str | None = None, reason: str = "",
                 details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_sent = maybe_sent
        self.reason = reason
        self.details = details
        if outcome is None:  # a fake or an older caller: derive it the way the mapper would
            outcome = ("rate_limited" if status == 429 else "conflict" if status == 409
                       else "retryable" if retryable else "rejected")
        if outcome not in self.OUTCOMES:
            raise ValueError(f"unknown delivery outcome {outcome!r}")
        self.outcome = outcome
        self.retryable = outcome in ("rate_limited", "retryable")

    @property
    def quota_exhausted(self) -> bool:
        """LINE refused it because this month's message quota is used up."""
        return self.outcome == "quota_exhausted"


class Messenger(Protocol):
    """Sending and looking up through the messaging platform."""

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Answer an event for free with its reply token; raises DeliveryError."""

    def push(self, line_user_id: str, messages: Sequence[Message], retry_key: str) -> None:
        """Send to one user (costs one quota message); the retry key makes a retry safe."""

    def profile(self, line_user_id: str) -> Profile | None:
        """The user's profile, or None when it cannot be had right now."""

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str) -> None:
        """Send to up to 500 users (costs one per recipient); a 409 means already accepted (success)."""

    def broadcast(self, messages: Sequence[Message], retry_key: str) -> None:
        """Send to every friend (costs one per friend reached); a 409 means already accepted (success)."""

    def quota(self) -> Quota:
        """This month's limit and consumption as LINE reports them; raises DeliveryError."""

    def followers_reach(self) -> int | None:
        """Friends a broadcast would reach (insight targetedReaches), or None when LINE cannot say."""

    def leave(self, chat_type: str, chat_id: str) -> None:
        """Leave a group or room (chat_type "group" or "room"); raises DeliveryError."""


class MailError(Exception):
    """The mail server did not take a message; `retryable` says whether trying again later may work.

    `maybe_sent` is True when the server had the whole message and then went silent (a timeout or a dropped
    connection before its answer): it may have been delivered, so sending it again could deliver it twice.
    """

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = True,
                 maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class Mailer(Protocol):
    """Sending e-mail (the officers' hand-off notices)."""

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the mail server; raises MailError when it was not accepted."""
