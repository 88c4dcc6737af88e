"""docs/deploy.md shows the HAProxy configuration the fleet harness runs, and HAProxy accepts it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "haproxy.cfg"


def test_deploy_md_shows_the_configuration_the_harness_runs() -> None:
    shown = (ROOT / "docs" / "deploy.md").read_text()
    assert CONFIG.read_text().rstrip("\n") in shown
    assert 'HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"' in (ROOT / "bench" / "fleet.py").read_text()


@pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="haproxy is not installed (scripts/system-packages.sh)"
)
def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "IVR_LISTEN": "127.0.0.1:18080",
        "IVR_HAPROXY_STATS": str(tmp_path / "stats.sock"),
        **{f"IVR_APP{n}": f"127.0.0.1:1808{n}" for n in (1, 2, 3)},
    }
    haproxy = shutil.which("haproxy") or "haproxy"
    checked = subprocess.run(
        [haproxy, "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
