"""gunicorn's threaded worker, marking how long each request waited for a thread (ivr.web.queue_time) and
keeping its share of the connections (ivr.web.worker_balance).

gunicorn.conf.py names it as ``worker_class``. Every request, on a new connection or a kept-alive one,
goes through ``enqueue_req`` into the worker's thread pool; ``handle`` runs in the thread that takes it,
and ``finish_request`` back on the worker's loop when it is answered.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]  # no type hints

from ivr.web import worker_balance
from ivr.web.queue_time import QueueWait, mark

_QUEUED_AT = "ivr_queued_at"
_CLOSING = "ivr_closing"  # this request's answer closes its connection: the worker is over its share


class QueueTimedWorker(ThreadWorker):  # type: ignore[misc]  # an untyped base
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Requests queued or being answered whose answer will close their connection: counted off what
        # the worker holds at once, so it hands over no more connections than its excess.
        self.closing = 0

    @property
    def held(self) -> int:
        """The connections this worker keeps (gthread's count, less those on their way out)."""
        return int(self.nr_conns) - self.closing

    def notify(self) -> None:
        """Each turn of gthread's loop (and of its drain when stopping): besides the heartbeat, tell the
        other workers what this one holds, and stop accepting while over its share."""
        super().notify()
        share = worker_balance.share_of(self)
        if share is None:
            return
        taking = self.alive and self.nr_conns < self.worker_connections
        share.refresh(self.held if taking else None, time.monotonic())
        if self._accepting and not share.may_accept(self.held):
            self.set_accept_enabled(False)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gthread's loop turns accepting back on whenever it is below worker_connections: not while over
        share = worker_balance.share_of(self)
        super().set_accept_enabled(enabled and (share is None or share.may_accept(self.held)))

    def enqueue_req(self, conn: Any) -> None:
        setattr(conn, _QUEUED_AT, time.monotonic())
        share = worker_balance.share_of(self)
        if share is not None and self.alive and share.over(self.held):
            setattr(conn, _CLOSING, True)
            self.closing += 1
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        queued_at = getattr(conn, _QUEUED_AT, None)
        mark(None if queued_at is None else QueueWait(queued_at, time.monotonic()))
        try:
            return super().handle(conn)
        finally:
            mark(None)

    def handle_request(self, req: Any, conn: Any) -> Any:
        if getattr(conn, _CLOSING, False):
            # The answer carries "Connection: close" and the connection closes after it, whole (RFC 9112
            # section 9.6): the client sends its next request on a new connection, which a worker under
            # its share accepts. Never mid-request, never an idle connection a request may be racing to.
            req.force_close()
        return super().handle_request(req, conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        if getattr(conn, _CLOSING, False):
            setattr(conn, _CLOSING, False)
            self.closing -= 1  # gthread now closes it (or keeps it, if no request was read after all)
        super().finish_request(conn, fs)
