"""Database engine, session factory and schema upgrades (Alembic), shared by web, scheduler and CLI."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from handlers.chat.districts import DISTRICTS
from handlers.directory.service import seed_missions
from handlers.filelock import file_lock
from handlers.kpi import seed_kpi_reference
from handlers.models import District

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout so web workers and the scheduler can share it.

    `hide_parameters`: a database error's message (and so every logged traceback) never carries the bound
    values, which hold LINE user ids and message text that `user forget` could not reach in a log file.
    """
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA secure_delete=ON")  # erased text is overwritten, not left in free space
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    elif url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def erase_free_pages(engine: Engine) -> None:
    """After erasing personal data on SQLite: fold the WAL into the file and empty it, so no old copy remains.

    secure_delete (set on every connection) zeroes what a delete or update frees; the WAL still holds the
    earlier versions of changed pages until a checkpoint, so it is checkpointed and truncated here.
    PostgreSQL needs nothing: its own vacuum reclaims dead rows and the files are not handed out.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """One factory per process; callers open one session per webhook event, request or job."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    """Alembic configuration that runs on our engine instead of an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema upgrades between processes (gunicorn workers all start at once)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(720001)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(720001)"))
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with file_lock(Path(database + ".migrate.lock")):
        yield


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration (no upgrade needed)."""
    heads = set(ScriptDirectory.from_config(_alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def upgrade_schema(engine: Engine) -> None:
    """Upgrade to every migration head (features add independent branches) and seed reference data; idempotent."""
    with _migration_lock(engine):
        if not schema_is_current(engine):
            log.info("upgrading database schema")
            command.upgrade(_alembic_config(engine), "heads")
        with make_session_factory(engine).begin() as session:
            seed_reference_data(session)


def seed_reference_data(session: Session) -> int:
    """Insert the 50 district offices and the directory's seed missions that are missing; existing rows
    (maybe corrected by officers) are kept."""
    known = set(session.scalars(select(District.code)))
    added = 0
    for info in DISTRICTS:
        if info.code not in known:
            session.add(District(code=info.code, name_th=info.name_th, name_en=info.name_en,
                                 group_th=info.group_th))
            added += 1
    session.flush()
    return added + seed_kpi_reference(session) + seed_missions(session)
