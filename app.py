"""The composition root of @IAO: settings from the environment, and create_app() wiring everything."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, Response
from limits.storage import SCHEMES as STORAGE_SCHEMES
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.cli import register_commands
from bot.cli.club import register_club_commands
from bot.cli.directory import register_directory_commands
from bot.cli.kpi import register_kpi_commands
from bot.cli.officers import create_officer_command, notify_group, officer_group
from bot.cli.privacy import register_privacy_commands
from bot.cli.richmenu import register_richmenu_commands
from bot.cli.tips import register_broadcast_commands
from bot.console import register_console
from bot.line.content import LineContentFetcher
from bot.line.messenger import LineMessenger
from bot.line.richmenu import RichMenuDeployer
from bot.line.webhook import MAX_BODY_BYTES, create_webhook_blueprint
from bot.line.worker import ContentFetcher, EventDispatcher, QueueWorker
from bot.rate_limits import DATABASE, create_limiter
from handlers.chat.conversation import Conversation
from handlers.db import make_engine, make_session_factory, upgrade_schema
from handlers.inbox.attachments import DEFAULT_MAX_BYTES
from handlers.kb.library import Library
from handlers.notify.compose import sender_parts
from handlers.notify.service import NoticeConfig
from handlers.notify.smtp import SECURITY as SMTP_SECURITY
from handlers.notify.smtp import SmtpConfig, SmtpMailer
from handlers.officers import AccountError, check_email
from handlers.ports import Mailer, Messenger
from handlers.reports import fonts
from scheduler.runner import run_clock

ROOT = Path(__file__).resolve().parent
ENVIRONMENTS = ("production", "development", "test")
REQUIRED_IN_PRODUCTION = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "SECRET_KEY")
DEV_DEFAULTS = {
    "LINE_CHANNEL_SECRET": "dev-channel-secret",
    "LINE_CHANNEL_ACCESS_TOKEN": "dev-channel-access-token",
    "SECRET_KEY": "dev-secret-key-not-for-production",
}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read from the environment in one place (Settings.from_env)."""

    line_channel_secret: str
    line_channel_access_token: str
    secret_key: str
    database_url: str = f"sqlite:///{ROOT / 'instance' / 'iao.db'}"
    line_api_base_url: str = "https://api.line.me"
    line_api_data_url: str = "https://api-data.line.me"  # LINE_API_DATA_URL: the blob API (content, rich menus)
    attachment_max_bytes: int = DEFAULT_MAX_BYTES  # ATTACHMENT_MAX_BYTES: the largest photo or file kept
    environment: str = "production"
    auto_migrate: bool = True
    retention_days: int = 365
    knowledge_dir: Path | None = None
    semantic: bool | None = None
    log_level: str = "INFO"
    proxy_fix_x_for: int = 0
    cache_dir: Path | None = None  # IAO_CACHE_DIR: the e5 vectors and classifier fits of edited entries
    e5_threads: int = 1  # IAO_E5_THREADS: OpenMP threads of the e5 model (one is faster on a busy 2-core host)
    line_monthly_quota: int | None = None  # LINE_MONTHLY_QUOTA: the plan's monthly messages (None: ask LINE)
    broadcast_quota_reserve: int = 20  # BROADCAST_QUOTA_RESERVE: messages tips leave for officers' pushes
    thai_font_dir: Path | None = None  # IAO_THAI_FONT_DIR: where Laksaman.ttf and Laksaman-Bold.ttf are
    ratelimit_storage_uri: str = DATABASE  # RATELIMIT_STORAGE_URI: where rate-limit counts live (all workers)
    smtp: SmtpConfig | None = None  # SMTP_*: hand-off notices by e-mail; None (SMTP_HOST unset) turns them off
    mail_from: str = ""  # MAIL_FROM: the notices' sender
    console_base_url: str = ""  # CONSOLE_BASE_URL: the console's public address, for links in the notices
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, require_line: bool = True) -> Settings:
        """Read settings; in production a missing required one raises ConfigError naming it."""
        env = dict(os.environ if environ is None else environ)
        environment = env.get("IAO_ENV", "production").strip().lower()
        if environment not in ENVIRONMENTS:
            raise ConfigError(f"IAO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
        values: dict[str, str] = {}
        missing = []
        for name in REQUIRED_IN_PRODUCTION:
            value = env.get(name, "").strip()
            if not value and environment != "production":
                value = DEV_DEFAULTS[name]
            if not value and require_line:
                missing.append(name)
            values[name] = value
        if missing:
            raise ConfigError(
                "missing setting" + ("s " if len(missing) > 1 else " ") + ", ".join(missing)
                + " (set it in the environment; IAO_ENV=development uses local defaults)"
            )
        try:
            retention = int(env.get("MESSAGE_RETENTION_DAYS", "365"))
        except ValueError:
            raise ConfigError("MESSAGE_RETENTION_DAYS must be a whole number of days") from None
        try:
            proxies = int(env.get("PROXY_FIX_X_FOR", "0").strip() or "0")
            if not 0 <= proxies <= 5:
                raise ValueError
        except ValueError:
            raise ConfigError("PROXY_FIX_X_FOR must be the number of reverse proxies in front (0 to 5)") from None
        try:
            e5_threads = int(env.get("IAO_E5_THREADS", "1").strip() or "1")
            if not 1 <= e5_threads <= 16:
                raise ValueError
        except ValueError:
            raise ConfigError("IAO_E5_THREADS must be a whole number from 1 to 16") from None
        quota = _whole(env, "LINE_MONTHLY_QUOTA", None, 1, 10_000_000)
        reserve = _whole(env, "BROADCAST_QUOTA_RESERVE", 20, 0, 1_000_000)
        font_dir = env.get("IAO_THAI_FONT_DIR", "").strip()
        try:
            max_bytes = int(env.get("ATTACHMENT_MAX_BYTES", str(DEFAULT_MAX_BYTES)).strip() or DEFAULT_MAX_BYTES)
            if not 1024 <= max_bytes <= 200 * 1024 * 1024:
                raise ValueError
        except ValueError:
            raise ConfigError("ATTACHMENT_MAX_BYTES must be a whole number of bytes from 1024 to 209715200") from None
        cache_dir = env.get("IAO_CACHE_DIR", "").strip()
        ratelimit_uri = _ratelimit_storage(env.get("RATELIMIT_STORAGE_URI", "").strip() or DATABASE, environment)
        kb_dir = env.get("KNOWLEDGE_DIR")
        semantic_flag = env.get("IAO_SEMANTIC", "auto").strip().lower()
        if semantic_flag not in ("auto", "on", "off", "1", "0"):
            raise ConfigError(f"IAO_SEMANTIC must be auto, on or off, not {semantic_flag!r}")
        smtp, mail_from, console_url = _mail_settings(env)
        return cls(
            line_channel_secret=values["LINE_CHANNEL_SECRET"],
            line_channel_access_token=values["LINE_CHANNEL_ACCESS_TOKEN"],
            secret_key=values["SECRET_KEY"],
            database_url=env.get("DATABASE_URL") or cls.database_url,
            line_api_base_url=(env.get("LINE_API_BASE_URL") or cls.line_api_base_url).rstrip("/"),
            line_api_data_url=(env.get("LINE_API_DATA_URL") or cls.line_api_data_url).rstrip("/"),
            attachment_max_bytes=max_bytes,
            environment=environment,
            auto_migrate=env.get("AUTO_MIGRATE", "1").strip().lower() not in ("0", "false", "no"),
            retention_days=retention,
            knowledge_dir=Path(kb_dir) if kb_dir else None,
            semantic=None if semantic_flag == "auto" else semantic_flag in ("on", "1"),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            proxy_fix_x_for=proxies,
            cache_dir=Path(cache_dir) if cache_dir else None,
            e5_threads=e5_threads,
            line_monthly_quota=quota,
            broadcast_quota_reserve=20 if reserve is None else reserve,
            thai_font_dir=Path(font_dir) if font_dir else None,
            ratelimit_storage_uri=ratelimit_uri,
            smtp=smtp,
            mail_from=mail_from,
            console_base_url=console_url,
        )

    @property
    def notices(self) -> NoticeConfig | None:
        """The hand-off notices' settings, or None when they are off (SMTP_HOST unset)."""
        if self.smtp is None:
            return None
        return NoticeConfig(mail_from=self.mail_from, console_url=self.console_base_url)


def _mail_settings(env: Mapping[str, str]) -> tuple[SmtpConfig | None, str, str]:
    """SMTP_*, MAIL_FROM and CONSOLE_BASE_URL; with SMTP_HOST set the other two are required."""
    host = env.get("SMTP_HOST", "").strip()
    console_url = env.get("CONSOLE_BASE_URL", "").strip().rstrip("/")
    if console_url and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", console_url):
        raise ConfigError("CONSOLE_BASE_URL must be the console's public address, e.g. https://iao.example.go.th")
    if not host:
        return None, "", console_url
    security = env.get("SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SMTP_SECURITY:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    try:
        port = int(env.get("SMTP_PORT", "").strip() or default_port)
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise ConfigError("SMTP_PORT must be a port number (1 to 65535)") from None
    try:
        timeout = float(env.get("SMTP_TIMEOUT", "").strip() or 20)
        if not 1 <= timeout <= 120:
            raise ValueError
    except ValueError:
        raise ConfigError("SMTP_TIMEOUT must be a number of seconds from 1 to 120") from None
    username = env.get("SMTP_USERNAME", "").strip() or None
    password = env.get("SMTP_PASSWORD", "")
    if username and not password:
        raise ConfigError("missing setting SMTP_PASSWORD (SMTP_USERNAME is set)")
    mail_from = env.get("MAIL_FROM", "").strip()
    if not mail_from:
        raise ConfigError("missing setting MAIL_FROM (SMTP_HOST is set: the notices need a sender)")
    try:
        address = check_email(sender_parts(mail_from)[1])
    except AccountError:
        address = None
    if not address or "\n" in mail_from or "\r" in mail_from:
        raise ConfigError("MAIL_FROM must be an e-mail address, e.g. \"@IAO <iao-noreply@bangkok.go.th>\"")
    if not console_url:
        raise ConfigError("missing setting CONSOLE_BASE_URL (SMTP_HOST is set: the notices link to the console)")
    return (SmtpConfig(host=host, port=port, security=security, username=username, password=password or None,
                       timeout=timeout), mail_from, console_url)


def _whole(env: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number setting in [low, high], `default` when unset; ConfigError naming it when not."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high:,}, not {raw!r}") from None
    return value


def _ratelimit_storage(uri: str, environment: str) -> str:
    """RATELIMIT_STORAGE_URI checked: `database`, or a storage the `limits` library knows (redis://…)."""
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if uri != DATABASE and scheme not in STORAGE_SCHEMES:
        raise ConfigError("RATELIMIT_STORAGE_URI must be `database` or a storage URI such as redis://host:6379, "
                          f"not {uri.split('@')[-1][:60]!r}")
    if scheme == "memory" and environment == "production":
        raise ConfigError("RATELIMIT_STORAGE_URI=memory:// counts per process, so each gunicorn worker would add "
                          "its own allowance; use `database` or redis:// in production")
    return uri


@dataclass
class Services:
    """What the app built once per process, for the CLI commands and blueprints to share."""

    settings: Settings
    sessions: object
    engine: object
    library: Library
    messenger: Messenger
    conversation: Conversation
    mailer: Mailer | None = None  # hand-off notices by e-mail; None when SMTP_HOST is unset


def create_app(settings: Settings | None = None, *, messenger: Messenger | None = None,
               fetcher: ContentFetcher | None = None, mailer: Mailer | None = None) -> Flask:
    """Build the @IAO web app; every collaborator is made here and passed down explicitly."""
    # Under the `flask` command line LINE credentials are optional (kb validate, ask, init-db) and the
    # knowledge base loads on first use; a web server started without them stops here, naming the setting.
    cli = click.get_current_context(silent=True) is not None
    if settings is None:
        settings = Settings.from_env(require_line=not cli)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # fpdf2 subsetting fonts logs every glyph at INFO
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

    if settings.database_url.startswith("sqlite:///") and settings.database_url != "sqlite:///:memory:":
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    if settings.auto_migrate:
        upgrade_schema(engine)
    sessions = make_session_factory(engine)
    fonts.configure(settings.thai_font_dir)

    library = Library(settings.knowledge_dir, settings.semantic, cache_dir=settings.cache_dir,
                      e5_threads=settings.e5_threads)
    if not cli:
        library.current()  # a web process loads (and checks) the knowledge base before taking traffic
    messenger = messenger or LineMessenger(settings.line_channel_access_token, settings.line_api_base_url)
    conversation = Conversation(library=library, messenger=messenger, retention_days=settings.retention_days,
                                attachment_max_bytes=settings.attachment_max_bytes)
    fetcher = fetcher or LineContentFetcher(settings.line_channel_access_token, settings.line_api_data_url,
                                            settings.attachment_max_bytes)

    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    if settings.proxy_fix_x_for:
        # Behind the HTTPS proxy every request comes from the proxy: take the client's address (and scheme)
        # from the headers the configured number of proxies set, and from nobody else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_fix_x_for,  # type: ignore[method-assign]
                                x_proto=settings.proxy_fix_x_for)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production",
    )
    if mailer is None and settings.smtp is not None:
        mailer = SmtpMailer(settings.smtp)
    app.extensions["iao"] = Services(settings, sessions, engine, library, messenger, conversation, mailer)
    worker = QueueWorker(sessions, EventDispatcher(sessions, conversation, messenger, fetcher))
    app.extensions["iao_worker"] = worker
    limiter = create_limiter(app, settings.ratelimit_storage_uri, sessions)
    app.register_blueprint(create_webhook_blueprint(settings.line_channel_secret, worker.accept, limiter))
    if not cli:
        worker.start()  # also takes over events a dead process left pending

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return Response("payload too large", status=413, mimetype="text/plain")

    register_commands(app)
    register_kpi_commands(app)
    register_club_commands(app)
    register_privacy_commands(app)
    register_directory_commands(app)
    register_broadcast_commands(app, run_clock)
    register_richmenu_commands(app, lambda: RichMenuDeployer(settings.line_channel_access_token,
                                                             settings.line_api_base_url, settings.line_api_data_url))
    for command in (create_officer_command, officer_group, notify_group):
        app.cli.add_command(command)
    register_console(app, sessions, library, messenger, settings.secret_key, limiter=limiter,
                     notices=settings.notices)
    return app
