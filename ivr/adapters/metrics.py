"""The service's Prometheus instruments: turns, turn latency, visits per node, sign-ins, errors.

Nothing in them tells a known account from an unknown one: sign-ins are counted as signed in or not,
whatever stopped them (a wrong PIN, an ID that names no one, a limit), and events that only a real account
can cause (a lockout, a PIN mailed) are left to the audit trail. They are served by ivr.web.metrics.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from ivr.core.records import AuditEvent, EventSource
from ivr.runtime.ports import AuditLog

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
    "ivr_account_events_total", "Sign-ins, failed sign-ins, PIN changes, phone updates", ["event"]
)
# The audit events a stranger's answers cannot tell apart by account, under the name they are counted as.
COUNTED_EVENTS = {
    AuditEvent.SIGN_IN: "sign_in",
    AuditEvent.TEMPORARY_PIN_USED: "sign_in",
    AuditEvent.SIGN_IN_FAILED: "sign_in_failed",
    AuditEvent.SIGN_IN_BLOCKED: "sign_in_failed",
    AuditEvent.PIN_CHANGED: "pin_changed",
    AuditEvent.PHONE_UPDATED: "phone_updated",
}
VOICE_ERRORS = Counter("ivr_voice_errors_total", "Voice requests answered with an apology", ["kind"])
SHED = Counter(
    "ivr_voice_shed_total",
    "Voice webhooks that waited too long in the server's queue, answered at once",
    ["path"],
)


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

    def record(self, event: AuditEvent, participant: int | None, source: EventSource) -> None:
        self._inner.record(event, participant, source)
        counted = COUNTED_EVENTS.get(event)
        if counted is not None:
            ACCOUNT_EVENTS.labels(counted).inc()
