"""LineMessenger: handlers' Messenger port on top of line-bot-sdk v3 (the only place that sends)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessageAction,
    MessagingApi,
    PostbackAction,
    PushMessageRequest,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging import QuickReply as LineQuickReply

from handlers.ports import DeliveryError, Profile
from handlers.replies import Message

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read seconds for every Messaging API call


def to_line_message(message: Message) -> TextMessage:
    """A handlers.Message as the SDK's TextMessage with quick replies."""
    items = []
    for button in message.quick_replies:
        if button.data is not None:
            action = PostbackAction(label=button.label, data=button.data[:300], displayText=button.display_text)
        else:
            action = MessageAction(label=button.label, text=button.text or button.label)
        items.append(QuickReplyItem(action=action))
    return TextMessage(text=message.text, quickReply=LineQuickReply(items=items) if items else None)


class LineMessenger:
    """Sends through the Messaging API at `host` (LINE itself, or a stand-in such as linesim)."""

    def __init__(self, access_token: str, host: str) -> None:
        self._configuration = Configuration(access_token=access_token, host=host.rstrip("/"))
        self._local = threading.local()
        self._pid = os.getpid()

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
        request = ReplyMessageRequest(replyToken=reply_token, messages=[to_line_message(m) for m in messages[:5]])
        self._call("reply", lambda: self._api().reply_message(request, _request_timeout=TIMEOUT))

    def push(self, line_user_id: str, messages: Sequence[Message], retry_key: str) -> None:
        """Push to one user, idempotent under `retry_key`; a 409 means LINE already accepted it."""
        request = PushMessageRequest(to=line_user_id, messages=[to_line_message(m) for m in messages[:5]])
        try:
            self._call("push", lambda: self._api().push_message(
                request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT))
        except DeliveryError as error:
            if error.status == 409:
                log.info("push already accepted by LINE (retry key reused)")
                return
            raise

    def profile(self, line_user_id: str) -> Profile | None:
        """The user's display name and language, or None if LINE cannot say right now."""
        try:
            found = self._api().get_profile(line_user_id, _request_timeout=TIMEOUT)
        except Exception as error:  # a profile is nice to have: never fail an event for it
            log.warning("profile lookup failed: %s", type(error).__name__)
            return None
        return Profile(found.user_id, found.display_name, found.language)

    def _call(self, what: str, call) -> None:  # type: ignore[no-untyped-def]
        """Run one API call, mapping failures to DeliveryError without logging tokens or bodies."""
        try:
            call()
        except ApiException as error:
            status = int(error.status) if error.status else None
            retryable = status is None or status >= 500 or status == 429
            log.warning("LINE %s failed: HTTP %s", what, status)
            raise DeliveryError(f"LINE {what} failed with HTTP {status}", status=status,
                                retryable=retryable) from None
        except Exception as error:  # timeouts and connection errors from urllib3
            log.warning("LINE %s failed: %s", what, type(error).__name__)
            raise DeliveryError(f"LINE {what} failed: {type(error).__name__}", retryable=True) from None
