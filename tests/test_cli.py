"""The `ivr` command as a new user runs it: seed-demo, serve, and a scripted `ivr call` over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
IVR = [sys.executable, "-m", "ivr"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cli_env(tmp_path: Path, redis_url: str, redis_prefix: str, flow_copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_AUTH_TOKEN", "DATABASE_URL")}
    env.update(
        IVR_INSTANCE=str(tmp_path / "instance"),
        IVR_FLOW=str(flow_copy),
        REDIS_URL=redis_url,
        IVR_REDIS_PREFIX=redis_prefix,
        PORT=str(_free_port()),
    )
    return env


@pytest.fixture
def server(cli_env: dict[str, str]) -> Iterator[str]:
    seeded = subprocess.run(
        [*IVR, "seed-demo"], env=cli_env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert seeded.stdout.strip() == "Demo data loaded."
    again = subprocess.run(
        [*IVR, "seed-demo"], env=cli_env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "already loaded" in again.stdout
    process = subprocess.Popen(
        [*IVR, "serve"], env=cli_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{cli_env['PORT']}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("ivr serve did not come up")
        yield url
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        for secret in ("2468", "1000000001"):
            assert secret not in output


def _call(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IVR, "call"], input=script, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_ivr_call_in_spanish_by_speech(server: str, cli_env: dict[str, str]) -> None:
    result = _call("9\nsay: Sí\n1000000001#\n2468#\nsay: Pagos\n2\n9\n", cli_env)
    assert result.returncode == 0, result.stderr
    assert (
        "[es-US] El saldo que se le debe es de mil veinticuatro dólares con setenta y cinco centavos."
        in result.stdout
    )
    assert "3 de noviembre de 2026" in result.stdout
    assert "[es-US] Gracias por llamar a Cliente Conectado. Adiós." in result.stdout
    assert (
        "2468" not in result.stdout and "1000000001" not in result.stdout
    )  # secret keys are echoed as stars
    assert result.stdout.rstrip().endswith("[the service hung up]")


def test_ivr_call_in_english_with_keys(server: str, cli_env: dict[str, str]) -> None:
    result = _call("1\n1000000002#\n1357#\n1\n2\n9\n", cli_env)
    assert result.returncode == 0, result.stderr
    assert "one thousand two hundred thirty-four dollars and fifty-six cents" in result.stdout
    assert "four hundred dollars, paid on November 2, 2026." in result.stdout


def test_ivr_call_ends_when_the_script_does(server: str, cli_env: dict[str, str]) -> None:
    result = _call("\n", cli_env)
    assert result.returncode == 1
    assert "Sorry, I didn't hear anything." in result.stdout
    assert result.stdout.rstrip().endswith("[you hung up]")


def test_ivr_call_says_clearly_when_no_service_answers(cli_env: dict[str, str]) -> None:
    result = _call("1\n", cli_env)
    assert result.returncode == 1
    assert "did not answer" in result.stderr


def test_ivr_serve_refuses_a_public_address_without_a_token(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [*IVR, "serve", "--host", "0.0.0.0"],  # noqa: S104 - the point: it must refuse to listen there
        env=cli_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_seed_demo_reset_brings_the_temporary_pin_back(server: str, cli_env: dict[str, str]) -> None:
    first = _call("1\n1000000003#\n9999#\n", cli_env)
    assert "temporary PIN" in first.stdout
    used = _call("1\n1000000003#\n9999#\n", cli_env)
    assert "temporary PIN" not in used.stdout and "could not sign you in" in used.stdout  # single-use
    reset = subprocess.run(
        [*IVR, "seed-demo", "--reset"], env=cli_env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "Demo data reset" in reset.stdout
    again = _call("1\n1000000003#\n9999#\n", cli_env)
    assert "temporary PIN" in again.stdout


def test_sigterm_to_ivr_serve_also_stops_the_embedded_redis_it_started(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {name: value for name, value in cli_env.items() if name != "REDIS_URL"}  # an embedded Redis
    process = subprocess.Popen(
        [*IVR, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    redis_pid = 0
    try:
        url = f"http://127.0.0.1:{env['PORT']}/livez"
        for _ in range(150):
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("ivr serve did not come up")
        registry = json.loads((tmp_path / "instance" / "redis.db.settings").read_text())
        redis_pid = int(Path(registry["pidfile"]).read_text())
        assert _running(redis_pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        for _ in range(100):  # the server's SHUTDOWN takes a moment
            if not _running(redis_pid):
                break
            time.sleep(0.1)
        assert not _running(redis_pid), "the embedded redis-server outlived ivr serve"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if redis_pid and _running(redis_pid):  # the test failed: leave no server behind
            os.kill(redis_pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not a zombie waiting for its parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
