"""Fleet harness: the service as an agency runs it, on this machine, with faults injected under traffic.

    .venv/bin/python bench/fleet.py --short     # about 3 minutes (CI runs it: tests/fleet)
    .venv/bin/python bench/fleet.py             # the long form, about 8 minutes (docs/deploy.md)
    .venv/bin/python bench/fleet.py --short --scenario failover --scenario rolling_restart

What one run starts, all on 127.0.0.1 on free ports, and removes at the end (also after a failure):

- a Redis master, a replica and three Sentinels (Debian's redis-server and redis-sentinel), quorum 2;
- a PostgreSQL database of its own on the machine's server ($TEST_DATABASE_URL's server, database
  ``test`` by default), created, seeded with the demo data (``ivr seed-demo``) and dropped;
- three app servers (``gunicorn app:app`` with gunicorn.conf.py, one worker each) with
  ``REDIS_URL=redis+sentinel://...``, each with its own copy of the flow's files;
- HAProxy running deploy/haproxy.cfg, the file docs/deploy.md shows, round-robin over the three.

Simulated callers (the project's TwilioSimulator: signed requests, TwiML followed as Twilio does, a
<Pause> waited out) place whole calls through HAProxy, so consecutive turns of a call land on different
servers. Each scenario runs traffic, injects its fault, restores, and lets calls finish. After every
turn the harness reads the call's state from Redis and checks that the call is still on the flow version
it started on and that the stored turn is the one whose question the caller just heard.

The table: requests; answers that were not 2xx (HAProxy's 5xx, a dropped connection, or no answer
within Twilio's 15 s); the slowest answer; calls placed; calls that went as scripted; calls that ended on
the service's own explanation (an apology, "cannot check accounts right now", "we lost your place");
calls that lost their sign-in without being told; calls whose turns ran on two flow versions; turns
whose stored state was not what the caller heard. Every loop is bounded by a deadline.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import redis
import requests

from ivr.adapters.redis.connection import connect
from ivr.engine.state import CallState
from ivr.twilio.simulator import Heard, TwilioSimulator
from ivr.web.voice import asked_turn_in

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BIN = Path(sys.executable).parent
TOKEN = "fleet-auth-token-0123456789"  # noqa: S105  # signs requests to the harness's own local servers
OPS_TOKEN = "fleet-ops-token-0123456789"  # noqa: S105  # the same, for /healthz's report
SECRETS = {
    "TWILIO_AUTH_TOKEN": TOKEN,
    "IVR_PIN_PEPPER": "fleet-pin-pepper-0123456789abcdef",
    "IVR_SSN_KEY": "fleet-ssn-key-0123456789abcdefgh",
    "SECRET_KEY": "fleet-secret-key-0123456789abcdef",
    "IVR_OPS_TOKEN": OPS_TOKEN,
}
MASTER = "ivr"
SERVERS = 3
TWILIO_TIMEOUT = 15.0  # Twilio gives up on a webhook after 15 s
BUDGET = 8.0  # IVR_TURN_BUDGET_SECONDS as shipped
DRAIN_SECONDS = 3.0  # HAProxy marks a server down after 2 failed checks 1 s apart
CLOSED_TIME = "2026-11-22T10:00:00-08:00"  # a Sunday: the outage answer waits and retries (no transfer)
START_TIMEOUT = 60.0
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
SERVER_LINE = re.compile(r'^(?P<indent>\s+)server app(?P<number>\d+) "\$\{IVR_APP(?P=number)\}"$')

WELCOME = "Welcome to Customer Connect"
ASK_ID = "Enter your participant ID"
LOST = "we lost your place in this call"
APOLOGY = "technical difficulties"
OUTAGE = "we are having a technical problem"
UNAVAILABLE = ("cannot check accounts right now", "not available right now")
NEW_OPTION = "For our hours, press 3."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def haproxy_config(servers: int) -> str:
    """deploy/haproxy.cfg with app1..appN in each backend where the file lists app1..app3 (for N = 3, the
    file as it is)."""
    lines = []
    for line in HAPROXY_CONFIG.read_text().splitlines():
        match = SERVER_LINE.match(line)
        if match is None:
            lines.append(line)
        elif match["number"] == "1":
            lines.extend(f'{match["indent"]}server app{n} "${{IVR_APP{n}}}"' for n in range(1, servers + 1))
    return "\n".join(lines) + "\n"


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.1)


# --- the fleet ------------------------------------------------------------------------------------------


class Processes:
    """Every process the harness starts, each in its own session; all of them stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603  # the harness's own fixed commands
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running[name] = process
        return process

    def send(self, name: str, number: int) -> None:
        process = self.running[name]
        if process.poll() is None:
            os.kill(process.pid, number)

    def stop(self, name: str, number: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
            os.kill(process.pid, number)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def close(self) -> None:
        for name in list(self.running):
            self.stop(name, timeout=15.0)

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@dataclass
class FleetPorts:
    redis: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    sentinels: list[int] = field(default_factory=lambda: [free_port() for _ in range(3)])
    apps: list[int] = field(default_factory=lambda: [free_port() for _ in range(SERVERS)])
    balancer: int = field(default_factory=free_port)


class Fleet:
    """``servers`` app servers (three for the scenarios), each with ``workers`` gunicorn workers, or
    gunicorn.conf.py's own count (one per core) when ``workers`` is None."""

    def __init__(
        self, work: Path, database_base: str, servers: int = SERVERS, workers: int | None = 1
    ) -> None:
        self.work = work
        self.servers = servers
        self.workers = workers
        self.ports = FleetPorts(apps=[free_port() for _ in range(servers)])
        self.processes = Processes(work)
        self.database_base = database_base
        self.database_name = f"ivr_fleet_{uuid.uuid4().hex[:10]}"
        self.prefix = "fleet:"
        self.redis_url = (
            "redis+sentinel://" + ",".join(f"{HOST}:{p}" for p in self.ports.sentinels) + f"/{MASTER}/0"
        )
        self.base_url = f"http://{HOST}:{self.ports.balancer}"
        self._database_created = False
        self.client: redis.Redis | None = None

    # Redis ---------------------------------------------------------------------------------------------
    def _redis_argv(self, port: int, replica_of: int | None = None) -> list[str]:
        folder = self.work / f"redis-{port}"
        folder.mkdir(exist_ok=True)
        argv = ["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(folder), "--replica-announce-ip", HOST]
        return argv + (["--replicaof", HOST, str(replica_of)] if replica_of else [])

    def start_redis(self, port: int, replica_of: int | None = None) -> None:
        self.processes.start(f"redis-{port}", self._redis_argv(port, replica_of))
        probe = redis.Redis(host=HOST, port=port, socket_timeout=1)
        wait_until(lambda: _answers(probe), 20, f"redis on {port}")
        probe.close()

    def start_sentinels(self) -> None:
        master = self.ports.redis[0]
        for port in self.ports.sentinels:
            config = self.work / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind {HOST}\ndir {self.work}\n"
                f"sentinel monitor {MASTER} {HOST} {master} 2\n"
                f"sentinel down-after-milliseconds {MASTER} 1000\n"
                f"sentinel failover-timeout {MASTER} 5000\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self.processes.start(f"sentinel-{port}", ["redis-sentinel", str(config)])
        for port in self.ports.sentinels:
            probe = redis.Redis(host=HOST, port=port, socket_timeout=1)
            wait_until(lambda probe=probe: _answers(probe), 20, f"sentinel on {port}")  # type: ignore[misc]
            probe.close()

    def master_port(self) -> int:
        for port in self.ports.sentinels:
            with contextlib.suppress(redis.RedisError):
                probe = redis.Redis(host=HOST, port=port, socket_timeout=1)
                address = probe.sentinel_get_master_addr_by_name(MASTER)
                probe.close()
                if isinstance(address, tuple):
                    return int(address[1])
        raise RuntimeError("no Sentinel names a master")

    def replica_port(self) -> int:
        master = self.master_port()
        return next(port for port in self.ports.redis if port != master)

    def failover(self) -> None:
        """SENTINEL FAILOVER, asked of the first Sentinel."""
        probe = redis.Redis(host=HOST, port=self.ports.sentinels[0], socket_timeout=2)
        try:
            probe.sentinel_failover(MASTER)
        finally:
            probe.close()

    def wait_replicated(self, seconds: float = 30) -> None:
        """Until the master has a replica that is in sync (after a failover or a restart)."""

        def synced() -> bool:
            try:
                info = redis.Redis(host=HOST, port=self.master_port(), socket_timeout=1).info("replication")
            except (redis.RedisError, RuntimeError):
                return False
            return info.get("role") == "master" and int(info.get("connected_slaves", 0)) >= 1

        wait_until(synced, seconds, "a master with a replica")

    # PostgreSQL ----------------------------------------------------------------------------------------
    def database_url(self) -> str:
        parts = urlsplit(self.database_base)
        return parts._replace(path=f"/{self.database_name}").geturl()

    def create_database(self) -> None:
        with psycopg.connect(
            self.database_base.replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as admin:
            admin.execute(f'CREATE DATABASE "{self.database_name}"')
        self._database_created = True
        seeded = subprocess.run(  # noqa: S603  # the project's own command
            [str(BIN / "ivr"), "seed-demo"],
            check=False,
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if seeded.returncode:
            raise RuntimeError(f"ivr seed-demo failed: {seeded.stderr[-2000:]}")

    def drop_database(self) -> None:
        if not self._database_created:
            return
        with psycopg.connect(self.database_base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        self._database_created = False

    # App servers and HAProxy ---------------------------------------------------------------------------
    def flow_folder(self, index: int) -> Path:
        return self.work / f"app{index + 1}" / "flow"

    def env(self, index: int | None = None) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("IVR_", "GUNICORN_", "PROMETHEUS_"))
            and key not in ("REDIS_URL", "DATABASE_URL")
        }
        env.update(SECRETS)
        env.update(
            DATABASE_URL=self.database_url(),
            REDIS_URL=self.redis_url,
            IVR_REDIS_PREFIX=self.prefix,
            IVR_AUTO_MIGRATE="0",
            IVR_FIXED_TIME=CLOSED_TIME,
            IVR_INSTANCE=str(self.work / "instance"),
            PUBLIC_BASE_URL=self.base_url,
        )
        if index is not None:
            env.update(
                BIND=f"{HOST}:{self.ports.apps[index]}",
                GUNICORN_ACCESS_LOG_SAMPLE="0",
                IVR_DRAIN_SECONDS=str(DRAIN_SECONDS),
                IVR_FLOW=str(self.flow_folder(index)),
                IVR_INSTANCE=str(self.work / f"app{index + 1}" / "instance"),
            )
            if self.workers is not None:
                env.update(WEB_CONCURRENCY=str(self.workers), GUNICORN_THREADS="4")
        return env

    def start_app(self, index: int) -> None:
        folder = self.flow_folder(index)
        if not folder.exists():
            folder.mkdir(parents=True)
            shutil.copy(ROOT / "menu_tree.yaml", folder / "menu_tree.yaml")
            shutil.copytree(ROOT / "menus", folder / "menus")
            (folder / "prompts").mkdir()
            for catalogue in (ROOT / "prompts").glob("*.yaml"):
                shutil.copy(catalogue, folder / "prompts" / catalogue.name)
        self.processes.start(f"app{index + 1}", [str(BIN / "gunicorn"), "app:app"], self.env(index))
        url = f"http://{HOST}:{self.ports.apps[index]}/readyz"
        wait_until(lambda: _status(url) == 200, START_TIMEOUT, f"app{index + 1} ready")

    def stop_app(self, index: int) -> None:
        """SIGTERM, as a deploy does: the server drains, finishes what it holds, and exits."""
        self.processes.stop(f"app{index + 1}", signal.SIGTERM, timeout=DRAIN_SECONDS + 30)

    def start_balancer(self) -> None:
        env = {
            **os.environ,
            "IVR_LISTEN": f"{HOST}:{self.ports.balancer}",
            "IVR_HAPROXY_STATS": str(self.work / "haproxy.sock"),
            **{f"IVR_APP{i + 1}": f"{HOST}:{port}" for i, port in enumerate(self.ports.apps)},
        }
        config = HAPROXY_CONFIG
        if self.servers != SERVERS:  # the same file with another number of servers
            config = self.work / "haproxy.cfg"
            config.write_text(haproxy_config(self.servers))
        self.processes.start("haproxy", ["haproxy", "-db", "-f", str(config)], env)
        wait_until(lambda: self.up_servers() == self.servers, 30, "HAProxy seeing every server ready")

    def lb_stats(self) -> list[dict[str, str]]:
        with socket.socket(socket.AF_UNIX) as stats:
            stats.settimeout(2)
            stats.connect(str(self.work / "haproxy.sock"))
            stats.sendall(b"show stat\n")
            data = b""
            while chunk := stats.recv(65536):
                data += chunk
        text = data.decode().lstrip("# ")
        return list(csv.DictReader(io.StringIO(text)))

    def up_servers(self, backend: str = "ready") -> int:
        try:
            rows = self.lb_stats()
        except OSError:
            return 0
        return sum(
            1
            for row in rows
            if row["pxname"] == backend and row["svname"].startswith("app") and row["status"] == "UP"
        )

    def served_per_server(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.lb_stats():
            if row["svname"].startswith("app"):
                totals[row["svname"]] = totals.get(row["svname"], 0) + int(row["stot"] or 0)
        return totals

    def report(self, index: int) -> dict[str, Any]:
        response = requests.get(
            f"http://{HOST}:{self.ports.apps[index]}/healthz",
            headers={"Authorization": f"Bearer {OPS_TOKEN}"},
            timeout=5,
        )
        return dict(response.json())

    def start(self) -> None:
        self.start_redis(self.ports.redis[0])
        self.start_redis(self.ports.redis[1], replica_of=self.ports.redis[0])
        self.start_sentinels()
        self.create_database()
        for index in range(self.servers):
            self.start_app(index)
        self.start_balancer()
        self.client = connect(self.redis_url, 1.0)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.processes.close()
        with contextlib.suppress(psycopg.Error):
            self.drop_database()

    def state(self, call_sid: str) -> CallState | None:
        assert self.client is not None
        raw = self.client.get(f"{self.prefix}call:{call_sid}")
        return None if raw is None else CallState.from_json(raw)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _status(url: str) -> int:
    try:
        return requests.get(url, timeout=2).status_code
    except requests.RequestException:
        return 0


# --- callers ----------------------------------------------------------------------------------------------


class Unanswered(RuntimeError):
    """A webhook that got no 2xx answer: Twilio would have played its own error."""


@dataclass
class Row:
    scenario: str
    requests: int = 0
    non_2xx: int = 0
    worst_seconds: float = 0.0
    calls: int = 0
    completed: int = 0
    explained: int = 0
    lost_sign_in: int = 0
    mixed_versions: int = 0
    unheard_turns: int = 0
    failed: int = 0
    note: str = ""
    why: list[str] = field(default_factory=list)  # the first few calls not completed, and what they heard
    statuses: dict[str, int] = field(default_factory=dict)
    facts: dict[str, float] = field(default_factory=dict)  # what a scenario measured besides the traffic


class Traffic:
    """``callers`` threads placing calls through the load balancer until stopped."""

    def __init__(self, fleet: Fleet, row: Row, callers: int, script: str = "mixed") -> None:
        self.fleet = fleet
        self.row = row
        self.callers = callers
        self.script = script
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.new_option_calls = 0

    def __enter__(self) -> Traffic:
        for number in range(self.callers):
            thread = threading.Thread(target=self._caller, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(90)  # a call in progress finishes (an outage answer waits and retries)

    def _transport(self, session: requests.Session) -> Callable[[str, dict[str, str], dict[str, str]], bytes]:
        def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
            started = time.monotonic()
            status = 0
            try:
                response = session.post(url, data=form, headers=headers, timeout=TWILIO_TIMEOUT)
                status = response.status_code
            except requests.RequestException:
                pass
            elapsed = time.monotonic() - started
            with self._lock:
                self.row.requests += 1
                self.row.worst_seconds = max(self.row.worst_seconds, elapsed)
                key = str(status or "none")
                self.row.statuses[key] = self.row.statuses.get(key, 0) + 1
                if not 200 <= status < 300:
                    self.row.non_2xx += 1
            if not 200 <= status < 300:
                raise Unanswered(f"{status} from {urlsplit(url).path}")
            return response.content

        return post

    def _caller(self, number: int) -> None:
        session = requests.Session()
        rng = random.Random(number)  # noqa: S311  # callers' think time, not a secret
        index = 0
        while not self._stop.is_set():
            script = self.script
            if script == "mixed":
                script = "payments" if (number + index) % 3 else "information"
            index += 1
            phone = TwilioSimulator(
                base_url=self.fleet.base_url,
                auth_token=TOKEN,
                transport=self._transport(session),
                caller=f"+1555010{number:04d}",
                pause=time.sleep,
            )
            call = Call(self.fleet, phone, rng)
            outcome = call.run(SCRIPTS[script])
            with self._lock:
                self.row.calls += 1
                setattr(self.row, outcome, getattr(self.row, outcome) + 1)
                self.row.mixed_versions += call.mixed_versions
                self.row.unheard_turns += call.unheard
                self.new_option_calls += call.took_new_option
                if call.why and len(self.row.why) < 6:
                    self.row.why.append(call.why)


# A step: keys to press, and what the caller must then hear (any of the phrases).
Step = tuple[str, tuple[str, ...]]
SCRIPTS: dict[str, list[Step]] = {
    "payments": [
        ("1", ("participant ID",)),
        ("1000000002#", ("Enter your PIN",)),
        ("1357#", ("Main menu",)),
        ("1", ("one thousand two hundred thirty-four dollars",)),  # then the main menu's short form
        ("1", ("one thousand two hundred thirty-four dollars",)),
        ("*", ("Main menu",)),  # the full menu again
        ("9", ("Goodbye", "Thank you for calling")),
    ],
    "information": [
        ("2", ("Monday through Friday",)),
        ("2", ("If you are a parent",)),
        ("2", ("Monday through Friday",)),
        ("9", ("Goodbye", "Thank you for calling")),
    ],
}
SIGNED_IN_AFTER = "1357#"


@dataclass
class Call:
    fleet: Fleet
    phone: TwilioSimulator
    rng: random.Random
    version: str | None = None
    mixed_versions: int = 0
    unheard: int = 0
    why: str = ""
    took_new_option: bool = False

    def _check_state(self) -> None:
        """The stored state: on the call's first flow version, at the turn whose question was heard."""
        if self.phone.gather is None:
            return
        asked = asked_turn_in(
            dict(parse_qsl(urlsplit(self.phone.gather.get("action", "")).query, keep_blank_values=True))
        )
        try:
            state = self.fleet.state(self.phone.call_sid)
        except redis.RedisError:
            return  # Redis itself is out (a scenario's fault): nothing to compare
        if state is None:
            return
        if self.version is None:
            self.version = state.flow_version
        elif state.flow_version != self.version:
            self.mixed_versions = 1
        if asked is not None and not asked.is_current(state):
            self.unheard += 1

    def _answer(self, keys: str, expected: tuple[str, ...]) -> str:
        """Press ``keys``; after an outage answer that repeats the question, answer it again (a caller
        would), at most three times. What the caller heard, as one text."""
        heard = _text(self.phone.press(keys))
        for _ in range(3):
            if OUTAGE not in heard or LOST in heard or self.phone.ended:
                break
            if any(phrase in heard for phrase in expected):
                break
            heard = _text(self.phone.press(keys))
        return heard

    def _outcome(self, keys: str, heard: str, expected: tuple[str, ...], signed_in: bool) -> str | None:
        """How the call ends after this answer, or None if it goes on as scripted."""
        said = f"after {keys!r} {heard[:120]!r}"
        if LOST in heard or (APOLOGY in heard and self.phone.ended):
            outcome = "explained"  # Redis lost the call's state, or stayed out of reach: the caller was told
        elif signed_in and (WELCOME in heard or ASK_ID in heard):
            outcome = "lost_sign_in"
        elif any(phrase in heard for phrase in UNAVAILABLE):
            outcome = "explained"  # a data step out of time or reach, said so; the caller hangs up
        elif not any(phrase in heard for phrase in expected):
            outcome = "failed"
        else:
            return None
        self.why = f"{outcome}: {said}"
        return outcome

    def run(self, steps: list[Step]) -> str:
        signed_in = False
        try:
            heard = _text(self.phone.dial())
            if self.phone.gather is not None and NEW_OPTION in heard and steps is SCRIPTS["information"]:
                steps = [("3", ("Monday through Friday",)), *steps[1:]]  # the new option, on the new version
                self.took_new_option = True
            for keys, expected in steps:
                if self.phone.ended:
                    self.why = f"ended early: {heard[:120]!r}"
                    return "explained" if APOLOGY in heard else "failed"
                self._check_state()
                time.sleep(0.2 + self.rng.random() * 0.2)  # a caller takes a moment to answer
                heard = self._answer(keys, expected)
                outcome = self._outcome(keys, heard, expected, signed_in)
                if outcome is not None:
                    return outcome
                signed_in = signed_in or keys == SIGNED_IN_AFTER
            self._check_state()
            return "completed"
        except Unanswered as exc:
            self.why = f"failed: {exc}"
            return "failed"
        finally:
            with contextlib.suppress(Unanswered):
                if not self.phone.ended:
                    self.phone.hang_up()


def _text(heard: list[Heard]) -> str:
    return " ".join(item.text for item in heard)


# --- scenarios ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    callers: int
    steady: float  # seconds of traffic without a fault
    outage: float  # seconds Redis is down, or a table is locked
    lock_callers: int  # callers signing in while a table is locked


SHORT = Form(callers=5, steady=6.0, outage=8.0, lock_callers=10)
LONG = Form(callers=12, steady=20.0, outage=20.0, lock_callers=30)


def steady(fleet: Fleet, form: Form, row: Row) -> None:
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady)
    served = fleet.served_per_server()
    row.facts = {f"served_by_{name}": float(count) for name, count in served.items()}
    row.note = "served per server: " + ", ".join(f"{k} {v}" for k, v in sorted(served.items()))


def failover(fleet: Fleet, form: Form, row: Row) -> None:
    """The master killed; the Sentinels promote the replica; the old master returns as a replica."""
    old = fleet.master_port()
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady / 2)
        killed = time.monotonic()
        fleet.processes.stop(f"redis-{old}", signal.SIGKILL)
        wait_until(lambda: fleet.master_port() != old, 30, "Sentinel promoting the replica")
        promoted = time.monotonic() - killed
        time.sleep(2)
        fleet.start_redis(old)  # as it was configured: Sentinel turns it into a replica
        fleet.wait_replicated()
        time.sleep(form.steady / 2)
    row.facts = {"promoted_after_seconds": promoted}
    row.note = f"replica promoted {promoted:.1f} s after the kill; old master back as a replica"


def switchover(fleet: Fleet, form: Form, row: Row) -> None:
    """SENTINEL FAILOVER: the master is demoted in place while the apps hold connections to it, so their
    next write meets ReadOnlyError."""
    old = fleet.master_port()
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady / 2)
        fleet.failover()
        wait_until(lambda: fleet.master_port() != old, 30, "the switchover")
        fleet.wait_replicated()
        time.sleep(form.steady / 2)
    demoted = redis.Redis(host=HOST, port=old, socket_timeout=1).info("replication")["role"]
    row.facts = {"old_master_demoted": float(demoted in ("slave", "replica"))}
    row.note = f"old master demoted in place (now a {demoted}) while the apps held connections to it"


def redis_down(fleet: Fleet, form: Form, row: Row) -> None:
    """Master and replica frozen (they answer nothing) for the outage, then thawed."""
    names = [f"redis-{port}" for port in fleet.ports.redis]
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady / 2)
        for name in names:
            fleet.processes.send(name, signal.SIGSTOP)
        time.sleep(form.outage)
        down = fleet.up_servers("ready")
        alive = fleet.up_servers("alive")
        for name in names:
            fleet.processes.send(name, signal.SIGCONT)
        fleet.wait_replicated()
        wait_until(lambda: fleet.up_servers() == SERVERS, 30, "servers ready again")
        time.sleep(form.steady / 2)
    row.facts = {"ready_during_outage": float(down), "alive_during_outage": float(alive)}
    row.note = f"master and replica frozen {form.outage:.0f} s; meanwhile {down} ready, {alive} alive servers in HAProxy"


def _lock_table(fleet: Fleet, table: str, seconds: float, locked: threading.Event) -> None:
    with psycopg.connect(fleet.database_url()) as connection:
        connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        locked.set()
        time.sleep(seconds)
        connection.rollback()


def _locked(fleet: Fleet, form: Form, row: Row, table: str) -> None:
    locked = threading.Event()
    holder = threading.Thread(target=_lock_table, args=(fleet, table, form.outage, locked), daemon=True)
    with Traffic(fleet, row, form.lock_callers, script="payments"):
        time.sleep(1)
        holder.start()
        locked.wait(10)
        holder.join(form.outage + 30)
        time.sleep(form.steady / 2)
    row.note = f"{table} locked for {form.outage:.0f} s, {form.lock_callers} callers signing in"


def database_lock(fleet: Fleet, form: Form, row: Row) -> None:
    _locked(fleet, form, row, "participants")


def payments_lock(fleet: Fleet, form: Form, row: Row) -> None:
    """The payments read stalls: callers hear "not available right now" in time, and the call is where
    they heard it (the unheard column)."""
    _locked(fleet, form, row, "payments")


def database_connections_killed(fleet: Fleet, form: Form, row: Row) -> None:
    """Every connection the app servers hold to PostgreSQL killed by the server, twice, under traffic (as a
    database failover or restart does): the pools replace them without a caller noticing."""
    killed = 0
    with Traffic(fleet, row, form.callers, script="payments"):
        for _ in range(2):
            time.sleep(form.steady / 2)
            with psycopg.connect(fleet.database_base) as admin:
                result = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                    (fleet.database_name,),
                ).fetchone()
            killed += int(result[0]) if result else 0
        time.sleep(form.steady / 2)
    row.facts = {"connections_killed": float(killed)}
    row.note = f"{killed} app connections to PostgreSQL killed by the server, in two rounds"


