"""Issue 11: the entry point owns the unit of work: no handler calls commit() or rollback() itself.

Use cases that must call LINE between steps take the entry point's sessionmaker and scope each step with
`with sessions.begin()`; everything else takes a Session. handlers/db.py's migration lock is the one exception.
"""

from __future__ import annotations

from pathlib import Path


def test_no_handler_commits_or_rolls_back() -> None:
    root = Path(__file__).resolve().parents[2]
    found = [f"{p.relative_to(root)}:{n}" for p in sorted((root / "handlers").rglob("*.py")) if p.name != "db.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if ".commit()" in line or ".rollback()" in line]
    assert found == []
