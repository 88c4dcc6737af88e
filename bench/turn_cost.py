"""What each turn of the benchmark's calls costs inside the app: its CPU, step by step, without any HTTP server.

Run from the repository root: .venv/bin/python bench/turn_cost.py [--rounds 60]

It sets up the same PostgreSQL database and Redis prefix as bench/load.py (and removes them after), builds
the app in this process as a gunicorn worker does, logs as it is served (JSON lines at INFO, redacted),
and plays the three calls with the project's Twilio simulator, calling the app as WSGI: each request's
environ is built before its clock starts, so the figures are the app's own CPU (this process's CPU time,
which includes the kernel's work on its sockets) for each step of each call. Compare them with the floor's
whole request in bench/app_cost.py.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode, urlsplit

from load import BENCH_TOKEN, SCRIPTS, Step, caller_accounts
from profile_turns import in_app_environment
from werkzeug.test import EnvironBuilder

ACCOUNTS = caller_accounts(0)


def measure(rounds: int) -> tuple[dict[str, float], float]:
    """The mean CPU microseconds of a request at each step of each call (a step whose <Gather> times out
    has two: the <Redirect> is followed), and of every request, after a warm-up."""
    from ivr.twilio.simulator import TwilioSimulator
    from ivr.web.app import create_app

    app = create_app()
    step_of = [""]
    seconds: defaultdict[str, float] = defaultdict(float)
    counts: defaultdict[str, int] = defaultdict(int)

    def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
        parts = urlsplit(url)
        environ = EnvironBuilder(
            path=parts.path,
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method="POST",
            data=urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
            headers=list(headers.items()),
        ).get_environ()
        statuses: list[str] = []

        def start_response(status: str, _headers: Any, _info: Any = None) -> None:
            statuses.append(status)

        started = time.process_time()
        body = b"".join(app(environ, start_response))
        seconds[step_of[0]] += time.process_time() - started
        counts[step_of[0]] += 1
        if not statuses or not statuses[0].startswith(("200", "204")):
            raise SystemExit(f"{step_of[0]}: the app answered {statuses}")
        return body

    def play(name: str, steps: tuple[Step, ...]) -> None:
        phone = TwilioSimulator(base_url="http://127.0.0.1:8000", auth_token=BENCH_TOKEN, transport=post)
        for index, step in enumerate((*steps, Step("hang_up", kind="status"))):
            value = step.value.format(**ACCOUNTS)
            step_of[0] = f"{name}, {index + 1}: {step.action} {value}".rstrip()
            if step.action == "dial":
                phone.dial()
            elif step.action == "press":
                phone.press(value)
            elif step.action == "say":
                phone.say(value)
            elif step.action == "silence":
                phone.silence()
            else:
                phone.hang_up()

    for _ in range(10):  # warm: imports, the locale data, the connection pools
        for name, steps in SCRIPTS.items():
            play(name, steps)
    seconds.clear()
    counts.clear()
    for _ in range(rounds):
        for name, steps in SCRIPTS.items():
            play(name, steps)
    every = sum(seconds.values()) / sum(counts.values()) * 1e6
    return {step: seconds[step] / counts[step] * 1e6 for step in seconds}, every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=60, help="rounds of the three scripted calls")
    with in_app_environment(parser) as args:
        costs, every = measure(args.rounds)
    print(f"| call, step ({args.rounds} rounds) | CPU µs a request |")
    print("| --- | ---: |")
    for step, cost in costs.items():
        print(f"| {step} | {cost:.0f} |")
    print(f"| every request, on average | {every:.0f} |")


if __name__ == "__main__":
    main()
