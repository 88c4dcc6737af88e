"""Where a turn's time goes: the benchmark's scripted calls through one in-process app, under cProfile.

Run from the repository root: .venv/bin/python bench/profile_turns.py [--rounds 100]

It sets up the same PostgreSQL database and Redis prefix as bench/load.py (and removes them after),
builds the app in this process exactly as a gunicorn worker does, and plays the calls with the project's
own Twilio simulator (ivr.twilio.simulator.TwilioSimulator) over Flask's test client, so no HTTP server or
socket between caller and app is measured. Times and the profile cover the app's work only, from the test
client's request to its answer: not the simulator signing the request or reading the TwiML. Every function's own time is put in one bucket by the module
it lives in; the buckets add up to the whole. cProfile slows Python code more than C code (argon2,
JSON, the sockets), so pure-Python buckets read somewhat high; the ranking is what to take from it.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import logging
import os
import pstats
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from load import BENCH_TOKEN, SCRIPTS, Step, bench_environment, caller_accounts

ACCOUNTS = caller_accounts(0)  # one caller, one turn at a time: the first caller's accounts

# (bucket, what to look for in "file:function"), first match wins
BUCKETS = (
    (
        "test client (not in production)",
        ("werkzeug/test.py", "flask/testing.py", "console_phone.py", "profile_turns.py"),
    ),
    ("argon2 (the PIN check)", ("argon2",)),
    (
        "socket waits (Redis and PostgreSQL round trips)",
        (
            "'recv_into'",
            "'recv'",
            "'sendall'",
            "'send'",
            "select.poll",
            "'poll'",
            "select.select",
            "psycopg/connection.py:wait",
            "psycopg/waiting.py",
            "_psycopg.",
        ),
    ),
    ("SQL: SQLAlchemy and psycopg", ("sqlalchemy", "psycopg")),
    ("Redis client", ("redis/",)),
    (
        "TwiML building (twilio, ElementTree)",
        ("twilio/twiml", "xml/etree", "ElementTree", "channels/voice.py"),
    ),
    ("signature check", ("request_validator", "signing.py", "hmac", "_hashlib", "hashlib", "base64")),
    ("spoken words (num2words, Babel)", ("num2words", "babel", "channels/spoken.py", "channels/prompts.py")),
    ("dialog engine", ("ivr/engine/", "speech_text.py")),
    ("Flask and Werkzeug", ("flask/", "werkzeug/", "jinja2", "markupsafe", "itsdangerous", "blinker")),
    ("logging: a JSON line a turn, redacted", ("logging/", "log_config.py")),
    ("JSON (call state, log lines)", ("json/", "_json")),
    ("rest of the IVR (handlers, conversation, store)", ("/ivr/",)),
)


def bucket_of(filename: str, function: str) -> str:
    where = f"{filename}:{function}"
    for name, needles in BUCKETS:
        if any(needle in where for needle in needles):
            return name
    return "other (stdlib, imports, dataclasses)"


@dataclass
class InApp:
    """Time and profile inside the app only: from the moment the test client hands it a request until it
    answers, not while the simulated Twilio signs the request or reads the TwiML."""

    profiler: cProfile.Profile = field(default_factory=cProfile.Profile)
    profiling: bool = False  # profile the requests of the turn being played
    seconds: float = 0.0  # time inside the app since the last reset


def play(
    phone_factory: object,
    steps: tuple[Step, ...],
    in_app: InApp,
    timings: dict[str, list[float]] | None = None,
    profile: bool = False,
    only: str | None = None,
    statements: tuple[Counter[str], Counter[str]] | None = None,
) -> None:
    """``statements``: (every SQL statement counted so far, the ones of profiled turns, to add to)."""
    phone = phone_factory()  # type: ignore[operator]
    for step in (*steps, Step("hang_up", kind="status")):
        watched = profile and only in (None, step.kind)
        before = statements[0].copy() if watched and statements else None
        in_app.profiling, in_app.seconds = watched, 0.0
        if step.action == "dial":
            phone.dial()
        elif step.action == "press":
            phone.press(step.value.format(**ACCOUNTS))
        elif step.action == "say":
            phone.say(step.value.format(**ACCOUNTS))
        elif step.action == "silence":
            phone.silence()
        else:
            phone.hang_up()
        in_app.profiling = False
        if statements and before is not None:
            statements[1].update(statements[0] - before)
        if timings is not None:
            timings.setdefault(step.kind, []).append(in_app.seconds * 1000)


def log_as_served(path: Path) -> None:
    """As app.py does under gunicorn: JSON lines at INFO through the redaction filter (here into a file)."""
    try:
        from ivr.service.log_config import configure_logging
    except ImportError:  # a version of the app without it logs nothing at INFO
        return
    configure_logging(as_json=True)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(path.open("a", encoding="utf-8"))


def print_timings(timings: dict[str, list[float]]) -> None:
    print("| turn (no profiler, one at a time, in the app) | median ms | p90 ms |")
    print("| --- | ---: | ---: |")
    for kind, values in timings.items():
        ordered = sorted(values)
        print(f"| {kind} | {ordered[len(ordered) // 2]:.2f} | {ordered[int(len(ordered) * 0.9)]:.2f} |")
    print()


def profile(rounds: int, top: int, only: str | None) -> None:
    from sqlalchemy import event

    from ivr.twilio.simulator import TwilioSimulator
    from ivr.web.app import create_app

    app = create_app()
    client = app.test_client()
    statements: Counter[str] = Counter()

    def count_statement(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements[" ".join(statement.split())[:70]] += 1

    event.listen(app.extensions["ivr"].database, "before_cursor_execute", count_statement)

    in_app = InApp()

    def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
        if in_app.profiling:
            in_app.profiler.enable()
        started = time.perf_counter()
        response = client.post(url, data=form, headers=headers)
        in_app.seconds += time.perf_counter() - started
        if in_app.profiling:
            in_app.profiler.disable()
        assert response.status_code in (200, 204), response.status_code
        return bytes(response.data)

    def phone() -> TwilioSimulator:
        return TwilioSimulator(base_url="http://127.0.0.1:8000", auth_token=BENCH_TOKEN, transport=post)

    scripts = list(SCRIPTS.values())
    turns_per_round = sum(len(steps) + 1 for steps in scripts)  # every step, and the status callback
    for _ in range(10):  # warm: imports, the locale data, the connection pools
        for steps in scripts:
            play(phone, steps, in_app)
    timings: dict[str, list[float]] = {}
    for _ in range(rounds):
        for steps in scripts:
            play(phone, steps, in_app, timings)
    plain = sum(sum(values) for values in timings.values()) / (rounds * turns_per_round)
    profiled: Counter[str] = Counter()
    for _ in range(rounds):
        for steps in scripts:
            play(phone, steps, in_app, profile=True, only=only, statements=(statements, profiled))
    stats = pstats.Stats(in_app.profiler)
    raw = stats.stats  # type: ignore[attr-defined]  # {(file, line, function): (cc, nc, tottime, cumtime, callers)}
    buckets: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in raw.items():
        buckets[bucket_of(filename, function)] += own
    total = sum(buckets.values())
    turns = len(timings[only]) if only else rounds * turns_per_round
    print(f"{turns} turns; without the profiler {plain:.2f} ms a turn in the app (wall, one thread)\n")
    print_timings(timings)
    print("| where the time goes (own time, by module) | share | ms per turn (profiled) |")
    print("| --- | ---: | ---: |")
    for name, seconds in buckets.most_common():
        print(f"| {name} | {seconds / total:.0%} | {seconds / turns * 1000:.3f} |")

    def calls_of(path_end: str, function: str) -> int:
        return sum(n for (f, _l, fn), (_cc, n, *_x) in raw.items() if f.endswith(path_end) and fn == function)

    redis_commands = calls_of("redis/client.py", "_execute_command")
    round_trips = calls_of("psycopg/cursor.py", "execute") + calls_of("psycopg/connection.py", "execute")
    pings = calls_of("postgresql/_psycopg_common.py", "do_ping")
    print(
        f"\nPer turn: {redis_commands / turns:.2f} Redis commands; {profiled.total() / turns:.2f} SQL "
        f"statements from SQLAlchemy, {round_trips / turns:.2f} statements sent by psycopg, of which "
        f"{pings / turns:.2f} are the pool's pre-ping (the rest of the difference: BEGIN, ROLLBACK):\n"
    )
    print("| SQL statement (start) | per turn |")
    print("| --- | ---: |")
    for statement, count in profiled.most_common(12):
        print(f"| `{statement}` | {count / turns:.3f} |")
    print(f"\nTop {top} functions by own time:\n")
    stats.sort_stats("tottime").print_stats(top)


@contextlib.contextmanager
def in_app_environment(parser: argparse.ArgumentParser) -> Iterator[argparse.Namespace]:
    """The arguments, with the benchmark's database and Redis prefix set up in this process's environment
    and logging as served (for an in-process script: this one, bench/turn_cost.py); removed after."""
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="ivr_bench_profile")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ivr-in-app-"))
    try:
        with bench_environment(args, workdir) as env:
            os.environ.update(env)
            log_as_served(workdir / "service.log")
            yield args
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds of the three scripted calls")
    parser.add_argument("--top", type=int, default=25, help="functions to list by own time")
    parser.add_argument(
        "--only", choices=["call_start", "menu", "sign_in", "status"], help="profile one kind of turn"
    )
    with in_app_environment(parser) as args:
        profile(args.rounds, args.top, args.only)


if __name__ == "__main__":
    main()
