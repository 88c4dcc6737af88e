"""What the funnel's journal adds to one turn on the call path: RedisCallJournal.step, rows and one Redis
round trip (RPUSH and LTRIM in a pipeline).

Run from the repository root: .venv/bin/python bench/journal_cost.py [--turns 2000]

It needs Redis: REDIS_URL, or database 13 on 127.0.0.1:6379, and keeps its rows under ``bench:journal:``,
deleting them at the end. Each figure is the best of three runs (this virtual machine's speed drifts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import redis

from ivr.adapters.redis.journal import RedisCallJournal, queue_key
from ivr.core.records import JourneyStep
from ivr.flow.library import FlowLibrary
from ivr.service.flow import load_service_flow

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench:journal:"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    turns = parser.parse_args().turns
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"))
    flows = FlowLibrary(load_service_flow(ROOT))
    journal = RedisCallJournal(client, PREFIX, "bench-secret-key-0123456789", flows)
    step = JourneyStep(
        "CA" + "1" * 32,
        "voice",
        flows.current.version,
        "es",
        "main_menu",
        "taken",
        ("payments", "payments_received", "payments_end"),  # a typical turn: three nodes, one goal
        None,
        dt.datetime.now(dt.UTC),
    )
    runs = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(turns):
            journal.step(step)
        runs.append(((time.perf_counter() - wall) / turns, (time.process_time() - cpu) / turns))
    client.delete(queue_key(PREFIX))
    best_wall, best_cpu = min(runs)
    print(
        f"journal per turn: {best_wall * 1e6:.0f} µs wall, {best_cpu * 1e6:.0f} µs CPU ({turns} turns, best of 3)"
    )


if __name__ == "__main__":
    main()
