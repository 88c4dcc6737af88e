"""Load benchmark: concurrent callers play whole scripted calls against gunicorn serving the IVR.

Run from the repository root (the numbers and how to read them are in docs/performance.md):

    .venv/bin/python bench/load.py --quick    # about two minutes: gunicorn.conf.py as shipped
    .venv/bin/python bench/load.py            # about 15 minutes: 1, 2 and 4 workers, sync and gthread

What one run does, by itself, and undoes at the end:

1. creates a PostgreSQL database for the bench (``ivr_bench``, dropped at the end), loads the demo data
   into it with ``ivr seed-demo``, and keeps call state in Redis under the ``bench:`` prefix (removed at
   the end);
2. measures the load generator alone against a server that does nothing (bench/null_server.py), so its
   own limit and its CPU cost per turn are known;
3. for each gunicorn configuration: serves the bare Flask ceiling (bench/ceiling.py) and drives it at
   saturation, then the floor (bench/floor.py: the signature, the form and the call's state in Redis, and
   nothing else), then serves the IVR (``app:app``, with the real Redis and PostgreSQL, gunicorn.conf.py plus
   the configuration's worker settings) and drives it at saturation and then at fixed fractions of that
   rate (Poisson arrivals);
4. prints Markdown tables: turns per second, p50/p95/p99 turn latency (all turns, menu turns, the
   sign-in turn), errors, the ratios to the ceiling and to the floor, the CPU each party used per
   turn, and how the connections were split between gunicorn's worker processes (``ss``, sampled during
   each saturation run);
5. with ``--uneven``, lands every connection on one worker process (the others stopped with SIGSTOP
   while the connections open), lets the others go on, and measures the saturated rate and the split
   second by second from there.

Every caller is a simulated Twilio: it signs each request with X-Twilio-Signature, sends the form fields
Twilio sends, and follows the TwiML as Twilio does (a <Gather>'s action URL, the <Redirect> after a
silent <Gather>, <Hangup>, then the status callback). Calls are the scripts below; against the IVR each
response must also be what the script expects (the call still waits for an answer, the balance is read
out, the call hangs up at the end). An error is any non-2xx answer, TwiML that does not parse, a failed
expectation, a timeout, or an exception the server logged.

The client is one asyncio loop with its own small HTTP/1.1 code (keep-alive where the server allows it;
gunicorn's sync workers close every connection). It only ever talks to 127.0.0.1, and every loop in it
is bounded by a deadline and a count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import platform
import random
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from ivr.twilio.signing import TwilioSignature
from ivr.twilio.simulator import keys_answer, read_twiml, speech_answer

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BENCH_TOKEN = "bench-auth-token-0123456789"  # noqa: S105  # signs requests to the bench's own local server
SECRETS = {
    "TWILIO_AUTH_TOKEN": BENCH_TOKEN,
    "IVR_PIN_PEPPER": "bench-pin-pepper-0123456789abcdef",
    "IVR_SSN_KEY": "bench-ssn-key-0123456789abcdefgh",
    "SECRET_KEY": "bench-secret-key-0123456789abcdef",
}
REDIS_PREFIX = "bench:"
REQUEST_TIMEOUT = 10.0  # seconds for one request; a slower answer counts as an error
MAX_TURNS_PER_PHASE = 2_000_000  # a second bound besides the phase's deadline
MAX_REDIRECTS = 3  # plain <Redirect>s followed in a row before the call counts as looping
# A webhook the server shed under overload (ivr.web.voice.shed_when_overloaded) answers with the outage
# apology and a <Redirect> that carries its retry count; the caller hears it and answers again.
SHED_MARK = b"retry="
MAX_SHED_IN_A_ROW = 3  # as the service's own MAX_OUTAGE_RETRIES: then the call would end
SERVER_START_TIMEOUT = 90.0
SERVER_STOP_TIMEOUT = 45.0
LATENCY_GOAL_MS = 25.0  # every kind of turn's p99 at half the saturated rate (and the capacity's bound)
RATIO_GOAL = 0.8  # the IVR's saturated turns/s over the floor's, same configuration
HALF_RATE = 0.5  # the paced load the latency goal is judged at, a fraction of the saturated rate
SECONDS_PER_TURN = (5.0, 10.0)  # how often one call sends a turn: a prompt is spoken, the caller answers

# ---------------------------------------------------------------------------------------------------
# The calls


@dataclass(frozen=True)
class Step:
    action: str  # dial | press | say | silence
    value: str = ""
    kind: str = "menu"  # how the turn is reported: call_start | menu | sign_in
    expect: str = "gather"  # after this turn the call waits for an answer (gather) or has ended (hangup)
    text: str = ""  # words the answer must contain: values are always spoken, never played from a recording


SCRIPTS: dict[str, tuple[Step, ...]] = {
    "english_payer_keys": (
        Step("dial", kind="call_start"),
        Step("press", "1"),
        Step("press", "{payer}#"),
        Step("press", "1357#", kind="sign_in"),
        Step("press", "1", text="one thousand two hundred thirty-four dollars and fifty-six cents"),
        Step("press", "9", expect="hangup"),
    ),
    "spanish_receiver_speech": (
        Step("dial", kind="call_start"),
        Step("press", "9"),
        Step("say", "S\u00ed"),
        Step("press", "{receiver}#"),
        Step("press", "2468#", kind="sign_in"),
        Step("say", "pagos", text="mil veinticuatro d\u00f3lares con setenta y cinco centavos"),
        Step("press", "9", expect="hangup"),
    ),
    "information_after_silence": (
        Step("dial", kind="call_start"),
        Step("silence"),
        Step("say", "No."),
        Step("press", "2"),
        Step("press", "2"),
        Step("press", "9", expect="hangup"),
    ),
}
MENU_KINDS = ("call_start", "menu", "redirect")
# Each connection signs in to accounts of its own: copies of the demo payer (1000000002) and receiver
# (1000000001), with their PINs, case and payments (``give_callers_accounts``). The sign-in throttle counts
# a PIN check as a failure until the PIN proves right (ivr.adapters.redis.throttle), so a fourth check of
# one participant's PIN while three are in flight waits, as after three wrong PINs: every connection
# signing in to the same two participants would meet that now and then, which no real mix of calls does.
ACCOUNT_MODELS = {"payer": "1000000002", "receiver": "1000000001"}
ACCOUNT_LEADS = {"payer": "2", "receiver": "3"}  # a copy's participant ID: this digit, then the caller's


def caller_accounts(number: int) -> dict[str, str]:
    """The participant IDs caller ``number`` signs in with (``{payer}`` and ``{receiver}`` in SCRIPTS)."""
    return {role: f"{lead}{number:09d}" for role, lead in ACCOUNT_LEADS.items()}


def give_callers_accounts(database_url: str, callers: int) -> None:
    """Copy the demo payer and receiver for callers 0 .. ``callers`` - 1 (PostgreSQL, after seed-demo)."""
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as connection:
        for role, model in ACCOUNT_MODELS.items():
            parameters = {"model": model, "lead": ACCOUNT_LEADS[role], "count": callers}
            connection.execute(
                """INSERT INTO participants (participant_number, pin_hash, pin_is_temporary, pin_changed_at,
                       preferred_language, address_valid)
                   SELECT %(lead)s || lpad(n::text, 9, '0'), pin_hash, pin_is_temporary, pin_changed_at,
                       preferred_language, address_valid
                   FROM participants, generate_series(0, %(count)s - 1) AS n
                   WHERE participant_number = %(model)s""",
                parameters,
            )
            connection.execute(  # the model's one case, the copy in its place; named after the copy
                """INSERT INTO cases (case_number, county, status, office_phone, payer_id, receiver_id,
                       monthly_support, balance)
                   SELECT 'B' || copy.participant_number, c.county, c.status, c.office_phone,
                       CASE WHEN c.payer_id = model.id THEN copy.id ELSE c.payer_id END,
                       CASE WHEN c.receiver_id = model.id THEN copy.id ELSE c.receiver_id END,
                       c.monthly_support, c.balance
                   FROM participants AS model
                   JOIN cases AS c ON model.id IN (c.payer_id, c.receiver_id)
                   JOIN participants AS copy ON copy.participant_number LIKE %(lead)s || '_________'
                   WHERE model.participant_number = %(model)s""",
                parameters,
            )
            connection.execute(
                """INSERT INTO payments (case_id, paid_on, amount)
                   SELECT copied.id, paid.paid_on, paid.amount
                   FROM participants AS model
                   JOIN cases AS original ON model.id IN (original.payer_id, original.receiver_id)
                   JOIN payments AS paid ON paid.case_id = original.id
                   JOIN cases AS copied ON copied.case_number LIKE 'B' || %(lead)s || '_________'
                   WHERE model.participant_number = %(model)s""",
                parameters,
            )


KINDS = (*MENU_KINDS, "sign_in", "status")


def twilio_form(call_sid: str, number: int) -> dict[str, str]:
    """The fields Twilio posts with every voice webhook (a Gather adds its result)."""
    caller = f"+1916555{number % 10000:04d}"
    return {
        "AccountSid": "AC" + "5" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "in-progress",
        "Called": "+18005550100",
        "CalledCity": "",
        "CalledCountry": "US",
        "CalledState": "CA",
        "CalledZip": "",
        "Caller": caller,
        "CallerCity": "SACRAMENTO",
        "CallerCountry": "US",
        "CallerState": "CA",
        "CallerZip": "95814",
        "Direction": "inbound",
        "From": caller,
        "FromCity": "SACRAMENTO",
        "FromCountry": "US",
        "FromState": "CA",
        "FromZip": "95814",
        "To": "+18005550100",
        "ToCity": "",
        "ToCountry": "US",
        "ToState": "CA",
        "ToZip": "",
    }


# ---------------------------------------------------------------------------------------------------
# HTTP/1.1 over asyncio streams: just what a webhook needs, cheap enough not to be the bottleneck


class ServerClosed(ConnectionError):
    """The server closed the connection before answering (an idle keep-alive connection)."""


class Connection:
    MAX_HEADER_LINES = 100

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def post(self, target: str, body: bytes, signature: str) -> tuple[int, bytes]:
        request = (
            f"POST {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n"
            "User-Agent: ivr-bench\r\nAccept: */*\r\n\r\n"
        ).encode("latin-1") + body
        reused = self.writer is not None
        try:
            return await self._exchange(request)
        except (ServerClosed, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
        return await self._exchange(request)  # once more, on a new connection: nothing was answered

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            self.opened += 1
        assert self.reader is not None
        self.writer.write(request)
        return await self._response(self.reader)

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readline()
        if not status_line:
            raise ServerClosed
        version, status_text = status_line.split(None, 2)[:2]
        status = int(status_text)
        length: int | None = None
        chunked = False
        close = version == b"HTTP/1.0"
        for _ in range(self.MAX_HEADER_LINES):
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if status in (204, 304) or status < 200:
            body = b""
        elif chunked:
            body = await self._chunks(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body, close = await reader.read(), True
        if close:
            self.close()
        return status, body

    async def _chunks(self, reader: asyncio.StreamReader) -> bytes:
        parts = []
        for _ in range(100_000):
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        return b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader, self.writer = None, None


# ---------------------------------------------------------------------------------------------------
# One caller: the TwiML player (the ideas of ivr.twilio.simulator.TwilioSimulator, asynchronous)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    completed_calls: int = 0
    connections: int = 0
    started: float = field(default_factory=time.perf_counter)
    # every answer: (seconds into the phase it was due, its latency in ms from then, whether it was shed,
    # the server's time to answer in ms: from sending it)
    timeline: list[tuple[float, float, bool, float]] = field(default_factory=list)
    shed: int = 0

    @property
    def turns(self) -> int:
        return sum(len(values) for values in self.latencies.values())


class ScriptError(Exception):
    """The call did not go as the script says; the message names how."""


class DeadlineReached(Exception):
    """A paced caller's next turn falls after the end of the phase: the call is left there."""


