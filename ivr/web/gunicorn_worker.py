"""gunicorn's threaded worker, marking how long each request waited for a thread (ivr.web.queue_time).

gunicorn.conf.py names it as ``worker_class``. Every request, on a new connection or a kept-alive one,
goes through ``enqueue_req`` into the worker's thread pool; ``handle`` runs in the thread that takes it.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]  # no type hints

from ivr.web.queue_time import QueueWait, mark

_QUEUED_AT = "ivr_queued_at"


class QueueTimedWorker(ThreadWorker):  # type: ignore[misc]  # an untyped base
    def enqueue_req(self, conn: Any) -> None:
        setattr(conn, _QUEUED_AT, time.monotonic())
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        queued_at = getattr(conn, _QUEUED_AT, None)
        mark(None if queued_at is None else QueueWait(queued_at, time.monotonic()))
        try:
            return super().handle(conn)
        finally:
            mark(None)
