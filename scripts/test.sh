#!/usr/bin/env bash
# Set up .venv and run every check: ruff, the import-layer contracts, mypy over handlers/ and knowledge/,
# and the whole pytest suite.
# PostgreSQL tests run when TEST_DATABASE_URL is set (.ci/run starts a server and sets it).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
source scripts/_system.sh
.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/mypy  # [tool.mypy] in pyproject.toml: handlers/ and knowledge/
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
