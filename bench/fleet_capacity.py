"""Capacity through the load balancer: 1, 2 and 3 app servers behind HAProxy, measured with bench/load.py's callers.

    .venv/bin/python bench/fleet_capacity.py                   # about 6 minutes: 1, 2, 3 servers, one as shipped
    .venv/bin/python bench/fleet_capacity.py --servers 1 --no-shipped --seconds 3 --steps 2   # a quick look

For each row, bench/fleet.py starts its fleet (Redis master, replica and three Sentinels, a PostgreSQL
database of its own with the demo data, the app servers with REDIS_URL=redis+sentinel://..., HAProxy
running deploy/haproxy.cfg round-robin over them) with N app servers, each as the fleet starts it
(``gunicorn app:app`` with gunicorn.conf.py, one gthread worker of 4 threads), and stops and removes all of
it afterwards, also after Ctrl-C, SIGTERM or the deadline. The last row is one server as gunicorn.conf.py
ships it (one worker per core: 2 here), which is "one 2-core server". bench/load.py's callers then play
their scripted calls through HAProxy's port:

1. a warm-up, then saturation: every connection sends its next turn as soon as the last is answered;
2. a bisection over Poisson-paced rates below the saturated one for the highest rate at which every
   turn's p99 stays under the goal (100 ms) with no error and nothing shed; a paced turn's latency counts
   from when it was due (no coordinated omission: bench/load.py);
3. that rate in concurrent calls, at bench/load.py's one turn every 5 to 10 s a call.

The machine is shared: a measurement during which others (work that is neither the load generator, the
app servers, HAProxy, Redis nor PostgreSQL) took more than --quiet-share of it is run once more if it
matters (a saturation: the faster kept; a probe over the goal: the second kept), errors of both counted.

Everything runs on this machine, on 127.0.0.1: the load generator, HAProxy, Redis and its Sentinels,
PostgreSQL and every app server share its cores, so a server beyond the cores has none of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fleet import DEFAULT_DATABASE, TOKEN, Fleet, missing_tools, running_fleet
from load import (
    SECONDS_PER_TURN,
    Phase,
    give_callers_accounts,
    machine_description,
    ms,
    require_loopback,
    run_phase,
    say,
    shipped_settings,
    summary_line,
)

GOAL_MS = 100.0


@dataclass(frozen=True)
class Setup:
    servers: int
    workers: int | None  # gunicorn workers per server; None: gunicorn.conf.py's own count (one per core)

    @property
    def name(self) -> str:
        if self.workers is None:
            shipped = shipped_settings()
            return f"1 server as shipped ({shipped['workers']} workers x {shipped['threads']} threads)"
        plural = "s" if self.servers > 1 else ""
        return f"{self.servers} server{plural} x {self.workers} worker x 4 threads"


@dataclass
class Row:
    setup: str
    servers: int
    workers: int
    saturated: Phase
    paced: list[Phase] = field(default_factory=list)
    served_per_server: dict[str, int] = field(default_factory=dict)

    @property
    def best(self) -> Phase | None:
        return max((p for p in self.paced if meets_goal(p)), key=lambda p: p.rate, default=None)


def meets_goal(phase: Phase, goal_ms: float = GOAL_MS) -> bool:
    """Every turn's p99 under the goal, no error, nothing shed."""
    return phase.latency["all"]["p99"] < goal_ms and not phase.error_count and not phase.shed


def highest_within_goal(
    measure: Callable[[float], Phase], saturated_rate: float, steps: int, goal_ms: float = GOAL_MS
) -> list[Phase]:
    """Bisect over fractions of the saturated rate for the highest paced rate that meets the goal: the
    first probe at a half, then halfway towards the last failure or success; ``steps`` probes in all."""
    low, high = 0.0, 1.0
    phases = []
    for _ in range(steps):
        fraction = (low + high) / 2
        phase = measure(saturated_rate * fraction)
        phases.append(phase)
        if meets_goal(phase, goal_ms):
            low = fraction
        else:
            high = fraction
    return phases


