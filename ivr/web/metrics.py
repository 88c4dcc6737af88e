"""Prometheus metrics: turns, turn latency, visits per node, sign-in failures, lockouts, errors. GET /metrics.

Under gunicorn with several worker processes, set PROMETHEUS_MULTIPROC_DIR (an empty folder) so that
every worker's numbers are added up (docs/deploy.md).
"""

from __future__ import annotations

import os

from flask import Blueprint, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from ivr.ports import AuditLog

TURNS = Counter("ivr_turns_total", "Caller turns answered", ["channel", "event"])
TURN_SECONDS = Histogram(
    "ivr_turn_seconds",
    "Time to answer one turn (engine, handlers, call state)",
    ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
NODE_VISITS = Counter("ivr_node_visits_total", "Times callers entered each node", ["node"])
HANDLER_ERRORS = Counter("ivr_handler_errors_total", "Handlers that raised instead of answering", ["handler"])
ACCOUNT_EVENTS = Counter(
    "ivr_account_events_total", "Sign-ins, sign-in failures, lockouts, PIN changes and requests", ["event"]
)
VOICE_ERRORS = Counter("ivr_voice_errors_total", "Voice requests answered with an apology", ["kind"])


class PrometheusObserver:
    def turn(self, channel: str, event: str, visited: tuple[str, ...], seconds: float) -> None:
        TURNS.labels(channel, event).inc()
        TURN_SECONDS.labels(channel).observe(seconds)
        for node in visited:
            NODE_VISITS.labels(node).inc()

    def handler_failed(self, handler: str) -> None:
        HANDLER_ERRORS.labels(handler).inc()


class CountingAuditLog:
    """An AuditLog that also counts each event for the metrics."""

    def __init__(self, inner: AuditLog) -> None:
        self._inner = inner

    def record(self, event: str, participant: int | None, channel: str, calling_number: str | None) -> None:
        self._inner.record(event, participant, channel, calling_number)
        ACCOUNT_EVENTS.labels(event).inc()


metrics = Blueprint("metrics", __name__)


@metrics.get("/metrics")
def exposition() -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