class Caller:
    """Plays calls over one connection; optionally paced by Poisson arrivals at ``rate`` turns/s.

    ``port`` is the server on 127.0.0.1 the calls go to (gunicorn, or a load balancer in front of several),
    ``token`` the auth token it checks signatures with."""

    def __init__(
        self,
        number: int,
        port: int,
        stats: Stats,
        deadline: float,
        check: bool,
        rate: float | None,
        seed: int,
        token: str = BENCH_TOKEN,
    ) -> None:
        self.number = number
        self.accounts = caller_accounts(number)
        self.port = port
        self.base = f"http://{HOST}:{port}"
        self.stats = stats
        self.deadline = deadline
        self.check = check
        self.connection = Connection(port)
        self.signer = TwilioSignature(token)  # twilio's algorithm, one HMAC (tests/web/test_signing.py)
        self.rate = rate
        self.random = random.Random(seed)  # noqa: S311  # arrival times, not secrets
        self.next_send = time.perf_counter() + (self.random.expovariate(rate) if rate else 0.0)
        self.form: dict[str, str] = {}
        self.url = ""
        self.gather: ET.Element | None = None
        self.redirect: str | None = None
        self.ended = False
        self.last_body = b""
        self.finished = False  # a paced caller whose next turn would fall after the deadline

    def out_of_time(self) -> bool:
        return (
            self.finished or time.perf_counter() >= self.deadline or self.stats.turns >= MAX_TURNS_PER_PHASE
        )

    async def run(self, scripts: Sequence[tuple[str, tuple[Step, ...]]], prefix: str) -> None:
        for index in range(MAX_TURNS_PER_PHASE):
            if self.out_of_time():
                break
            name, steps = scripts[(self.number + index) % len(scripts)]
            call_sid = f"CA{prefix}{self.number:03d}{index:08d}"
            try:
                await self.play(call_sid, steps)
            except ScriptError as problem:
                self.stats.errors[f"{name}: {problem}"] += 1
                self.connection.close()
        self.stats.connections += self.connection.opened
        self.connection.close()

    async def play(self, call_sid: str, steps: tuple[Step, ...]) -> None:
        self.form = twilio_form(call_sid, self.number)
        self.gather, self.redirect, self.ended = None, None, False
        self.stats.calls += 1
        problem: ScriptError | None = None
        try:
            for step in steps:
                if self.out_of_time():
                    return  # abandoned at the deadline; the state expires (and the bench removes it)
                await self.turn(step)
                self.expect(step)
            self.stats.completed_calls += 1
        except ScriptError as error:
            problem = error
        except DeadlineReached:
            return
        if not self.out_of_time():  # the call is over, as it went: Twilio posts the status callback
            extra = {
                "CallStatus": "completed",
                "CallDuration": "93",
                "CallbackSource": "call-progress-events",
            }
            try:
                await self.post(f"{self.base}/voice/status", extra, "status", twiml=False)
            except ScriptError as error:
                problem = problem or error
            except DeadlineReached:
                pass
        if problem is not None:
            raise problem

    async def turn(self, step: Step) -> None:
        if step.action == "dial":
            url, extra = f"{self.base}/voice", {"CallStatus": "ringing"}
        else:
            url, extra = self.answer(step)
        body = await self.post(url, extra, step.kind)
        for _ in range(MAX_SHED_IN_A_ROW):
            if SHED_MARK not in body:
                break
            body = await self.post(url, extra, step.kind)  # the apology, the question again, the same answer
        else:
            raise ScriptError(f"{step.kind}: shed {MAX_SHED_IN_A_ROW} times in a row")
        for _ in range(MAX_REDIRECTS):
            if not self.play_twiml(body):
                return
            body = await self.post(
                self.redirect or "", {}, "redirect"
            )  # a plain <Redirect>: followed at once
        raise ScriptError("more than three plain <Redirect>s in a row")

    def answer(self, step: Step) -> tuple[str, dict[str, str]]:
        """What Twilio posts when the caller does ``step`` at the open <Gather>."""
        if self.ended or self.gather is None:
            raise ScriptError(f"{step.action} {step.value!r}: the call is not waiting for an answer")
        action = urljoin(self.url, self.gather.get("action", ""))
        value = step.value.format(**self.accounts)
        form = None
        if step.action == "press":
            form = keys_answer(self.gather, value)
        elif step.action == "say":
            form = speech_answer(self.gather, value, confidence=0.924)
        if form is not None:
            return action, form
        if self.redirect is None:  # silence: Twilio leaves the <Gather> and follows what comes after it
            raise ScriptError("silence, but no <Redirect> after the <Gather>: the call would end")
        return self.redirect, {}

    async def post(self, url: str, extra: dict[str, str], kind: str, twiml: bool = True) -> bytes:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname != HOST or parts.port != self.port:
            raise ScriptError(f"the TwiML points away from the server under test: {url[:80]}")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        form = {**self.form, **extra}
        body = urlencode(form).encode()
        signature = self.signer.compute(url, form)
        started = await self.pace()
        sent = time.perf_counter()  # later than ``started`` when this connection was still busy
        try:
            status, data = await asyncio.wait_for(
                self.connection.post(target, body, signature), REQUEST_TIMEOUT
            )
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as error:
            self.connection.close()  # an answer may still be on its way: the next request needs a new one
            raise ScriptError(f"{kind}: {type(error).__name__}") from None
        answered = time.perf_counter()
        latency = (answered - started) * 1000.0
        shed = SHED_MARK in data
        self.stats.timeline.append((started - self.stats.started, latency, shed, (answered - sent) * 1000.0))
        if shed:
            self.stats.shed += 1
        else:
            self.stats.latencies[kind].append(latency)
        if not 200 <= status < 300:
            raise ScriptError(f"{kind}: HTTP {status}")
        self.url = url
        if twiml and not data:
            raise ScriptError(f"{kind}: empty body where TwiML was due")
        return data

    async def pace(self) -> float:
        """Wait for this turn's send time and return it, the moment its latency counts from. Paced, that
        is the scheduled time: a turn held up behind this connection's previous one counts its wait, as
        it would wait in the server's queue for an independent call (no coordinated omission)."""
        if not self.rate:
            return time.perf_counter()
        if self.next_send >= self.deadline:
            self.finished = True
            raise DeadlineReached
        scheduled = self.next_send
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        self.next_send += self.random.expovariate(self.rate)
        return scheduled

    def play_twiml(self, body: bytes) -> bool:
        """Read the TwiML as Twilio does. True if it ends in a plain <Redirect> to follow at once."""
        try:
            reading = read_twiml(body)
        except ValueError as error:
            raise ScriptError(str(error)) from None
        self.gather = reading.gather
        self.redirect = None if reading.redirect is None else urljoin(self.url, reading.redirect)
        if self.redirect is not None and self.gather is None:
            return True
        self.ended = self.gather is None
        self.last_body = body
        return False

    def expect(self, step: Step) -> None:
        if not self.check:
            return
        if step.expect == "gather" and self.ended:
            raise ScriptError(f"{step.action} {step.value!r}: the call ended early")
        if step.expect == "hangup" and not self.ended:
            raise ScriptError(f"{step.action} {step.value!r}: the call did not end")
        if step.text and step.text.encode() not in self.last_body:
            raise ScriptError(f"{step.action} {step.value!r}: the answer lacks {step.text[:30]!r}")


