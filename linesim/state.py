"""In-memory, single-lock state of the simulated LINE platform."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from linesim import ids

JST = timezone(timedelta(hours=9))
RETRY_KEY_WINDOW = 24 * 3600.0
REDELIVERY_TOKEN_LIMIT = 20 * 60.0
MAX_REQUEST_LOG = 5000


def jst_date(ts: float) -> str:
    """Return yyyyMMdd in UTC+9, since LINE's statistics days are JST days."""
    return datetime.fromtimestamp(ts, JST).strftime("%Y%m%d")


def jst_month(ts: float) -> str:
    """Return yyyyMM in UTC+9, the quota month boundary."""
    return datetime.fromtimestamp(ts, JST).strftime("%Y%m")


@dataclass
class Config:
    """Settings that /_sim/config may change at run time."""

    channel_secret: str
    access_token: str
    webhook_url: str | None
    monthly_quota: int = 300
    followers: int | None = None
    reply_token_ttl: float = 60.0
    bot_name: str = "linesim bot"
    # Slow LINE: every /v2 call is processed (delivered, token used, quota counted) at once, and answered only
    # after this many seconds, so a client whose read timeout is shorter sees a timeout for a call that worked.
    slow: float = 0.0


@dataclass
class User:
    """A LINE user known to the simulator (profile plus friendship state)."""

    user_id: str
    display_name: str
    language: str | None = "th"
    picture_url: str | None = None
    status_message: str | None = None
    following: bool = False
    blocked: bool = False
    ever_followed: bool = False
    created_at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API view of the user, camelCase like LINE's JSON."""
        return {"userId": self.user_id, "displayName": self.display_name, "language": self.language,
                "pictureUrl": self.picture_url, "statusMessage": self.status_message,
                "following": self.following, "blocked": self.blocked, "everFollowed": self.ever_followed}

    def profile(self) -> dict[str, Any]:
        """Return the /v2/bot/profile body, omitting absent optional fields like LINE does."""
        body: dict[str, Any] = {"userId": self.user_id, "displayName": self.display_name}
        if self.picture_url:
            body["pictureUrl"] = self.picture_url
        if self.status_message:
            body["statusMessage"] = self.status_message
        if self.language:
            body["language"] = self.language
        return body


@dataclass
class ReplyToken:
    """A reply token the simulator put in a webhook it sent."""

    token: str
    chat_id: str
    issued_at: float
    event_time: float
    used: bool = False