def _edit(folder: Path) -> None:
    prompts = folder / "prompts" / "en.yaml"
    prompts.write_text(
        prompts.read_text().replace(
            "For other options, press 7 or say None.", f"For other options, press 7 or say None. {NEW_OPTION}"
        )
    )
    welcome = folder / "menus" / "welcome.yaml"
    welcome.write_text(
        welcome.read_text().replace(
            '      - key: "7"', '      - key: "3"\n        next: general_information\n      - key: "7"', 1
        )
    )


def flow_edit(fleet: Fleet, form: Form, row: Row) -> None:
    """A prompt edited and a new menu option added on one server only, mid-call."""
    before = fleet.report(0)["flow_version"]
    with Traffic(fleet, row, form.callers, script="information") as traffic:
        time.sleep(form.steady / 2)
        edited = time.monotonic()
        _edit(fleet.flow_folder(0))

        def everywhere() -> bool:
            versions = {fleet.report(index)["flow_version"] for index in range(SERVERS)}
            return len(versions) == 1 and before not in versions

        wait_until(everywhere, 30, "the edit on every server")
        spread = time.monotonic() - edited
        time.sleep(form.steady)
    row.facts = {"spread_seconds": spread, "new_option_calls": float(traffic.new_option_calls)}
    row.note = (
        f"edit saved on app1 only; live on all {SERVERS} servers after {spread:.1f} s; "
        f"{traffic.new_option_calls} calls took the new option, every turn of each call on one version"
    )