def measure(setup: Setup, database: str, args: argparse.Namespace) -> Row:
    workers = setup.workers or int(shipped_settings()["workers"])
    with running_fleet(database, setup.servers, setup.workers) as fleet:
        say(f"{setup.name}: fleet up, HAProxy on {fleet.ports.balancer}")
        give_callers_accounts(fleet.database_url(), args.concurrency)
        masters = [fleet.processes.running[f"app{index + 1}"].pid for index in range(setup.servers)]
        logs = [fleet.work / f"app{index + 1}.log" for index in range(setup.servers)]

        def phase(seconds: float, rate: float | None = None) -> Phase:
            return run_phase(
                "ivr", setup.name, fleet.ports.balancer, masters, args, seconds, rate, logs, TOKEN
            )

        phase(args.warmup)
        saturated = phase(args.seconds)
        say(summary_line(saturated) + f"; others {saturated.cpu_share.get('others', 0):.0%}")
        if disturbed(saturated, args):  # others' work only ever slows a run down: the faster of two
            say("  others used the machine: once more")
            again = phase(args.seconds)
            say(summary_line(again) + f"; others {again.cpu_share.get('others', 0):.0%}")
            saturated = merged(saturated, again, max(saturated, again, key=lambda p: p.rate))

        def paced(rate: float) -> Phase:
            result = phase(args.seconds, rate)
            say(summary_line(result) + f"; others {result.cpu_share.get('others', 0):.0%}")
            if not meets_goal(result, args.goal_ms) and disturbed(result, args):
                say("  over the goal while others used the machine: once more")
                again = phase(args.seconds, rate)
                result = merged(result, again, again)
                say(summary_line(result) + f"; others {result.cpu_share.get('others', 0):.0%}")
            return result

        row = Row(setup.name, setup.servers, workers, saturated)
        row.paced = highest_within_goal(paced, saturated.rate, args.steps, args.goal_ms)
        row.served_per_server = served(fleet)
    return row


def merged(first: Phase, second: Phase, kept: Phase) -> Phase:
    """``kept`` (one of the two runs), with the errors of both: errors are never dropped with a run."""
    kept.errors = dict(Counter(first.errors) + Counter(second.errors))
    kept.server_exceptions = first.server_exceptions + second.server_exceptions
    return kept


def disturbed(phase: Phase, args: argparse.Namespace) -> bool:
    """Others (work that is not the fleet's or the load generator's) took more than the quiet share."""
    return phase.cpu_share.get("others", 0.0) > args.quiet_share


def served(fleet: Fleet) -> dict[str, int]:
    try:
        return fleet.served_per_server()
    except OSError:
        return {}


def calls(rate: float) -> str:
    """Concurrent calls a sustained rate serves, at bench/load.py's one turn every 5 to 10 s a call."""
    return f"{rate * SECONDS_PER_TURN[0]:,.0f} to {rate * SECONDS_PER_TURN[1]:,.0f}"


def share(phase: Phase, *groups: str) -> str:
    return f"{sum(phase.cpu_share.get(group, 0.0) for group in groups):.0%}"


def probe(phase: Phase, args: argparse.Namespace) -> str:
    """A paced probe: its rate and p99, x if it missed the goal, and others' share if they disturbed it."""
    notes = [ms(phase.latency["all"]["p99"])]
    if not meets_goal(phase, args.goal_ms):
        notes[0] += " x"
    if disturbed(phase, args):
        notes.append(f"others {share(phase, 'others')}")
    return f"{phase.rate:.0f} ({', '.join(notes)})"


