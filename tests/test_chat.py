"""`ivr chat`: the text channel in a terminal, as an operator uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_chat_signs_in_and_reads_the_balance_without_showing_the_pin(
    tmp_path: Path, redis_url: str, redis_prefix: str, flow_copy: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_AUTH_TOKEN", "DATABASE_URL")}
    env.update(
        IVR_INSTANCE=str(tmp_path / "instance"),
        IVR_FLOW=str(flow_copy),
        REDIS_URL=redis_url,
        IVR_REDIS_PREFIX=redis_prefix,
    )
    subprocess.run(
        [sys.executable, "-m", "ivr", "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    result = subprocess.run(
        [sys.executable, "-m", "ivr", "chat"],
        input="1 GA\n1000000002 GA\n1357 GA\n1 GA\n9\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "PARENT? 1 YES 2 NO" in result.stdout  # the TTY variants of prompts/tty/
    assert "YOUR CURRENT BALANCE DUE IS $1,234.56." in result.stdout
    assert "1357" not in result.stdout and "1000000002" not in result.stdout
    assert "> *******" in result.stdout
    assert result.stdout.rstrip().endswith("SK")
