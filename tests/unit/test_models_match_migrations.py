"""Issue 11: the SQLAlchemy models and the Alembic migrations describe the same schema.

A fresh database upgraded to the head is compared with every model's metadata by Alembic's own autogenerate
comparison (tables, columns, types, nullability, indexes, unique constraints, foreign keys): no difference
may remain, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import app  # noqa: F401  (imports every feature, so every model is in the metadata)
from handlers.db import _alembic_config, make_engine, upgrade_schema
from handlers.models import Base


def test_a_freshly_upgraded_database_is_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations disagree: write a migration (or fix the model)"


def test_one_migration_line() -> None:
    script = ScriptDirectory.from_config(_alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_no_feature_sniffs_the_schema() -> None:
    """Features use the models; nothing looks tables or columns up by name at run time."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "handlers"
    sniffing = [f"{p.relative_to(root.parent)}:{n}" for p in sorted(root.rglob("*.py"))
                for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                if any(word in line for word in ("get_table_names", "has_table(", "get_columns(", "inspect(session"))]
    assert sniffing == []
