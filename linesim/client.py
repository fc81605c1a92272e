"""Python helper over the /_sim admin API, for tests and scripts."""

from __future__ import annotations

import base64
from typing import Any

import requests

DEFAULT_TIMEOUT = 15.0  # longer than the simulator's 10 s webhook timeout


def readable_text(message: dict[str, Any]) -> str:
    """The words a LINE user sees in one message object: a text's text; a flex card's texts and button labels,
    one per line, in the order the chat page draws them; any other message's altText."""
    if message.get("type") in ("text", "textV2"):
        return str(message.get("text", ""))
    if message.get("type") != "flex":
        return str(message.get("altText", ""))
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") == "text" and not node.get("contents"):
            words.append(str(node.get("text", "")))
        elif node.get("type") == "text":
            words.append("".join(str(s.get("text", "")) for s in node["contents"] if isinstance(s, dict)))
        elif node.get("type") == "button" and isinstance(node.get("action"), dict):
            words.append(str(node["action"].get("label", "")))
        for key in ("header", "hero", "body", "footer"):
            walk(node.get(key))
        if node.get("type") in ("box", "carousel"):
            walk(node.get("contents"))

    walk(message.get("contents"))
    return "\n".join(w for w in words if w)


class SimError(RuntimeError):
    """Raised when the admin API answers with an error status."""


