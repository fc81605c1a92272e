"""Application factory for the simulator."""

from __future__ import annotations

from flask import Flask

from linesim import admin, api, richmenu
from linesim.state import Config, SimState


def create_app(*, channel_secret: str, access_token: str, webhook_url: str | None,
               monthly_quota: int = 300, followers: int | None = None,
               reply_token_ttl: float = 60.0) -> Flask:
    """Build a fresh in-memory LINE platform so dev and tests never touch the real one."""
    app = Flask("linesim", template_folder="templates", static_folder="static")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    config = Config(channel_secret=channel_secret, access_token=access_token, webhook_url=webhook_url,
                    monthly_quota=monthly_quota, followers=followers, reply_token_ttl=reply_token_ttl)
    app.extensions["linesim"] = SimState(config)
    api.register(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(richmenu.bp)
    return app