# ---------------------------------------------------------------------------------------------------
# CPU accounting from /proc: the client, the gunicorn processes, Redis and PostgreSQL, the whole machine

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # fields from the third (state) on


def process_cpu(pid: int) -> float:
    fields = _proc_stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pids_where(test: Any) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if test(int(entry.name)):
                    found.append(int(entry.name))
    return found


def children(parent: int) -> list[int]:
    return pids_where(lambda pid: (_proc_stat(pid) or ["", "0"])[1] == str(parent))


def named(name: str) -> list[int]:
    return pids_where(lambda pid: Path(f"/proc/{pid}/comm").read_text().strip() == name)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS, sum(values[:8]) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class CpuSnapshot:
    groups: dict[str, float]
    machine_busy: float
    machine_total: float

    @classmethod
    def take(cls, server_pid: int | Sequence[int] | None) -> CpuSnapshot:
        """``server_pid``: a gunicorn master, or several (servers behind a load balancer), with their workers."""
        usage = os.times()
        groups = {"client": usage.user + usage.system}
        if server_pid is not None:
            masters = [server_pid] if isinstance(server_pid, int) else list(server_pid)
            groups["server"] = sum(
                process_cpu(pid) for master in masters for pid in [master, *children(master)]
            )
        groups["redis"] = sum(process_cpu(pid) for pid in named("redis-server"))
        groups["postgres"] = sum(process_cpu(pid) for pid in named("postgres"))
        groups["haproxy"] = sum(process_cpu(pid) for pid in named("haproxy"))
        busy, total = machine_cpu()
        return cls(groups, busy, total)

    def since(self, before: CpuSnapshot) -> dict[str, float]:
        used = {name: max(0.0, value - before.groups.get(name, 0.0)) for name, value in self.groups.items()}
        used["machine"] = self.machine_busy - before.machine_busy
        used["others"] = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
        used["capacity"] = self.machine_total - before.machine_total
        return used