@dataclass
class Fault:
    """One injected fault for an API path, consumed `times` times (-1 = forever)."""

    path: str
    method: str | None = None
    status: int | None = None
    delay: float = 0.0
    times: int = 1
    retry_after: int | None = None
    body: dict[str, Any] | None = None
    deliver: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Tell whether this fault applies to a request."""
        if self.times == 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return self.path == path


@dataclass
class RetryRecord:
    """An accepted X-Line-Retry-Key and what its first request answered."""

    request_id: str
    accepted_at: float
    sent_messages: list[dict[str, str]] | None


class SimState:
    """All mutable simulator state, guarded by one lock."""

    def __init__(self, config: Config) -> None:
        """Keep the start-up config so /_sim/reset can return to it."""
        self.lock = threading.Lock()
        self._initial = Config(**asdict(config))
        self.config = config
        self.bot_user_id = "U" + hashlib.sha256(config.channel_secret.encode()).hexdigest()[:32]
        self._clear()

    def _clear(self) -> None:
        """Forget every user, token, delivery and log entry."""
        self.users: dict[str, User] = {}
        self.groups: dict[str, dict[str, Any]] = {}  # groups and rooms the bot is in
        self.left_chats: set[str] = set()  # groups and rooms the bot left (through the leave API)
        self.tokens: dict[str, ReplyToken] = {}
        self.retry_keys: dict[str, RetryRecord] = {}
        self.consumption: dict[str, int] = {}
        self.deliveries: dict[tuple[str, str], int] = {}
        self.timeline: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.sent_events: dict[str, dict[str, Any]] = {}
        self.loading_until: dict[str, float] = {}
        self.contents: dict[str, tuple[bytes, str]] = {}  # message id -> (bytes, Content-Type) users sent
        self.rich_menus: dict[str, dict[str, Any]] = {}  # richMenuId -> the object, its image under "_image"
        self.default_rich_menu: str | None = None
        self.seq = 0

    def reset(self) -> None:
        """Return to the start-up state (config included)."""
        with self.lock:
            self.config = Config(**asdict(self._initial))
            self._clear()

    # ---- users ------------------------------------------------------------------
    def add_user(self, display_name: str, user_id: str | None = None, language: str | None = "th",
                 picture_url: str | None = None, status_message: str | None = None,
                 follow: bool = False) -> User:
        """Create (or update) a user; caller holds the lock."""
        uid = user_id or ids.user_id()
        user = self.users.get(uid)
        if user is None:
            user = User(uid, display_name, language, picture_url, status_message)
            self.users[uid] = user
        else:
            user.display_name = display_name or user.display_name
            user.language = language
        if follow:
            self.set_follow(user, True)
        return user

    def set_follow(self, user: User, following: bool) -> bool:
        """Mark a follow (True) or block (False); return whether the user was blocked before."""
        was_blocked = user.blocked
        if following:
            user.following, user.blocked, user.ever_followed = True, False, True
        else:
            user.following, user.blocked = False, True
        return was_blocked

    def reachable_users(self) -> list[User]:
        """Return the real users a broadcast reaches: friends who have not blocked."""
        return [u for u in self.users.values() if u.following and not u.blocked]

    def follower_stats(self) -> dict[str, int]:
        """Return insight-style counts: first-time adds, reachable, blocks."""
        synthetic = self.config.followers or 0
        ever = sum(1 for u in self.users.values() if u.ever_followed)
        blocks = sum(1 for u in self.users.values() if u.blocked)
        return {"followers": synthetic + ever, "targetedReaches": synthetic + len(self.reachable_users()),
                "blocks": blocks}

    # ---- reply tokens ------------------------------------------------------------
    def issue_token(self, chat_id: str, event_ms: int) -> str:
        """Register a new reply token for a chat; caller holds the lock."""
        token = ids.reply_token()
        self.tokens[token] = ReplyToken(token, chat_id, time.time(), event_ms / 1000.0)
        return token

    def register_token(self, token: str, chat_id: str, event_ms: int) -> None:
        """Register a token found in a raw event so the bot can use it."""
        self.tokens.setdefault(token, ReplyToken(token, chat_id, time.time(), event_ms / 1000.0))

    def consume_token(self, token: str) -> ReplyToken | None:
        """Use a token once if it is known, unused and younger than the TTL."""
        rec = self.tokens.get(token)
        if rec is None or rec.used or time.time() - rec.issued_at > self.config.reply_token_ttl:
            return None
        rec.used = True
        return rec

    def refresh_token_for_redelivery(self, token: str) -> None:
        """Restart a token's clock on redelivery unless used or 20 min past the event."""
        rec = self.tokens.get(token)
        if rec and not rec.used and time.time() - rec.event_time < REDELIVERY_TOKEN_LIMIT:
            rec.issued_at = time.time()

    # ---- quota and retry keys ------------------------------------------------------
    def usage(self) -> int:
        """Return this JST month's counted messages."""
        return self.consumption.get(jst_month(time.time()), 0)

    def add_usage(self, n: int) -> None:
        """Count n messages against this JST month's quota."""
        if n:
            month = jst_month(time.time())
            self.consumption[month] = self.consumption.get(month, 0) + n

    def set_usage(self, n: int) -> None:
        """Force this month's usage (tests start near the limit this way)."""
        self.consumption[jst_month(time.time())] = max(int(n), 0)

    def accepted_retry(self, key: str) -> RetryRecord | None:
        """Return the record of an already accepted retry key (within 24 h)."""
        rec = self.retry_keys.get(key)
        if rec and time.time() - rec.accepted_at <= RETRY_KEY_WINDOW:
            return rec
        return None

    # ---- timeline ----------------------------------------------------------------
    def append(self, chat_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Append an entry to a chat's timeline with a global sequence number."""
        self.seq += 1
        entry = {"seq": self.seq, "at": int(time.time() * 1000), **entry}
        self.timeline.setdefault(chat_id, []).append(entry)
        return entry

    def deliver(self, chat_ids: list[str], via: str, messages: list[dict[str, Any]],
                request_id: str, counted: bool) -> None:
        """Record messages as delivered to chats and update usage and delivery stats."""
        now = time.time()
        for chat_id in chat_ids:
            self.append(chat_id, {"via": via, "messages": messages, "requestId": request_id})
            self.loading_until.pop(chat_id, None)
        if counted:
            self.add_usage(len(chat_ids))
        day_key = (via, jst_date(now))
        self.deliveries[day_key] = self.deliveries.get(day_key, 0) + len(chat_ids)

    def pop_fault(self, method: str, path: str) -> Fault | None:
        """Take the first matching fault, counting one use."""
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.times > 0:
                    fault.times -= 1
                self.faults = [f for f in self.faults if f.times != 0]
                return fault
        return None

    def log_request(self, entry: dict[str, Any]) -> None:
        """Keep a bounded log of API requests for /_sim/requests."""
        self.requests.append(entry)
        if len(self.requests) > MAX_REQUEST_LOG:
            del self.requests[: len(self.requests) - MAX_REQUEST_LOG]

    def snapshot(self) -> dict[str, Any]:
        """Return the /_sim/state summary."""
        stats = self.follower_stats()
        usage = self.usage()
        return {
            "botUserId": self.bot_user_id,
            "consumption": usage,
            "monthlyQuota": self.config.monthly_quota,
            "remaining": max(self.config.monthly_quota - usage, 0),
            "followers": stats["targetedReaches"],
            "followerStats": stats,
            "users": len(self.users),
            "replyTokenTtl": self.config.reply_token_ttl,
            "webhookUrl": self.config.webhook_url,
            "faults": [asdict(f) for f in self.faults],
            "deliveries": {f"{via}:{day}": n for (via, day), n in sorted(self.deliveries.items())},
            "requests": len(self.requests),
            "webhooks": len(self.webhooks),
        }
