"""Downloading what users send (photos, files) from LINE's data host with the SDK's blob API, within a cap.

LINE serves message content from a different host than the rest of the Messaging API: `api-data.line.me`
(https://developers.line.biz/en/reference/messaging-api/#domain-name, "Get content"), so the fetcher has its
own Configuration on LINE_API_DATA_URL. The SDK reads a whole body into memory; the client below reads at most
`max_bytes + 1` of it and drops the connection beyond that, so a 1 GB video never fills a worker's memory.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApiBlob

from handlers.chat.events import FetchedContent

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 20.0)  # connect, read seconds: a 10 MB photo over a slow link, never a stuck worker
CHUNK = 64 * 1024


class TooLarge(Exception):
    """The body went past the cap: the download was stopped there."""

    def __init__(self, size: int | None) -> None:
        super().__init__("too large")
        self.size = size


class _Body:
    """What the SDK's call_api reads from a response (status, data, headers), filled from a capped stream."""

    def __init__(self, raw: Any, data: bytes) -> None:
        self.status = raw.status
        self.reason = raw.reason
        self.data = data
        self._headers = raw.headers

    def getheaders(self) -> Any:
        return self._headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name, default)


class _CappedClient(ApiClient):
    """An SDK ApiClient whose GET bodies are streamed and cut off past `max_bytes` (TooLarge)."""

    def __init__(self, configuration: Configuration, max_bytes: int) -> None:
        super().__init__(configuration)
        self.max_bytes = max_bytes

    def request(self, method, url, query_params=None, headers=None, post_params=None, body=None,  # type: ignore[no-untyped-def, override]
                _preload_content=True, _request_timeout=None):
        raw = super().request(method, url, query_params=query_params, headers=headers, post_params=post_params,
                              body=body, _preload_content=False, _request_timeout=_request_timeout)
        try:
            declared = raw.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise TooLarge(int(declared))
            data = bytearray()
            for chunk in raw.stream(CHUNK):
                data += chunk
                if len(data) > self.max_bytes:
                    raise TooLarge(None)
        except BaseException:
            raw.close()  # drop the connection: the rest of the body is never read
            raise
        raw.release_conn()
        return _Body(raw, bytes(data))


class LineContentFetcher:
    """GET /v2/bot/message/{messageId}/content on the data host; never raises, says why when it fails."""

    def __init__(self, access_token: str, data_host: str, max_bytes: int, *,
                 timeout: tuple[float, float] = TIMEOUT) -> None:
        self._configuration = Configuration(access_token=access_token, host=data_host.rstrip("/"))
        self._configuration.retries = 1  # one more try of this GET, so the worst case is two timeouts, not four
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._local = threading.local()
        self._pid = os.getpid()

    def _api(self) -> MessagingApiBlob:
        """One blob client per thread and process (gunicorn forks after create_app)."""
        api = getattr(self._local, "api", None)
        if api is None or self._pid != os.getpid():
            self._pid = os.getpid()
            api = MessagingApiBlob(_CappedClient(self._configuration, self._max_bytes))
            self._local.api = api
        return api

    def fetch(self, message_id: str) -> FetchedContent:
        """The content of one message, or FetchedContent(None, reason); the reason names no person."""
        try:
            data = self._api().get_message_content(message_id, _request_timeout=self._timeout)
        except TooLarge as error:
            log.info("message content refused: larger than %d bytes", self._max_bytes)
            return FetchedContent(None, "too-large", error.size)
        except ApiException as error:
            log.warning("LINE get content failed: HTTP %s", error.status)
            return FetchedContent(None, f"HTTP {error.status}")
        except Exception as error:  # timeouts and connection errors from urllib3 (inside a MaxRetryError)
            cause = getattr(error, "reason", None)
            name = type(cause if isinstance(cause, BaseException) else error).__name__
            log.warning("LINE get content failed: %s", name)
            return FetchedContent(None, name[:60])
        return FetchedContent(bytes(data), None, len(data))
