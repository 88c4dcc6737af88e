#!/usr/bin/env bash
# Install the project with its development tools into .venv, build the operator console's page, then lint,
# type-check and run the tests (the console's end-to-end tests drive Debian's chromium with Playwright).
# Set TEST_DATABASE_URL (PostgreSQL) and REDIS_URL to run against those servers too; without them the
# tests use SQLite files and an embedded Redis server.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
./scripts/system-packages.sh
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
./scripts/build-console.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/pytest "$@"