class SimClient:
    """Drive a running linesim (users, webhook events, faults, inspection) over HTTP."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Remember the simulator's base URL, e.g. http://127.0.0.1:8900."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, json: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None) -> Any:
        """Send one admin request and return its JSON, raising SimError on 4xx/5xx."""
        resp = requests.request(method, self.base_url + path, json=json, params=params, timeout=self.timeout)
        try:
            data = resp.json()
        except ValueError:
            data = resp.text
        finally:
            resp.close()
        if resp.status_code >= 400:
            raise SimError(f"{method} {path} -> {resp.status_code}: {data}")
        return data

    # ---- users and events ------------------------------------------------------------
    def add_user(self, display_name: str, user_id: str | None = None, language: str | None = "th",
                 follow: bool = False, **extra: Any) -> dict[str, Any]:
        """Create a user; follow=True befriends silently (no webhook). Returns the user (userId inside)."""
        body: dict[str, Any] = {"displayName": display_name, "language": language, "follow": follow, **extra}
        if user_id:
            body["userId"] = user_id
        return self._call("POST", "/_sim/users", body)

    def users(self) -> list[dict[str, Any]]:
        """List known users."""
        return self._call("GET", "/_sim/users")

    def send(self, user_id: str | None, type: str, **fields: Any) -> dict[str, Any]:
        """Send any event type; returns {"status", "webhookEventId", "replyToken", "events"}."""
        body = {"type": type, **fields}
        if user_id is not None:
            body["userId"] = user_id
        return self._call("POST", "/_sim/send", body)

    def send_text(self, user_id: str, text: str, **fields: Any) -> dict[str, Any]:
        """Send a text message event as the user."""
        return self.send(user_id, "text", text=text, **fields)

    def send_postback(self, user_id: str, data: str, display_text: str | None = None,
                      params: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        """Send a postback event (as if a postback button was tapped)."""
        extra: dict[str, Any] = dict(fields)
        if display_text is not None:
            extra["displayText"] = display_text
        if params:
            extra["params"] = params
        return self.send(user_id, "postback", data=data, **extra)

    def send_sticker(self, user_id: str, package_id: str = "446", sticker_id: str = "1988") -> dict[str, Any]:
        """Send a sticker message event."""
        return self.send(user_id, "sticker", packageId=package_id, stickerId=sticker_id)

    def send_image(self, user_id: str, content: bytes = b"", content_type: str = "image/jpeg",
                   **fields: Any) -> dict[str, Any]:
        """Send an image message event (content provider: line); its bytes are then served by the content API."""
        return self.send(user_id, "image", content=base64.b64encode(content).decode("ascii"),
                         contentType=content_type, **fields)

    def send_file(self, user_id: str, content: bytes, file_name: str,
                  content_type: str = "application/octet-stream", **fields: Any) -> dict[str, Any]:
        """Send a file message event (fileName, fileSize) whose bytes the content API serves."""
        return self.send(user_id, "file", content=base64.b64encode(content).decode("ascii"), fileName=file_name,
                         contentType=content_type, **fields)

    def follow(self, user_id: str) -> dict[str, Any]:
        """Send a follow event (adds friend / unblocks)."""
        return self.send(user_id, "follow")

    def unfollow(self, user_id: str) -> dict[str, Any]:
        """Send an unfollow event (the user blocks the bot)."""
        return self.send(user_id, "unfollow")

    def join(self, group_id: str | None = None, *, room: bool = False) -> dict[str, Any]:
        """Send a join event for a group, or a room with `room=True` (generated id unless given)."""
        if room:
            return self.send(None, "join", room=True, **({"roomId": group_id} if group_id else {}))
        return self.send(None, "join", **({"groupId": group_id} if group_id else {}))

    def send_raw(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Send hand-written events unchanged (signed, with this bot's destination)."""
        return self.send(None, "raw", events=events)

    def redeliver(self, webhook_event_id: str) -> dict[str, Any]:
        """Resend an earlier event with isRedelivery=true and the same id and reply token."""
        return self.send(None, "text", webhookEventId=webhook_event_id, redelivery=True)

    def tap_rich_menu(self, user_id: str, x: int, y: int) -> dict[str, Any]:
        """Tap the shown rich menu at (x, y) in menu pixels: its area's action is sent to the bot."""
        return self._call("POST", "/_sim/richmenu/tap", {"userId": user_id, "x": x, "y": y})

    # ---- inspection -----------------------------------------------------------------
    def shown_rich_menu(self) -> dict[str, Any] | None:
        """The rich menu a chat shows (the default one, with "imageUrl"), or None."""
        return self._call("GET", "/_sim/richmenu")["richMenu"]

    def messages(self, user_id: str) -> list[dict[str, Any]]:
        """Return what the bot delivered to a user: [{"via", "messages", "at", "requestId"}]."""
        return self._call("GET", "/_sim/messages", params={"userId": user_id})

    def texts(self, user_id: str) -> list[str]:
        """Return just the text of every text message delivered to a user, in order."""
        return [m.get("text", "") for entry in self.messages(user_id) for m in entry["messages"]
                if m.get("type") == "text"]

    def readable(self, user_id: str) -> list[str]:
        """What the user reads of every message delivered to them, in order: a text's text, a flex card's
        texts and button labels (one per line), a template's title, text and labels."""
        return [readable_text(m) for entry in self.messages(user_id) for m in entry["messages"]]

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Return logged API requests (optionally only one path/method)."""
        params = {k: v for k, v in (("path", path), ("method", method)) if v}
        return self._call("GET", "/_sim/requests", params=params)

    def webhooks(self) -> list[dict[str, Any]]:
        """Return the webhooks sent to the bot and its answers."""
        return self._call("GET", "/_sim/webhooks")

    def state(self) -> dict[str, Any]:
        """Return consumption, quota, followers and counters."""
        return self._call("GET", "/_sim/state")

    # ---- control ---------------------------------------------------------------------
    def set_fault(self, path: str, status: int | None = None, times: int = 1, delay: float | None = None,
                  retry_after: int | None = None, body: dict[str, Any] | None = None,
                  method: str | None = None, deliver: bool = False) -> dict[str, Any]:
        """Make the next `times` calls to `path` fail with `status` and/or answer after `delay` seconds."""
        payload: dict[str, Any] = {"path": path, "times": times, "deliver": deliver}
        for key, value in (("status", status), ("delay", delay), ("retry_after", retry_after),
                           ("body", body), ("method", method)):
            if value is not None:
                payload[key] = value
        return self._call("POST", "/_sim/faults", payload)

    def clear_faults(self) -> None:
        """Remove pending faults."""
        self._call("DELETE", "/_sim/faults")

    def reset(self) -> dict[str, Any]:
        """Return the simulator to its start-up state."""
        return self._call("POST", "/_sim/reset")

    def config(self, **settings: Any) -> dict[str, Any]:
        """Change monthly_quota, reply_token_ttl, followers, webhook_url, bot_name, slow or consumption."""
        return self._call("POST", "/_sim/config", settings)
