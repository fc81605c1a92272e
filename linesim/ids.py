"""Identifier generators shaped like the ones the LINE platform hands out."""

from __future__ import annotations

import secrets
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def user_id() -> str:
    """Return a LINE-like user id so bots that check the U+32-hex shape accept it."""
    return "U" + secrets.token_hex(16)


def room_id() -> str:
    """Return a new room id: R + 32 hex (a multi-person chat, LINE's older kind of group)."""
    return "R" + secrets.token_hex(16)


def group_id() -> str:
    """Return a LINE-like group id (C + 32 hex)."""
    return "C" + secrets.token_hex(16)


def reply_token() -> str:
    """Return an opaque 32-hex reply token, like LINE's."""
    return secrets.token_hex(16)


def message_id() -> str:
    """Return an 18-digit numeric message id, as LINE sends them as strings."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def quote_token() -> str:
    """Return an opaque quote token; bots must only echo it back."""
    return secrets.token_urlsafe(48)


def request_id() -> str:
    """Return a request id for the x-line-request-id header."""
    return str(uuid.uuid4())


def ulid(ms: int | None = None) -> str:
    """Return a 26-char ULID, the format LINE uses for webhookEventId."""
    stamp = int(time.time() * 1000) if ms is None else ms
    value = (stamp & ((1 << 48) - 1)) << 80 | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))