# ---------------------------------------------------------------------------------------------------
# One measured phase


@dataclass
class Phase:
    target: str  # ivr | floor | ceiling | null
    config: str
    mode: str  # saturation | paced
    offered: float | None  # turns/s offered when paced
    seconds: float
    turns: int
    calls: int
    completed_calls: int
    connections: int
    errors: dict[str, int]
    latency: dict[str, dict[str, float]]  # kind group -> p50/p95/p99/max in ms
    cpu_ms_per_turn: dict[str, float]
    cpu_share: dict[str, float]  # share of the machine's CPU time, 0..1
    server_exceptions: int = 0
    worker_rss_mib: list[float] = field(default_factory=list)  # after the phase, per gunicorn worker
    shed: int = 0  # answers the server shed (the outage apology at once) instead of queueing them
    # per second of the phase: answers sent, answers shed, p99 and slowest latency (ms) of all answers
    timeline: list[dict[str, float]] = field(default_factory=list)
    # established connections per gunicorn worker process, sampled during the phase: {"second": s into
    # the phase, "workers": {pid: connections}}
    split: list[dict[str, Any]] = field(default_factory=list)
    released_at: float | None = None  # --uneven: when the stopped workers went on, seconds into the phase

    @property
    def rate(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + self.server_exceptions


def seconds_of(timeline: list[tuple[float, float, bool, float]]) -> list[dict[str, float]]:
    """The answers of a phase, second by second (by when each was due)."""
    seconds: dict[int, list[tuple[float, bool, float]]] = {}
    for due, latency, was_shed, answering in timeline:
        seconds.setdefault(int(due), []).append((latency, was_shed, answering))
    rows = []
    for second in sorted(seconds):
        answers = seconds[second]
        latencies = percentiles([latency for latency, _, _ in answers])
        server = percentiles([answering for _, _, answering in answers])
        shed = sum(1 for _, was_shed, _ in answers if was_shed)
        rows.append(
            {
                "second": second,
                "answers": len(answers),
                "shed": shed,
                "p99": latencies["p99"],
                "max": latencies["max"],
                "server_p99": server["p99"],
                "server_max": server["max"],
            }
        )
    return rows


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]  # nearest rank

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": ordered[-1]}


async def _drive(
    port: int,
    concurrency: int,
    seconds: float,
    check: bool,
    rate: float | None,
    prefix: str,
    seed: int,
    token: str = BENCH_TOKEN,
) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.perf_counter() + seconds
    scripts = list(SCRIPTS.items())
    per_caller = rate / concurrency if rate else None
    callers = [
        Caller(i, port, stats, deadline, check, per_caller, seed * 1000 + i, token)
        for i in range(concurrency)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(caller.run(scripts, prefix) for caller in callers))
    return stats, time.perf_counter() - started


def wait_for_quiet(args: argparse.Namespace) -> float:
    """Wait (bounded) until the rest of the machine is nearly idle; return the busy share last seen.

    Other work on a 2-core machine (a test run, a build) takes CPU from the server and the client alike and
    makes numbers worthless; every phase also reports the share others took while it ran.
    """
    deadline = time.monotonic() + args.quiet_wait
    share = 1.0
    while True:
        busy, total = machine_cpu()
        time.sleep(0.5)
        busy_after, total_after = machine_cpu()
        share = (busy_after - busy) / max(total_after - total, 1e-9)
        if share <= args.quiet_share or time.monotonic() >= deadline:
            return share
        say(f"  waiting for a quiet machine: {share:.0%} busy")


def run_phase(
    target: str,
    config: str,
    port: int,
    server_pid: int | Sequence[int] | None,
    args: argparse.Namespace,
    seconds: float,
    rate: float | None = None,
    log_path: Path | Sequence[Path] | None = None,
    token: str = BENCH_TOKEN,
    sampler: SplitSampler | None = None,
) -> Phase:
    """One phase against the server on 127.0.0.1:``port`` (one gunicorn, or HAProxy in front of several:
    ``server_pid`` and ``log_path`` may then name each server's master and log)."""
    prefix = f"{int(time.time() * 1000) % 10**9:09d}"
    if seconds >= args.seconds:  # a measurement, not a warm-up
        wait_for_quiet(args)
    exceptions_before = count_exceptions(log_path)
    if sampler is None and rate is None and isinstance(server_pid, int) and target != "null":
        sampler = SplitSampler(port, server_pid, [seconds * share for share in SPLIT_SAMPLES])
    before = CpuSnapshot.take(server_pid)
    with sampler or contextlib.nullcontext():
        stats, elapsed = asyncio.run(
            _drive(port, args.concurrency, seconds, target == "ivr", rate, prefix, args.seed, token)
        )
    used = CpuSnapshot.take(server_pid).since(before)
    turns = stats.turns
    groups = {
        "all": [v for values in stats.latencies.values() for v in values],
        "menu": [v for kind in MENU_KINDS for v in stats.latencies[kind]],
        "sign_in": stats.latencies["sign_in"],
        "status": stats.latencies["status"],
    }
    return Phase(
        target=target,
        config=config,
        mode="paced" if rate else "saturation",
        offered=rate,
        seconds=elapsed,
        turns=turns,
        calls=stats.calls,
        completed_calls=stats.completed_calls,
        connections=stats.connections,
        errors=dict(stats.errors),
        latency={name: percentiles(values) for name, values in groups.items()},
        cpu_ms_per_turn={k: v * 1000 / turns for k, v in used.items() if turns and k != "capacity"},
        cpu_share={k: v / used["capacity"] for k, v in used.items() if used["capacity"] and k != "capacity"},
        server_exceptions=count_exceptions(log_path) - exceptions_before,
        shed=stats.shed,
        timeline=seconds_of(stats.timeline),
        split=sampler.samples if sampler else [],
        released_at=getattr(sampler, "released_at", None),
    )


