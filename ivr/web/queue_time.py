"""How long the request being served waited in this server for a thread.

Under more load than the server can answer, requests queue inside it, and a turn answered after Twilio
gave up on its webhook (15 s, https://www.twilio.com/docs/api/errors/11205) reaches the caller as dead air
and then Twilio's error. The gunicorn worker (``ivr.web.gunicorn_worker``) marks when each request was
queued and when a thread took it; the voice blueprint sheds a turn that waited longer than its share of
the time budget (``TimeBudget.shed_after``) with an answer Twilio acts on at once. Under the development
server nothing is marked and nothing is shed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_current = threading.local()


@dataclass(frozen=True, slots=True)
class QueueWait:
    queued_at: float  # time.monotonic() when the request was put in the worker's queue
    taken_at: float  # ... and when a thread took it

    @property
    def seconds(self) -> float:
        return self.taken_at - self.queued_at


def mark(wait: QueueWait | None) -> None:
    """Called by the worker in the thread that serves the request, before it runs the app (None after)."""
    _current.wait = wait


def current() -> QueueWait | None:
    """The wait of the request this thread serves, if the server marked it."""
    wait: QueueWait | None = getattr(_current, "wait", None)
    return wait
