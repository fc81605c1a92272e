"""A real SMTP server for tests: aiosmtpd on loopback, recording what it was sent and failing on request."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class SmtpSink:
    """What the aiosmtpd server received, and failures it was told to answer with."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)  # replies to give to the next DATA commands, in order
    stall: float = 0.0  # seconds to wait before answering a message (longer than the client's timeout)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd)
        if self.refuse:
            return self.refuse.pop(0)
        if self.stall:
            await asyncio.sleep(self.stall)
        message = email.message_from_bytes(envelope.original_content or envelope.content,  # type: ignore[attr-defined]
                                           policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages that reached one recipient."""
        return [m for rcpts, m in self.received if address in rcpts]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[list[str], EmailMessage]]:
        """What arrived, once `count` messages did or the time is up (another process sends them)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.received)


@dataclass
class SmtpServer:
    """A running aiosmtpd on loopback."""

    host: str
    port: int
    sink: SmtpSink


@contextlib.contextmanager
def smtp_server_running() -> Iterator[SmtpServer]:
    """aiosmtpd listening on 127.0.0.1 for the duration of the block."""
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink)
    finally:
        controller.stop()




MAIL_FROM = "@IAO <iao-noreply@bangkok.go.th>"


def notice_env(server: SmtpServer, console_url: str) -> dict[str, str]:
    """The settings a deployment sets to mail hand-offs, pointed at the loopback server."""
    return {"SMTP_HOST": server.host, "SMTP_PORT": str(server.port), "SMTP_SECURITY": "none",
            "MAIL_FROM": MAIL_FROM, "CONSOLE_BASE_URL": console_url, "SMTP_TIMEOUT": "10"}
