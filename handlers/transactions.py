"""Writes that meet concurrent writers: retrying a whole transaction (for entry points, which own their
transactions), and an insert that skips a row whose key another writer already stored."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Insert, Result, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handlers.models import Base, table_of

T = TypeVar("T")
CONFLICT_MARKERS = ("database is locked", "database table is locked", "could not serialize", "deadlock detected")


def conflicting_write(error: BaseException) -> bool:
    """True for a write that lost to a concurrent one: a unique key just taken, SQLite busy, a serialisation fail."""
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, OperationalError) and any(m in str(error).lower() for m in CONFLICT_MARKERS)


def retrying_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = 4,
                         pause: float = 0.05) -> T:
    """Run `work` in a transaction of its own, again from the start when a concurrent writer won.

    Two officers closing the same month read the same latest version; the second insert then hits the unique
    (month, version) key. A fresh transaction reads the new version and stores the next one. After `attempts`
    the error is raised for the entry point to turn into a clear message.
    """
    for attempt in range(1, attempts + 1):
        try:
            with sessions.begin() as session:
                return work(session)
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts or not conflicting_write(error):
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable: the loop returns or raises")


def changed_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (Session.execute hands back a CursorResult for them): a typed rowcount."""
    if not isinstance(result, CursorResult):
        raise TypeError("changed_rows() takes the result of an UPDATE or DELETE")
    return int(result.rowcount)


ConflictInsert = postgresql.Insert | sqlite.Insert


def _conflict_insert(dialect: str, model: type[Base]) -> ConflictInsert | None:
    """An INSERT that can say ON CONFLICT, in the dialect of the database @IAO runs on; None elsewhere."""
    if dialect == "postgresql":
        return postgresql.insert(table_of(model))
    if dialect == "sqlite":
        return sqlite.insert(table_of(model))
    return None


@functools.cache
def insert_ignoring_duplicates(dialect: str, model: type[Base], returning: str | None = None) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING (RETURNING the `returning` column: no row back means the key was
    taken) on the two databases @IAO runs on; a plain INSERT elsewhere.

    Built once per database, model and column: the row's values are given when it runs (session.execute(
    statement, values)), since building a statement costs more CPU than running it on the webhook's hot path
    (issue 11).
    """
    conflicting = _conflict_insert(dialect, model)
    if conflicting is None:  # pragma: no cover - other databases are not supported for production
        statement: Insert = insert(table_of(model))
    else:
        statement = conflicting.on_conflict_do_nothing()
    return statement if returning is None else statement.returning(table_of(model).c[returning])


@functools.cache
def insert_or_replace(dialect: str, model: type[Base], columns: tuple[str, ...], key: str) -> Insert:
    """INSERT ... ON CONFLICT (key) DO UPDATE of `columns`: one statement that stores a row whether or not one
    is there. Built once, like insert_ignoring_duplicates; the values are given when it runs."""
    statement = _conflict_insert(dialect, model)
    if statement is None:  # pragma: no cover - the queue's UPDATE ... RETURNING already needs one of the two
        raise RuntimeError(f"@IAO runs on SQLite or PostgreSQL, not {dialect}")
    return statement.on_conflict_do_update(index_elements=[key],
                                           set_={name: statement.excluded[name] for name in columns if name != key})


def dialect_of(session: Session) -> str:
    """The name of the database the session talks to ("sqlite", "postgresql")."""
    return session.get_bind().dialect.name
