"""LineMessenger: handlers' Messenger port on top of line-bot-sdk v3 (the only place that sends)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from linebot.v3.insight import ApiClient as InsightClient
from linebot.v3.insight import Insight
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from bot.line.flex import LineJson, card_message, postback
from handlers.chat.replies import Message
from handlers.ports import DeliveryError, Profile, Quota

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read seconds for every Messaging API call


def to_line_message(message: Message) -> LineJson:
    """A handlers.Message as the Messaging API's message JSON: its card as a Flex message where the card fits
    LINE's limits, else its text with quick replies (handlers.chat.replies already holds the text to LINE's
    limits). Plain JSON, not the SDK's models: see bot.line.flex."""
    if message.card is not None:
        flex = card_message(message.card)
        if flex is not None:
            return flex
        log.info("answer card does not fit LINE's limits; sent as text")
    items = [{"type": "action", "action": postback(button) if button.data is not None else
              {"type": "message", "label": button.label, "text": button.text or button.label}}
             for button in message.quick_replies]
    sent: LineJson = {"type": "text", "text": message.text}
    if items:
        sent["quickReply"] = {"items": items}
    return sent


class LineMessenger:
    """Sends through the Messaging API at `host` (LINE itself, or a stand-in such as linesim)."""

    def __init__(self, access_token: str, host: str, *,
                 timeout: tuple[float, float] = TIMEOUT) -> None:
        self._configuration = Configuration(access_token=access_token, host=host.rstrip("/"))
        self._local = threading.local()
        self._pid = os.getpid()
        self._timeout = timeout

    def _api(self) -> MessagingApi:
        """One API client per thread and process (gunicorn forks after create_app)."""
        api = getattr(self._local, "api", None)
        if api is None or self._pid != os.getpid():
            self._pid = os.getpid()
            api = MessagingApi(ApiClient(self._configuration))
            self._local.api = api
        return api

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Free reply with the event's token."""
        body = {"replyToken": reply_token, "messages": [to_line_message(m) for m in messages[:5]]}
        self._send("reply", lambda: self._post("/v2/bot/message/reply", body), retry_keyed=False)

    def _post(self, path: str, body: LineJson, retry_key: str | None = None) -> None:
        """POST message JSON through the SDK's client (its auth, connection pool and ApiException on a refusal);
        LINE's reply body ({"sentMessages": ...}) is not read into models, since nothing uses it."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        self._api().api_client.call_api(path, "POST", header_params=headers, body=body, response_types_map={},
                                        auth_settings=["Bearer"], _return_http_data_only=True,
                                        _request_timeout=self._timeout)

    def push(self, line_user_id: str, messages: Sequence[Message], retry_key: str) -> None:
        """Push to one user, idempotent under `retry_key`; a 409 means LINE already accepted it."""
        body = {"to": line_user_id, "messages": [to_line_message(m) for m in messages[:5]]}
        self._send("push", lambda: self._post("/v2/bot/message/push", body, retry_key))

    def leave(self, chat_type: str, chat_id: str) -> None:
        """Leave a group or room (POST /v2/bot/group/{id}/leave or /room/{id}/leave)."""
        if chat_type == "group":
            self._send("leave", lambda: self._api().leave_group(chat_id, _request_timeout=self._timeout),
                       retry_keyed=False)
        elif chat_type == "room":
            self._send("leave", lambda: self._api().leave_room(chat_id, _request_timeout=self._timeout),
                       retry_keyed=False)

    def profile(self, line_user_id: str) -> Profile | None:
        """The user's display name and language, or None if LINE cannot say right now."""
        try:
            found = self._api().get_profile(line_user_id, _request_timeout=self._timeout)
        except Exception as error:  # a profile is nice to have: never fail an event for it
            log.warning("profile lookup failed: %s", type(error).__name__)
            return None
        return Profile(found.user_id, found.display_name, found.language)

    # ---------------------------------------------------------------- scheduled sends (issue 5)
    def _insight(self) -> Insight:
        """The insight API on the same host and token (LINE serves both from api.line.me)."""
        insight = getattr(self._local, "insight", None)
        if insight is None or self._pid != os.getpid():
            insight = Insight(InsightClient(self._configuration))
            self._local.insight = insight
        return insight

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str) -> None:
        """Multicast to up to 500 users under `retry_key`; 409 (already accepted) counts as success."""
        body = {"to": list(line_user_ids)[:500], "messages": [to_line_message(m) for m in messages[:5]]}
        self._send("multicast", lambda: self._post("/v2/bot/message/multicast", body, retry_key))

    def broadcast(self, messages: Sequence[Message], retry_key: str) -> None:
        """Broadcast to every friend under `retry_key`; 409 (already accepted) counts as success."""
        body = {"messages": [to_line_message(m) for m in messages[:5]]}
        self._send("broadcast", lambda: self._post("/v2/bot/message/broadcast", body, retry_key))

    def quota(self) -> Quota:
        """GET quota and quota/consumption; type "none" means no limit."""
        try:
            limit = self._api().get_message_quota(_request_timeout=self._timeout)
            usage = self._api().get_message_quota_consumption(_request_timeout=self._timeout)
        except Exception as error:
            raise delivery_error("quota", error) from None
        value = None if limit.type == "none" else int(limit.value or 0)
        return Quota(limit=value, used=int(usage.total_usage or 0))

    def followers_reach(self) -> int | None:
        """targetedReaches of today's (else yesterday's) insight followers, or None if not ready."""
        today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()  # insight dates are UTC+9
        for day in (today, today - dt.timedelta(days=1)):
            try:
                found = self._insight().get_number_of_followers(
                    var_date=day.strftime("%Y%m%d"), _request_timeout=self._timeout)
            except Exception as error:
                log.warning("LINE insight followers failed: %s", type(error).__name__)
                return None
            if found.status == "ready" and found.targeted_reaches is not None:
                return int(found.targeted_reaches)
        return None

    def _send(self, what: str, call: Callable[[], object], *, retry_keyed: bool = True) -> None:
        """Run one API call; failures become DeliveryError (with LINE's reason) through the one mapper.

        For a retry-keyed send (push, multicast, broadcast) a 409 means LINE already accepted this very
        request, which is success; for a reply or a leave a 409 is a refusal like any other.
        """
        try:
            call()
        except Exception as error:
            failure = delivery_error(what, error)
            if retry_keyed and failure.outcome == "conflict":
                log.info("LINE %s already accepted (retry key reused)", what)
                return
            log.warning("%s", failure)  # LINE's reason, never the token, the recipient or the body we sent
            raise failure from None