def restart_one(fleet: Fleet, form: Form, row: Row) -> None:
    """A server restarted with its old files while calls are on several versions."""
    live = fleet.report(0)["flow_version"]
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady / 2)
        fleet.stop_app(1)
        fleet.start_app(1)
        time.sleep(form.steady / 2)
    after = fleet.report(1)["flow_version"]
    row.facts = {"restarted_runs_published_version": float(after == live)}
    row.note = f"app2 restarted with older files; it runs the published version: {after == live}"


def rolling_restart(fleet: Fleet, form: Form, row: Row) -> None:
    """SIGTERM, start, each server in turn, as a deploy does."""
    with Traffic(fleet, row, form.callers):
        time.sleep(form.steady / 2)
        for index in range(SERVERS):
            fleet.stop_app(index)
            fleet.start_app(index)
            wait_until(lambda: fleet.up_servers() == SERVERS, 30, "the restarted server back in HAProxy")
        time.sleep(form.steady / 2)
    row.note = f"{SERVERS} servers restarted one after another under traffic"


SCENARIOS: dict[str, Callable[[Fleet, Form, Row], None]] = {
    "steady": steady,
    "failover": failover,
    "switchover": switchover,
    "redis_down": redis_down,
    "database_lock": database_lock,
    "payments_lock": payments_lock,
    "database_connections_killed": database_connections_killed,
    "flow_edit": flow_edit,
    "restart_one": restart_one,
    "rolling_restart": rolling_restart,
}


