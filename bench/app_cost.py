"""What one webhook costs inside the app, without any HTTP server: the ceiling's and the floor's.

Run from the repository root: .venv/bin/python bench/app_cost.py [--requests 3000]

It calls the ceiling (bench/ceiling.py) and the floor (bench/floor.py) as WSGI apps in this process, one
answer turn at a time, with the bench's signed 25-field Twilio form, and reports the CPU each request
takes (this process's CPU time, which includes the kernel's work on the Redis socket). Then it times the
floor's parts alone: parsing the form, checking the signature, and the call state's read and
compare-and-set through RedisCallStore; last, the floor with its state in a dict instead of Redis.
gunicorn's own cost (HTTP parsing, its threads) comes on top of both apps alike; bench/load.py measures
it. Each figure is the best of three runs, since this virtual machine's speed drifts.

It needs Redis: REDIS_URL, or database 13 on 127.0.0.1:6379. It keeps its one call under the
``bench:appcost:`` prefix and deletes it at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from load import BENCH_TOKEN, HOST, ROOT, twilio_form

os.environ.update(
    TWILIO_AUTH_TOKEN=BENCH_TOKEN,
    REDIS_URL=os.environ.get("REDIS_URL", f"redis://{HOST}:6379/13"),
    IVR_REDIS_PREFIX="bench:appcost:",
)
sys.path.insert(0, str(ROOT))  # bench.floor imports bench.ceiling as a package

from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from bench import ceiling, floor
from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.engine.state import CallState
from ivr.twilio.signing import TwilioSignature

BASE_URL = "http://127.0.0.1:8000"
CALL_SID = "CA" + "a" * 32
RUNS = 3


def signed_turn() -> tuple[dict[str, Any], bytes, dict[str, str]]:
    """The WSGI environ of an answer turn (a key pressed), its body, and its form."""
    form = {**twilio_form(CALL_SID, 1), "Digits": "1"}
    body = urlencode(form).encode()
    signature = TwilioSignature(BENCH_TOKEN).compute(f"{BASE_URL}/voice/turn?t=1", form)
    environ = EnvironBuilder(
        path="/voice/turn",
        base_url=BASE_URL,
        query_string="t=1",
        method="POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=[("X-Twilio-Signature", signature)],
    ).get_environ()
    return environ, body, form


def cpu_us(action: Callable[[], object], requests: int) -> float:
    """Best of RUNS: CPU microseconds per call of ``action``, after a warm-up."""
    for _ in range(requests // 10):
        action()
    best = float("inf")
    for _ in range(RUNS):
        started = time.process_time()
        for _ in range(requests):
            action()
        best = min(best, (time.process_time() - started) / requests * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests a run, per app and part")
    args = parser.parse_args()
    environ, body, form = signed_turn()

    def request(app: Callable[..., Any]) -> Callable[[], bytes]:
        def send() -> bytes:
            statuses: list[str] = []
            answer = app(
                {**environ, "wsgi.input": io.BytesIO(body)}, lambda s, _h, _e=None: statuses.append(s)
            )
            data = b"".join(answer)
            if statuses != ["200 OK"]:
                raise SystemExit(f"the app answered {statuses}: is Redis up?")
            return data

        return send

    store = floor.store
    signer = TwilioSignature(BENCH_TOKEN)
    url = f"{BASE_URL}/voice/turn?t=1"
    signature = environ["HTTP_X_TWILIO_SIGNATURE"]

    def state_round_trip() -> None:
        state = store.load(CALL_SID)
        if state is None:
            raise SystemExit("the call's state is gone from Redis: is another run using the prefix?")
        store.save(replace(state, turn=state.turn + 1), state)

    store.begin(CallState(CALL_SID, "floor", "welcome", "en"))
    try:
        rows = [
            ("ceiling: the whole request", cpu_us(request(ceiling.app), args.requests)),
            ("floor: the whole request", cpu_us(request(floor.app), args.requests)),
            (
                "  parse the 25-field form (Werkzeug)",
                cpu_us(lambda: parse_form_data({**environ, "wsgi.input": io.BytesIO(body)}), args.requests),
            ),
            (
                "  check the signature (one HMAC)",
                cpu_us(lambda: signer.valid(url, form, signature), args.requests),
            ),
            (
                "  read and compare-and-set the state (2 Redis commands)",
                cpu_us(state_round_trip, args.requests),
            ),
        ]
    finally:
        store.delete(CALL_SID)
    # The floor again with its state in a dict: what is left is Flask's and Werkzeug's share.
    floor.store = MemoryCallStore()
    floor.store.begin(CallState(CALL_SID, "floor", "welcome", "en"))
    rows.append(
        ("floor with its state in process memory (no Redis)", cpu_us(request(floor.app), args.requests))
    )
    print("| in one process, no HTTP server | CPU per request, us |")
    print("| --- | ---: |")
    for name, value in rows:
        print(f"| {name} | {value:.0f} |")


if __name__ == "__main__":
    main()
