"""The pieces bench/fleet_capacity.py is made of: bench/fleet.py's fleet with N app servers (HAProxy's
configuration lists exactly those), bench/load.py's callers through HAProxy with the fleet's token and
several servers' processes and logs, and the bisection for the highest rate within the latency goal.

Only the test that starts a fleet is marked ``fleet`` (about 20 seconds); no test here times anything.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from bench import fleet, load

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("haproxy", "redis-server", "redis-sentinel")


def servers_by_backend(config: str) -> dict[str, list[str]]:
    backends: dict[str, list[str]] = {}
    current = ""
    for line in config.splitlines():
        if line.startswith("backend "):
            current = line.split()[1]
            backends[current] = []
        elif line.strip().startswith("server ") and current:
            backends[current].append(line.split()[1])
    return backends


@pytest.mark.parametrize("servers", [1, 2, 4])
def test_haproxy_config_lists_n_servers_in_every_backend(servers: int) -> None:
    config = fleet.haproxy_config(servers)
    expected = [f"app{n}" for n in range(1, servers + 1)]
    assert servers_by_backend(config) == {"ready": expected, "alive": expected}
    for n in range(1, servers + 1):
        assert f'server app{n} "${{IVR_APP{n}}}"' in config
    outside = [line for line in config.splitlines() if "server app" not in line]
    assert outside == [
        line for line in fleet.HAPROXY_CONFIG.read_text().splitlines() if "server app" not in line
    ]


def test_three_servers_is_deploy_haproxy_cfg_as_it_is() -> None:
    assert fleet.haproxy_config(3) == fleet.HAPROXY_CONFIG.read_text()


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_accepts_a_two_server_configuration(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(fleet.haproxy_config(2))
    env = {
        **os.environ,
        "IVR_LISTEN": "127.0.0.1:18090",
        "IVR_HAPROXY_STATS": str(tmp_path / "stats.sock"),
        "IVR_APP1": "127.0.0.1:18091",
        "IVR_APP2": "127.0.0.1:18092",
    }
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(path)],  # noqa: S607  # Debian's haproxy, as the harness runs it
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_exceptions_are_counted_over_every_servers_log(tmp_path: Path) -> None:
    first, second, absent = tmp_path / "app1.log", tmp_path / "app2.log", tmp_path / "app3.log"
    first.write_text("Traceback (most recent call last):\n  boom\n")
    second.write_text("ok\nTraceback (most recent call last):\nTraceback (most recent call last):\n")
    assert load.count_exceptions([first, second, absent]) == 3
    assert load.count_exceptions(first) == 1
    assert load.count_exceptions(None) == 0


def test_the_fleet_env_sets_workers_only_when_told(tmp_path: Path) -> None:
    one = fleet.Fleet(tmp_path, fleet.DEFAULT_DATABASE, servers=2, workers=1)
    assert len(one.ports.apps) == 2
    assert one.env(1)["WEB_CONCURRENCY"] == "1" and one.env(1)["BIND"].endswith(f":{one.ports.apps[1]}")
    shipped = fleet.Fleet(tmp_path, fleet.DEFAULT_DATABASE, servers=1, workers=None)
    assert "WEB_CONCURRENCY" not in shipped.env(0) and "GUNICORN_THREADS" not in shipped.env(0)


@pytest.fixture
def capacity(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # the script imports its siblings, as bench scripts do
    return importlib.import_module("fleet_capacity")


def paced_phase(rate: float, p99: float, errors: int = 0) -> load.Phase:
    latency = {"p50": p99 / 4, "p95": p99 / 2, "p99": p99, "max": p99}
    return load.Phase(
        target="ivr",
        config="test",
        mode="paced",
        offered=rate,
        seconds=1.0,
        turns=round(rate),
        calls=1,
        completed_calls=1,
        connections=1,
        errors={"an error": errors} if errors else {},
        latency={"all": latency},
        cpu_ms_per_turn={},
        cpu_share={},
    )


def test_the_bisection_finds_the_highest_rate_within_the_goal(capacity: ModuleType) -> None:
    offered: list[float] = []

    def measure(rate: float) -> load.Phase:  # p99 crosses 100 ms at 700 turns/s
        offered.append(rate)
        return paced_phase(rate, 20.0 if rate < 700 else 300.0)

    phases = capacity.highest_within_goal(measure, 1000.0, steps=4)
    assert offered == [500.0, 750.0, 625.0, 687.5]
    best = max((p for p in phases if capacity.meets_goal(p)), key=lambda p: p.rate)
    assert best.rate == 688  # turns: the offered rate, rounded


def test_a_rate_with_errors_or_shed_turns_does_not_meet_the_goal(capacity: ModuleType) -> None:
    assert capacity.meets_goal(paced_phase(100.0, 20.0))
    assert not capacity.meets_goal(paced_phase(100.0, 20.0, errors=1))
    shed = paced_phase(100.0, 20.0)
    shed.shed = 1
    assert not capacity.meets_goal(shed)
    assert not capacity.meets_goal(paced_phase(100.0, 100.0))


def test_a_run_measured_twice_keeps_the_errors_of_both(capacity: ModuleType) -> None:
    first, second = paced_phase(100.0, 300.0, errors=2), paced_phase(100.0, 20.0, errors=1)
    first.server_exceptions = 1
    kept = capacity.merged(first, second, second)
    assert kept is second and kept.errors == {"an error": 3} and kept.server_exceptions == 1
    assert not capacity.meets_goal(kept)


@pytest.mark.fleet
@pytest.mark.skipif(any(shutil.which(tool) is None for tool in TOOLS), reason=f"needs {', '.join(TOOLS)}")
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_two_server_fleet_serves_load_py_callers_through_haproxy_on_both_servers() -> None:
    with fleet.running_fleet(os.environ["TEST_DATABASE_URL"], servers=2) as running:
        rows = running.lb_stats()
        for backend in ("ready", "alive"):
            assert sorted(
                r["svname"] for r in rows if r["pxname"] == backend and re.match(r"app\d", r["svname"])
            ) == [
                "app1",
                "app2",
            ]
        assert running.up_servers() == 2
        masters = [running.processes.running[name].pid for name in ("app1", "app2")]
        logs = [running.work / "app1.log", running.work / "app2.log"]
        args = argparse.Namespace(concurrency=4, seed=7, seconds=2.0, quiet_share=1.0, quiet_wait=0.0)
        load.give_callers_accounts(running.database_url(), args.concurrency)  # each caller its own accounts
        phase = load.run_phase(
            "ivr", "2 servers", running.ports.balancer, masters, args, 2.0, None, logs, fleet.TOKEN
        )
        served = running.served_per_server()
    assert phase.turns > 0 and phase.completed_calls > 0, phase
    # signed with the fleet's token, answered as scripted: each caller heard its own copy's balance
    assert phase.error_count == 0, phase.errors
    assert phase.cpu_ms_per_turn["server"] > 0  # both servers' gunicorn processes, read from /proc
    assert sorted(served) == ["app1", "app2"] and all(count > 0 for count in served.values()), served