SPLIT_SAMPLES = (0.25, 0.5, 0.75)  # when a saturation run samples the split, as shares of its length


def worker_split(port: int, server_pid: int) -> dict[int, int]:
    """Established connections on the server's port, by the gunicorn worker process holding them (ss)."""
    shown = subprocess.run(  # noqa: S603  # iproute2's ss, fixed arguments
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    ).stdout
    held = Counter(int(pid) for pid in re.findall(r"pid=(\d+)", shown))
    return {pid: held[pid] for pid in sorted(children(server_pid))} or dict(held)


def split_text(sample: dict[str, Any]) -> str:
    """A sample as ``17:15``: the connections of each worker, most first."""
    return ":".join(str(n) for n in sorted(sample["workers"].values(), reverse=True)) or "-"


class SplitSampler:
    """Samples the split at given seconds into a phase, on a thread beside the phase's asyncio loop."""

    def __init__(self, port: int, server_pid: int, at: Sequence[float]) -> None:
        self.port, self.server_pid, self.at = port, server_pid, sorted(at)
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = 0.0

    def __enter__(self) -> SplitSampler:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        for second in self.at:
            if self._stop.wait(max(0.0, self.started + second - time.perf_counter())):
                return
            self.event(second)

    def event(self, second: float) -> None:
        self.sample(second)

    def sample(self, second: float) -> None:
        self.samples.append({"second": second, "workers": worker_split(self.port, self.server_pid)})


UNEVEN_HOLD = 3.0  # seconds the other workers stay stopped while the connections land (more than
# ivr.web.worker_balance.STALE_SECONDS, so every connection lands on the one that runs)
UNEVEN_SAMPLES = (1.0, 3.0, 10.0)  # seconds after the others went on


class UnevenLanding(SplitSampler):
    """Stops every worker but one before the phase's connections open, lets them go on after
    UNEVEN_HOLD seconds, and samples the split then and UNEVEN_SAMPLES seconds later."""

    def __init__(self, port: int, server_pid: int) -> None:
        super().__init__(port, server_pid, [UNEVEN_HOLD] + [UNEVEN_HOLD + s for s in UNEVEN_SAMPLES])
        self.stopped = sorted(children(server_pid))[1:]
        self.released_at: float | None = None

    def __enter__(self) -> SplitSampler:
        for pid in self.stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self.release()

    def release(self) -> None:
        for pid in self.stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def event(self, second: float) -> None:
        if self.released_at is None:
            self.sample(second)  # every connection on the one that ran
            self.release()
            self.released_at = second
        else:
            self.sample(second)


def count_exceptions(log_path: Path | Sequence[Path] | None) -> int:
    """Tracebacks the servers logged (a voice view answers a failure with an apology, and logs it)."""
    paths = [] if log_path is None else [log_path] if isinstance(log_path, Path) else list(log_path)
    return sum(
        path.read_bytes().count(b"Traceback (most recent call last)") for path in paths if path.exists()
    )


# ---------------------------------------------------------------------------------------------------
# Servers


@functools.cache
def shipped_settings() -> dict[str, Any]:
    """gunicorn.conf.py's settings, read once."""
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@dataclass(frozen=True)
class ServerConfig:
    workers: int
    worker_class: str  # sync | gthread | gevent (gevent installed)
    threads: int = 1

    @property
    def name(self) -> str:
        if not self.workers:
            chosen = shipped_settings()
            return f"gunicorn.conf.py: {chosen['workers']} {chosen['worker_class']} x {chosen['threads']} threads"
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"{self.workers} {self.worker_class}{threads}"

    @property
    def processes(self) -> int:
        return self.workers or int(shipped_settings()["workers"])

    @property
    def tag(self) -> str:
        return f"{self.workers}-{self.worker_class}-{self.threads}" if self.workers else "production"

    def flags(self) -> list[str]:
        if not self.workers:
            return []
        return [
            "--workers",
            str(self.workers),
            "--worker-class",
            # gthread as the service runs it: marking each request's wait, so overload is shed
            "ivr.web.gunicorn_worker.QueueTimedWorker"
            if self.worker_class == "gthread"
            else self.worker_class,
            "--threads",
            str(self.threads),
        ]


@dataclass
class Server:
    pid: int
    port: int
    log_path: Path
    workers: list[int] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def http_get_ok(port: int, path: str) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=2) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextlib.contextmanager