def table(rows: list[Row]) -> str:
    head = (
        "| scenario | requests | non-2xx | worst latency | calls | completed | explained | lost sign-in "
        "| mixed versions | unheard turns | failed |"
    )
    lines = [head, "|" + " --- |" * 11]
    for row in rows:
        lines.append(
            f"| {row.scenario} | {row.requests} | {row.non_2xx} | {row.worst_seconds:.2f} s | {row.calls} "
            f"| {row.completed} | {row.explained} | {row.lost_sign_in} | {row.mixed_versions} "
            f"| {row.unheard_turns} | {row.failed} |"
        )
    lines.append("")
    lines.extend(f"- {row.scenario}: {row.note}" for row in rows if row.note)
    lines.extend(f"- {row.scenario}, a call: {why}" for row in rows for why in row.why[:3])
    return "\n".join(lines)


def missing_tools() -> list[str]:
    return [tool for tool in ("haproxy", "redis-server", "redis-sentinel") if shutil.which(tool) is None]


@contextlib.contextmanager
def running_fleet(database_base: str, servers: int = SERVERS, workers: int | None = 1) -> Iterator[Fleet]:
    work = Path(tempfile.mkdtemp(prefix="ivr-fleet-"))
    fleet = Fleet(work, database_base, servers, workers)
    try:
        fleet.start()
        yield fleet
    except BaseException:
        for name in ("haproxy", *(f"app{index + 1}" for index in range(servers))):
            print(f"--- {name} (last lines) ---\n{fleet.processes.tail(name)}", file=sys.stderr)
        raise
    finally:
        fleet.close()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI form: a few minutes")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="run only these")
    parser.add_argument("--json", type=Path, help="write the rows here as JSON")
    parser.add_argument("--deadline", type=float, default=None, help="seconds before the run gives up")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"missing: {', '.join(missing)} (scripts/system-packages.sh installs them)", file=sys.stderr)
        return 2
    form = SHORT if args.short else LONG
    deadline = args.deadline or (420.0 if args.short else 1200.0)

    def out_of_time(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"the fleet run took longer than {deadline:.0f} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.alarm(int(deadline))
    rows: list[Row] = []
    database = os.environ.get("TEST_DATABASE_URL") or DEFAULT_DATABASE
    with running_fleet(database) as fleet:
        for name in args.scenario or list(SCENARIOS):
            row = Row(name)
            started = time.monotonic()
            SCENARIOS[name](fleet, form, row)
            print(f"{name}: {time.monotonic() - started:.0f} s, {row.requests} requests", file=sys.stderr)
            rows.append(row)
    signal.alarm(0)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