def _maybe_sent(error: BaseException) -> bool:
    """Whether a failed call may have reached LINE: yes unless the connection itself never opened."""
    reason = getattr(error, "reason", None)
    if isinstance(error, MaxRetryError) and isinstance(reason, BaseException):
        error = reason
    return not isinstance(error, ConnectTimeoutError | NewConnectionError)


MONTHLY_LIMIT_PHRASE = "monthly limit"  # LINE: 429 {"message": "You have reached your monthly limit."}


def _line_reason(error: ApiException) -> tuple[str, tuple[str, ...]]:
    """LINE's error body {"message": ..., "details": [{"message", "property"}]} as bounded plain strings."""
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return "", ()
    if not isinstance(body, dict):
        return "", ()
    message = str(body.get("message") or "")[:200]
    details: list[str] = []
    for item in body.get("details") or []:
        if isinstance(item, dict):
            text = ": ".join(str(item[k]) for k in ("property", "message") if item.get(k))
            if text:
                details.append(text[:200])
    return message, tuple(details[:5])


def delivery_error(what: str, error: BaseException) -> DeliveryError:
    """The one LINE error mapper: every failed Messaging API call becomes a DeliveryError with LINE's reason.

    A 429 whose message names the monthly limit is `quota_exhausted` (not retryable: nothing goes out until
    the quota month turns); any other 429 is `rate_limited`; 5xx, timeouts and connection errors are
    `retryable`; 409 is `conflict` (the retry key was already accepted); any other 4xx is `rejected`.
    """
    if isinstance(error, ApiException):
        status = int(error.status) if error.status else None
        reason, details = _line_reason(error)
        if status == 429:
            outcome = "quota_exhausted" if MONTHLY_LIMIT_PHRASE in reason.lower() else "rate_limited"
        elif status == 409:
            outcome = "conflict"
        elif status is None or status >= 500:
            outcome = "retryable"
        else:
            outcome = "rejected"
        said = "; ".join((reason, *details)) if reason or details else ""
        return DeliveryError(f"LINE {what} failed with HTTP {status}: {said}".rstrip(": "), status=status,
                             outcome=outcome, reason=reason, details=details)
    return DeliveryError(f"LINE {what} failed: {type(error).__name__}", outcome="retryable",
                         maybe_sent=_maybe_sent(error))