def gunicorn(app: str, config: ServerConfig, env: dict[str, str], log_path: Path) -> Iterator[Server]:
    """Serve ``app`` with gunicorn.conf.py and this configuration's worker settings; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
        *config.flags(),
        "--max-requests",
        "0",  # no worker restarts inside a measurement
        app,
    ]
    with log_path.open("ab") as log:
        server = subprocess.Popen(  # noqa: S603  # this project's own server, fixed arguments
            command,
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches the bench, which stops the server in order
        )
    try:
        workers = wait_until_ready(server, port, config.processes, log_path)
        yield Server(server.pid, port, log_path, workers)
    finally:
        stop(server)


def wait_until_ready(server: subprocess.Popen[bytes], port: int, workers: int, log_path: Path) -> list[int]:
    """Until /healthz answers and every worker has loaded the app (gunicorn.conf.py logs "worker ready")."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    start = log_path.stat().st_size
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log_path}")
        ready = log_path.read_bytes()[start:].count(b"worker ready")
        if ready >= workers and http_get_ok(port, "/healthz"):
            return children(server.pid)
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn was not ready within {SERVER_START_TIMEOUT:.0f} s; see {log_path}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: workers finish what they hold
        try:
            server.wait(SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


@contextlib.contextmanager
def null_server(log_path: Path) -> Iterator[Server]:
    port = free_port()
    with log_path.open("ab") as log:
        server = subprocess.Popen(  # noqa: S603  # this project's own bench server, fixed arguments
            [sys.executable, str(ROOT / "bench" / "null_server.py"), str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
                break
            time.sleep(0.1)
        yield Server(server.pid, port, log_path)
    finally:
        stop(server)


# ---------------------------------------------------------------------------------------------------
# The bench's own database and Redis keys


def require_loopback(url: str) -> None:
    if urlsplit(url).hostname not in (HOST, "localhost"):
        raise SystemExit(f"the bench only talks to this machine: {url} is not on 127.0.0.1")


@contextlib.contextmanager
def bench_environment(args: argparse.Namespace, workdir: Path, callers: int = 1) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database with the demo data and ``callers`` copies of its payer and receiver
    (``give_callers_accounts``), and a Redis prefix; both removed at the end."""
    import psycopg
    import redis
    from psycopg import sql

    require_loopback(args.postgres)
    require_loopback(args.redis)
    admin_url = f"{args.postgres.rstrip('/')}/postgres"
    database = sql.Identifier(args.database)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(database))
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PUBLIC_BASE_URL", "IVR_FIXED_TIME", "IVR_ENV", "PORT")
    }
    env.update(
        SECRETS,
        DATABASE_URL=f"{args.postgres.rstrip('/')}/{args.database}",
        REDIS_URL=args.redis,
        IVR_REDIS_PREFIX=REDIS_PREFIX,
        IVR_INSTANCE=str(workdir / "instance"),
        IVR_FLOW=str(ROOT),
        IVR_WATCH_FLOW="0",  # no flow file watcher thread in the measurement, if the service has one
        IVR_ENV="production",  # every secret given, the real clock
    )
    try:
        ivr = Path(sys.executable).with_name("ivr")
        command = [str(ivr)] if ivr.exists() else [sys.executable, "-m", "ivr"]
        subprocess.run([*command, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603  # this project's own command
        give_callers_accounts(env["DATABASE_URL"], callers)
        yield env
    finally:
        try:
            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
            client.close()
        finally:  # the database goes even when Redis cannot be cleaned
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))


def machine_description(args: argparse.Namespace) -> dict[str, str]:
    import gunicorn as gunicorn_package  # type: ignore[import-untyped]  # gunicorn ships no type hints
    import psycopg
    import redis

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres") as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    client = redis.Redis.from_url(args.redis)
    redis_version = str(client.info("server")["redis_version"])
    client.close()
    return {
        "cpu": f"{os.cpu_count()} x {model}",
        "memory": f"{int(memory) / 1024 / 1024:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "gunicorn": gunicorn_package.__version__,
        "postgresql": postgres,
        "redis": redis_version,
    }


# ---------------------------------------------------------------------------------------------------
# The plan, the run, the report

PRODUCTION = ServerConfig(0, "as gunicorn.conf.py says")  # no worker flags: the file's own settings
FULL_CONFIGS = (
    ServerConfig(1, "sync"),
    ServerConfig(2, "sync"),
    ServerConfig(4, "sync"),
    ServerConfig(1, "gthread", 4),
    ServerConfig(2, "gthread", 4),
    ServerConfig(4, "gthread", 4),
    ServerConfig(2, "gthread", 8),
)
PACED_FRACTIONS = (0.1, 0.25, 0.5, 0.75)
NULL_PACED_RATE = 1000.0  # turns/s: the client's own latency at a load like the IVR's


def parse_config(text: str) -> ServerConfig:
    """``2:gthread:4`` or ``4:sync``."""
    workers, worker_class, *threads = text.split(":")
    return ServerConfig(int(workers), worker_class, int(threads[0]) if threads else 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    configs = (
        [parse_config(c) for c in args.config]
        if args.config
        else list([PRODUCTION] if args.quick else FULL_CONFIGS)
    )
    workdir = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    phases: list[Phase] = []
    results: dict[str, Any] = {"machine": machine_description(args), "concurrency": args.concurrency}
    results["plan"] = {"warmup": args.warmup, "seconds": args.seconds, "configs": [c.name for c in configs]}
    try:
        with bench_environment(args, workdir, max(args.concurrency, 1)) as env:
            say(f"bench database {args.database} ready; logs in {workdir}")
            with null_server(workdir / "null.log") as server:
                run_phase("null", "asyncio null server", server.port, server.pid, args, 1.0)
                for rate in (None, NULL_PACED_RATE):
                    phases.append(
                        run_phase(
                            "null", "asyncio null server", server.port, server.pid, args, args.seconds, rate
                        )
                    )
                    say(summary_line(phases[-1]))
            for config in configs:
                phases.extend(measure_config(config, env, args, workdir))
    finally:
        if not args.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
    results["phases"] = [{**asdict(p), "rate": p.rate} for p in phases]
    print_report(results, phases, args)
    return results


def measure_config(
    config: ServerConfig, env: dict[str, str], args: argparse.Namespace, workdir: Path
) -> list[Phase]:
    tag = config.tag
    phases: list[Phase] = []
    for reference in ("ceiling", "floor"):
        log_path = workdir / f"{reference}-{tag}.log"
        with gunicorn(f"bench.{reference}:app", config, env, log_path) as server:
            run_phase(reference, config.name, server.port, server.pid, args, args.warmup)
            phases.append(
                best_of(
                    args.repeat,
                    functools.partial(
                        run_phase,
                        reference,
                        config.name,
                        server.port,
                        server.pid,
                        args,
                        args.seconds,
                        None,
                        log_path,
                    ),
                    phases[0] if phases else None,
                )
            )
    ceiling = phases[0]
    log_path = workdir / f"ivr-{tag}.log"
    with gunicorn("app:app", config, env, log_path) as server:
        run_phase("ivr", config.name, server.port, server.pid, args, args.warmup, log_path=log_path)
        saturated = best_of(
            args.repeat,
            lambda: run_phase(
                "ivr", config.name, server.port, server.pid, args, args.seconds, None, log_path
            ),
            ceiling,
        )
        saturated.worker_rss_mib = [round(rss_mib(pid), 1) for pid in children(server.pid)]
        phases.append(saturated)
        rates = [saturated.rate * fraction for fraction in args.paced] + list(args.rate)
        for rate in rates:
            paced = run_phase("ivr", config.name, server.port, server.pid, args, args.seconds, rate, log_path)
            phases.append(paced)
            say(summary_line(paced))
            if rate > saturated.rate or paced.shed:  # overload: how the service held up, second by second
                say(timeline_table(paced))
        if args.uneven and len(children(server.pid)) > 1:
            uneven = run_phase(
                "ivr",
                config.name,
                server.port,
                server.pid,
                args,
                UNEVEN_HOLD + max(args.seconds, UNEVEN_SAMPLES[-1] + 1),
                None,
                log_path,
                sampler=UnevenLanding(server.port, server.pid),
            )
            uneven.mode = "uneven"
            phases.append(uneven)
            say(uneven_line(uneven, saturated))
    return phases


def best_of(count: int, measure: Callable[[], Phase], ceiling: Phase | None = None) -> Phase:
    """The fastest of ``count`` runs (others' work on the machine only ever slows a run down).

    Errors are never dropped with the slower runs: the kept phase reports those of all runs.
    """
    runs = []
    for _ in range(max(1, count)):
        runs.append(measure())
        say(summary_line(runs[-1], ceiling))
    best = max(runs, key=lambda phase: phase.rate)
    errors: Counter[str] = Counter()
    for phase in runs:
        errors.update(phase.errors)
    best.errors = dict(errors)
    best.server_exceptions = sum(phase.server_exceptions for phase in runs)
    return best


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def summary_line(phase: Phase, ceiling: Phase | None = None) -> str:
    lat = phase.latency["all"]
    ratio = f", {phase.rate / ceiling.rate:.2f} of the ceiling" if ceiling and ceiling.rate else ""
    offered = f" (offered {phase.offered:.0f}/s)" if phase.offered else ""
    return (
        f"  {phase.target:8} {phase.config:22} {phase.mode:10}{offered}: {phase.rate:7.0f} turns/s{ratio}; "
        f"p50 {lat['p50']:.1f} p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} ms; errors {phase.error_count}"
        + (f"; shed {phase.shed}" if phase.shed else "")
        + (f"; split {splits(phase)}" if phase.split else "")
    )


def splits(phase: Phase) -> str:
    return " ".join(split_text(sample) for sample in phase.split) or "-"


def rate_between(phase: Phase, start: float, end: float) -> float:
    """Answers a second in the phase's whole seconds from ``start`` to ``end`` (by when each was due)."""
    rows = [row for row in phase.timeline if start <= row["second"] < min(end, int(phase.seconds))]
    return sum(row["answers"] for row in rows) / len(rows) if rows else float("nan")


def uneven_columns(phase: Phase) -> dict[str, str]:
    released = phase.released_at or UNEVEN_HOLD
    split_at = {sample["second"] - released: split_text(sample) for sample in phase.split}
    return {
        "first second": f"{rate_between(phase, released, released + 1):.0f}",
        "seconds 1 to 3": f"{rate_between(phase, released + 1, released + 3):.0f}",
        "after 3 s": f"{rate_between(phase, released + 3, phase.seconds):.0f}",
        "split": " / ".join(split_at.get(at, "-") for at in (0.0, *UNEVEN_SAMPLES)),
        "new connections": str(max(0, phase.connections)),
    }


def uneven_line(phase: Phase, saturated: Phase) -> str:
    c = uneven_columns(phase)
    return (
        f"  uneven   {phase.config:22} all on one, then: {c['first second']} turns/s in the first second, "
        f"{c['seconds 1 to 3']} in seconds 1 to 3, {c['after 3 s']} after (even: {saturated.rate:.0f}); "
        f"split at release / +1 / +3 / +10 s: {c['split']}; connections opened {c['new connections']}; "
        f"errors {phase.error_count}"
    )


def timeline_table(phase: Phase) -> str:
    """Second by second: what was due, what was shed, how long the answers took from when they were due
    (a connection still busy with its last turn sends late) and from when they were sent (the server)."""
    lines = [
        "| second | answers | shed | p99 ms | slowest ms | server p99 ms | server slowest ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in phase.timeline:
        lines.append(
            f"| {row['second']:.0f} | {row['answers']:.0f} | {row['shed']:.0f} | {ms(row['p99'])} | "
            f"{ms(row['max'])} | {ms(row['server_p99'])} | {ms(row['server_max'])} |"
        )
    return "\n".join(lines)


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"  # NaN: no such turn in the phase


def rate(phase: Phase | None) -> str:
    return f"{phase.rate:.0f}" if phase else "-"


def ratio(phase: Phase | None, reference: Phase | None) -> str:
    return f"{phase.rate / reference.rate:.2f}" if phase and reference and reference.rate else "-"


def server_cpu(phase: Phase | None) -> str:
    return f"{phase.cpu_ms_per_turn.get('server', 0):.2f}" if phase else "-"


def print_report(results: dict[str, Any], phases: list[Phase], args: argparse.Namespace) -> None:
    out = []
    machine = results["machine"]
    out.append("### Machine\n")
    out.append(" | ".join(f"{k}: {v}" for k, v in machine.items()))
    out.append(
        f"\n{args.concurrency} concurrent connections, {args.warmup:.0f} s warm-up, {args.seconds:.0f} s per measurement.\n"
    )
    null = [p for p in phases if p.target == "null"]
    if null:
        out.append("### The load generator alone (against a server that does nothing)\n")
        out.append("| load | turns/s | p50 ms | p99 ms | client CPU per turn | client share of the machine |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for p in null:
            load = "saturation" if p.mode == "saturation" else f"{p.offered:.0f}/s offered"
            out.append(
                f"| {load} | {p.rate:.0f} | {ms(p.latency['all']['p50'])} | {ms(p.latency['all']['p99'])} | "
                f"{p.cpu_ms_per_turn.get('client', 0) * 1000:.0f} us | {p.cpu_share.get('client', 0):.0%} |"
            )
        out.append("")
    out.append("### Saturation: every connection sends its next turn as soon as the last is answered\n")
    out.append(
        "| gunicorn | ceiling turns/s | floor turns/s | IVR turns/s | ratio to ceiling | floor to ceiling | "
        "IVR to floor | p50 ms | p95 ms | p99 ms | sign-in p50 / p99 ms | errors (floor + IVR) | "
        "gunicorn CPU ms/turn (ceiling; floor; IVR) | IVR PostgreSQL + Redis CPU ms/turn | client share | "
        "IVR connections per worker (sampled) |"
    )
    out.append("| --- |" + " ---: |" * 15)
    ceilings = {p.config: p for p in phases if p.target == "ceiling"}
    floors = {p.config: p for p in phases if p.target == "floor"}
    for p in phases:
        if p.target != "ivr" or p.mode != "saturation":
            continue
        c, f = ceilings.get(p.config), floors.get(p.config)
        lat, sign_in, cpu = p.latency["all"], p.latency["sign_in"], p.cpu_ms_per_turn
        out.append(
            f"| {p.config} | {rate(c)} | {rate(f)} | {p.rate:.0f} | {ratio(p, c)} | {ratio(f, c)} | {ratio(p, f)} | "
            f"{ms(lat['p50'])} | {ms(lat['p95'])} | {ms(lat['p99'])} | {ms(sign_in['p50'])} / {ms(sign_in['p99'])} | "
            f"{p.error_count + (f.error_count if f else 0)} | {server_cpu(c)}; {server_cpu(f)}; {server_cpu(p)} | "
            f"{cpu.get('postgres', 0):.2f} + {cpu.get('redis', 0):.2f} | {p.cpu_share.get('client', 0):.0%} | "
            f"{splits(p)} |"
        )
    out.append(
        "\n### Latency by kind of turn, and at a paced load (Poisson arrivals over the same connections)\n"
    )
    out.append(
        "| gunicorn | load | turns/s | menu p50 / p95 / p99 ms | sign-in p50 / p95 / p99 ms | "
        "status p99 ms | all p99 ms | errors | others' CPU share |"
    )
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in phases:
        if p.target != "ivr" or p.mode == "uneven":
            continue
        menu, sign_in = p.latency["menu"], p.latency["sign_in"]
        load = "saturation" if p.mode == "saturation" else f"{p.offered:.0f}/s offered"
        out.append(
            f"| {p.config} | {load} | {p.rate:.0f} | {ms(menu['p50'])} / {ms(menu['p95'])} / {ms(menu['p99'])} | "
            f"{ms(sign_in['p50'])} / {ms(sign_in['p95'])} / {ms(sign_in['p99'])} | {ms(p.latency['status']['p99'])} | "
            f"{ms(p.latency['all']['p99'])} | {p.error_count} | {p.cpu_share.get('others', 0):.0%} |"
        )
    uneven = [p for p in phases if p.mode == "uneven"]
    if uneven:
        out.append(
            f"\n### Uneven landing: every connection on one worker, the others stopped for {UNEVEN_HOLD:.0f} s\n"
        )
        out.append(
            "| gunicorn | even saturation turns/s | turns/s, first second after | seconds 1 to 3 | after 3 s | "
            "split at release / +1 / +3 / +10 s | connections opened | errors |"
        )
        out.append("| --- |" + " ---: |" * 7)
        saturated = {p.config: p for p in phases if p.target == "ivr" and p.mode == "saturation"}
        for p in uneven:
            cols = uneven_columns(p)
            out.append(
                f"| {p.config} | {rate(saturated.get(p.config))} | {cols['first second']} | {cols['seconds 1 to 3']} | "
                f"{cols['after 3 s']} | {cols['split']} | {cols['new connections']} | {p.error_count} |"
            )
    errors: Counter[str] = Counter()
    for p in phases:
        errors.update(p.errors)
        if p.server_exceptions:
            errors[f"{p.target} {p.config}: server logged exceptions"] += p.server_exceptions
    out.append("\n### Errors\n")
    out.append("\n".join(f"- {count} x {what}" for what, count in errors.most_common(20)) or "none")
    out.extend(capacity_lines(phases, floors))
    print("\n".join(out))


def capacity_lines(phases: list[Phase], floors: dict[str, Phase]) -> list[str]:
    """The goals, where each configuration stands, and what the fastest load that meets the latency goal
    means in calls on the line."""
    out = ["\n### Goals and capacity\n"]
    out.append(
        f"Goals: the IVR at least {RATIO_GOAL:.0%} of the floor's turns/s at saturation, with no errors; at "
        f"{HALF_RATE:.0%} of the saturated rate (paced), every kind of turn's p99 under {LATENCY_GOAL_MS:.0f} ms. "
        f"A call sends one turn every {SECONDS_PER_TURN[0]:.0f} to {SECONDS_PER_TURN[1]:.0f} s (prompts are "
        "spoken, callers answer), so a sustained R turns/s serves R x that many calls at once.\n"
    )
    out.append(
        "| gunicorn | IVR to floor | ratio goal | half the saturated rate: turns/s, every turn / menu / sign-in "
        "p99 ms | latency goal | fastest load with p99 < goal (all turns) | concurrent calls |"
    )
    out.append("| --- | ---: | --- | ---: | --- | ---: | ---: |")

    def fastest(candidates: list[Phase]) -> str:
        good = [p for p in candidates if p.latency["all"]["p99"] < LATENCY_GOAL_MS and not p.error_count]
        best = max(good, key=lambda p: p.rate, default=None)
        if best is None:
            return "none measured | -"
        low, high = best.rate * SECONDS_PER_TURN[0], best.rate * SECONDS_PER_TURN[1]
        return (
            f"{best.rate:.0f} turns/s (p99 {best.latency['all']['p99']:.1f} ms) | {low:,.0f} to {high:,.0f}"
        )

    for saturated in (p for p in phases if p.target == "ivr" and p.mode == "saturation"):
        floor = floors.get(saturated.config)
        share = saturated.rate / floor.rate if floor and floor.rate else 0.0
        errors = saturated.error_count + (floor.error_count if floor else 0)
        ratio_met = share >= RATIO_GOAL and not errors
        paced = [
            p for p in phases if p.target == "ivr" and p.mode == "paced" and p.config == saturated.config
        ]
        due = saturated.rate * HALF_RATE
        half = min(paced, key=lambda p: abs((p.offered or 0.0) - due), default=None)
        if half is None or abs((half.offered or 0.0) - due) > 0.05 * due:
            at_half, latency_met = "not measured", "-"
        else:
            kinds = [half.latency[group]["p99"] for group in ("all", "menu", "sign_in")]
            at_half = f"{half.rate:.0f}: " + " / ".join(ms(p99) for p99 in kinds)
            met = max(kinds) < LATENCY_GOAL_MS and not half.error_count
            latency_met = "met" if met else "missed"
        out.append(
            f"| {saturated.config} | {share:.2f} | {'met' if ratio_met else 'missed'} | {at_half} | "
            f"{latency_met} | {fastest(paced)} |"
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="the production configuration only, short phases"
    )
    parser.add_argument(
        "--config", action="append", help="WORKERS:CLASS[:THREADS], e.g. 2:gthread:4 (repeatable)"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections, each one call at a time")
    parser.add_argument("--seconds", type=float, help="length of each measurement (default 10, quick 5)")
    parser.add_argument(
        "--warmup", type=float, help="warm-up before each server's first measurement (default 3, quick 2)"
    )
    parser.add_argument(
        "--paced",
        type=float,
        nargs="*",
        default=list(PACED_FRACTIONS),
        help="fractions of the saturated rate to run paced",
    )
    parser.add_argument(
        "--rate",
        type=float,
        nargs="*",
        default=[],
        help="turns/s to offer paced, besides the fractions (an overload run: twice a saturated rate "
        "measured before, with --concurrency high enough that no connection is busy when its turn is due)",
    )
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server (loopback)"
    )
    parser.add_argument(
        "--database", default="ivr_bench", help="database created for the bench and dropped after"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="Redis database (loopback)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="saturation runs per server; the fastest is kept"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the paced arrival times")
    parser.add_argument(
        "--quiet-share", type=float, default=0.1, help="machine busy share to wait for before a phase"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=120.0, help="longest wait for a quiet machine, seconds"
    )
    parser.add_argument(
        "--uneven",
        action="store_true",
        help="also land every connection on one worker process (the others stopped for a few seconds) "
        "and measure the saturated rate and the split from there",
    )
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))  # clean up as on Ctrl-C
    args.seconds = args.seconds or (5.0 if args.quick else 10.0)
    args.warmup = args.warmup or (2.0 if args.quick else 3.0)
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
