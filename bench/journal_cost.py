"""What the funnel's journal adds to one turn on the call path: the turn's rows, pushed in the call
store's compare-and-set (ivr.adapters.redis.call_store), against the same compare-and-set without them,
and against the journal's own round trip (RPUSH and LTRIM in a pipeline, as a hang-up's row still goes).

Run from the repository root: .venv/bin/python bench/journal_cost.py [--turns 2000]

It needs Redis: REDIS_URL, or database 13 on 127.0.0.1:6379, and keeps its call and rows under
``bench:journal:``, deleting them at the end. Each figure is the best of three runs (this virtual machine's
speed drifts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import redis

from ivr.adapters.redis.call_store import RedisCallStore
from ivr.adapters.redis.journal import RedisCallJournal, queue_key
from ivr.core.records import JourneyStep
from ivr.engine.state import CallState
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
    store = RedisCallStore(client, 600, f"{PREFIX}call:")
    journaled = RedisCallStore(client, 600, f"{PREFIX}call:", journal)
    state = CallState(step.call_id, flows.current.version, "main_menu", "es")

    def turns_of(save: Callable[[CallState], object]) -> tuple[float, float]:
        """Best of three: wall and CPU seconds a turn."""
        runs = []
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(turns):
                save(state)
            runs.append(((time.perf_counter() - wall) / turns, (time.process_time() - cpu) / turns))
        return min(runs)

    def saved(with_store: RedisCallStore) -> Callable[[CallState], object]:
        def save(current: CallState) -> object:
            nonlocal state
            state = replace(current, turn=current.turn + 1)
            if not with_store.save(state, current, step):
                raise SystemExit("the compare-and-set was refused: is another run using the prefix?")
            return state

        return save

    try:
        store.begin(state)
        rows = [
            ("compare-and-set alone", turns_of(saved(store))),
            ("compare-and-set with the turn's rows", turns_of(saved(journaled))),
            ("the rows in a round trip of their own", turns_of(lambda _state: journal.step(step))),
        ]
    finally:
        client.delete(queue_key(PREFIX), store.key(state.call_id))
    print(f"| {turns} turns, best of 3 | wall µs a turn | CPU µs a turn |")
    print("| --- | ---: | ---: |")
    for name, (wall, cpu) in rows:
        print(f"| {name} | {wall * 1e6:.0f} | {cpu * 1e6:.0f} |")


if __name__ == "__main__":
    main()