def table(rows: list[Row], args: argparse.Namespace) -> str:
    cores = os.cpu_count()
    out = [
        f"Through HAProxy, {args.concurrency} connections, {args.seconds:.0f} s a measurement, "
        f"{args.steps} paced probes a row; goal: every turn's p99 < {args.goal_ms:.0f} ms, no errors. "
        f"All of it on one {cores}-core machine: the load generator, HAProxy, Redis (+ 3 Sentinels), "
        "PostgreSQL and the app servers share its cores.\n",
        f"| app servers behind HAProxy | saturated turns/s | p50 / p99 ms | errors | highest paced turns/s "
        f"with p99 < {args.goal_ms:.0f} ms (its p99) | concurrent calls (a turn every "
        f"{SECONDS_PER_TURN[0]:.0f} to {SECONDS_PER_TURN[1]:.0f} s) | paced probes: turns/s (p99 ms) | "
        "server CPU ms/turn | CPU share at saturation: servers / client / HAProxy / Redis + PostgreSQL / others |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for row in rows:
        sat, best = row.saturated, row.best
        lat = sat.latency["all"]
        errors = sat.error_count + sum(p.error_count for p in row.paced)
        within = f"{best.rate:.0f} ({ms(best.latency['all']['p99'])})" if best else "none measured"
        probes = "; ".join(probe(p, args) for p in sorted(row.paced, key=lambda p: p.rate))
        out.append(
            f"| {row.setup} | {sat.rate:.0f} | {ms(lat['p50'])} / {ms(lat['p99'])} | {errors} | {within} | "
            f"{calls(best.rate) if best else '-'} | {probes} | {sat.cpu_ms_per_turn.get('server', 0):.2f} | "
            f"{share(sat, 'server')} / {share(sat, 'client')} / {share(sat, 'haproxy')} / "
            f"{share(sat, 'redis', 'postgres')} / {share(sat, 'others')} |"
        )
    out.append(
        "\nx: a probe over the goal (or with an error or a shed turn); a probe over the goal while others "
        f"took more than {args.quiet_share:.0%} of the machine is measured once more and the second kept "
        "(its errors added). Errors: saturation and probes."
    )
    problems = {what: n for row in rows for p in [row.saturated, *row.paced] for what, n in p.errors.items()}
    if problems:
        out.append("Errors seen: " + "; ".join(f"{n} x {what}" for what, n in list(problems.items())[:10]))
    for row in rows:
        if row.served_per_server:
            spread = ", ".join(f"{name} {count}" for name, count in sorted(row.served_per_server.items()))
            out.append(f"- {row.setup}: requests per server (HAProxy) {spread}")
    return "\n".join(out)


def describe(database: str) -> dict[str, str]:
    """bench/load.py's description of the machine (PostgreSQL's and Redis's versions from the servers here)."""
    server = urlsplit(database)._replace(path="").geturl()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    with contextlib.suppress(Exception):  # a description, not a measurement: never the reason a run fails
        return machine_description(argparse.Namespace(postgres=server, redis=redis_url))
    return {"cpu": f"{os.cpu_count()} cores"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--servers", type=int, nargs="+", default=[1, 2, 3], help="app servers behind HAProxy, one row each"
    )
    parser.add_argument(
        "--no-shipped", action="store_true", help="leave out one server as gunicorn.conf.py ships it"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections, each one call at a time")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="saturated warm-up after a fleet starts")
    parser.add_argument("--steps", type=int, default=4, help="paced probes of the bisection, per row")
    parser.add_argument("--goal-ms", type=float, default=GOAL_MS, help="p99 every turn must stay under")
    parser.add_argument("--seed", type=int, default=7, help="seed of the paced arrival times")
    parser.add_argument(
        "--quiet-share", type=float, default=0.1, help="machine busy share to wait for before a phase"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=15.0, help="longest wait for a quiet machine, seconds"
    )
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before the run gives up")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        say(f"missing: {', '.join(missing)} (scripts/system-packages.sh installs them)")
        return 2
    database = os.environ.get("TEST_DATABASE_URL") or DEFAULT_DATABASE
    require_loopback(database)
    setups = [Setup(servers, 1) for servers in args.servers]
    if not args.no_shipped:
        setups.append(Setup(1, None))

    def out_of_time(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"the capacity run took longer than {args.deadline:.0f} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.alarm(int(args.deadline))
    started = time.monotonic()
    rows = []
    try:
        for setup in setups:
            rows.append(measure(setup, database, args))
    finally:
        signal.alarm(0)
    say(f"done in {time.monotonic() - started:.0f} s")
    machine = describe(database)
    print(" | ".join(f"{k}: {v}" for k, v in machine.items()) + "\n")
    print(table(rows, args))
    if args.json:
        results = {
            "machine": machine,
            "plan": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "rows": [
                {
                    **asdict(row),
                    "best_rate": row.best.rate if row.best else None,
                    "saturated_rate": row.saturated.rate,
                }
                for row in rows
            ],
        }
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
