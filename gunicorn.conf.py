"""Production gunicorn settings: ``gunicorn app:app`` reads this file from the working directory.

The numbers behind each choice are in docs/performance.md (bench/load.py measures them). Command-line
flags override anything here, e.g. ``gunicorn --workers 8 app:app``.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from typing import Any

from gunicorn import glogging

from ivr.web import worker_balance

# Every interface, on $PORT: the service sits behind a TLS-terminating proxy or load balancer, and
# PUBLIC_BASE_URL names the URL Twilio signs. Set BIND (e.g. 127.0.0.1:8000) to listen more narrowly.
bind = [os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"]

# gthread, one process per core, four threads each: among 1, 2 and 4 processes, sync and gthread, the best
# saturated rate and the fastest load within the latency goal in the last run, and level with the best in
# the run before (docs/performance.md). Threads overlap a
# turn's waits on Redis and PostgreSQL, and argon2 (the sign-in) runs without the GIL; when Redis or the
# database stalls (timeouts of 2 s), a process still has other threads, where a sync worker would be
# stuck whole. More processes per core only added CPU per turn (context switches) and memory (about
# 120 MiB each). WEB_CONCURRENCY overrides the process count: set it where a CPU quota, not the
# machine's cores, is the limit (a container).
# gunicorn's gthread worker, marking how long each request waited for a thread: a voice webhook that
# waited too long under overload is answered at once (ivr.web.voice), never after Twilio gave up. It also
# keeps its share of the connections (pre_fork and child_exit below, ivr.web.worker_balance): kept-alive
# connections stay with the process that won their accept(), and all of them on one process is one core.
worker_class = "ivr.web.gunicorn_worker.QueueTimedWorker"
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# Twilio waits 15 seconds for a webhook and then plays its own error to the caller; a worker silent for
# twice that is stuck, and gunicorn replaces it.
timeout = 30
# On SIGTERM (a deploy) the server drains first (see when_ready below): for IVR_DRAIN_SECONDS its /readyz
# and /livez answer 503 while it still serves every request, so the load balancer moves new requests to
# the other servers; then the workers stop accepting and finish the turns they hold (a turn's budget is
# IVR_TURN_BUDGET_SECONDS, so 20 seconds is ample) and a deploy never cuts a caller off mid-answer.
# IVR_DRAIN_SECONDS must exceed the load balancer's time to mark a server down (docs/deploy.md: 2 checks
# 1 s apart). SIGINT and SIGQUIT still stop at once.
graceful_timeout = 20
DRAIN_SECONDS = float(os.environ.get("IVR_DRAIN_SECONDS") or 5)
# Longer than a load balancer's usual 60-second idle timeout, so the proxy, not gunicorn, closes an idle
# connection: otherwise the proxy may send a request on a connection gunicorn is closing (a 502).
keepalive = 75

# Each worker builds its own app after the fork: create_app opens Redis and PostgreSQL connections, and
# connections must never be shared between processes.
preload_app = False
# Workers are not recycled: their memory did not grow in the benchmark. Set max_requests if a leak shows.
max_requests = 0
# The heartbeat file every worker touches: in memory, since a container's /tmp may be a slow overlay.
# gunicorn creates it with mkstemp and it holds nothing but a timestamp.
SHARED_MEMORY = "/dev/shm"  # noqa: S108  # see above: a heartbeat, nothing secret
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
# The file whose presence tells this server's workers that it is draining (ivr.web.health): one per
# gunicorn master, named by its process id, inherited by the workers it forks (set anew by each master,
# so a master started by another one's upgrade never reads the old one's flag).
os.environ["IVR_DRAIN_FILE"] = os.path.join(
    worker_tmp_dir or os.environ.get("TMPDIR", "/tmp"),  # noqa: S108  # an empty flag file, nothing secret
    f"ivr-drain-{os.getpid()}",
)

# gunicorn's error log on standard error, beside the service's own JSON lines (app.py, ivr.service.log_config);
# the access log on standard output. The access log records every answer of 400 or more (a forged
# signature is a 403) and a sample of the rest, GUNICORN_ACCESS_LOG_SAMPLE (default 1 in 100; 0 for
# errors only): Twilio's own request log already has every webhook, and a line per turn is a cost at
# thousands of turns a second.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = "-"
ACCESS_LOG_SAMPLE = float(os.environ.get("GUNICORN_ACCESS_LOG_SAMPLE") or 0.01)


class SampledAccessLogger(glogging.Logger):
    """gunicorn's logger, writing every error answer and a random sample of the others to the access log."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        status = getattr(resp, "status_code", None) or 0
        if status >= 400 or random.random() < ACCESS_LOG_SAMPLE:  # noqa: S311  # a log sample, not a secret
            super().access(resp, req, environ, request_time)


logger_class = SampledAccessLogger


def _clear_drain() -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.environ["IVR_DRAIN_FILE"])


def when_ready(server: Any) -> None:
    """Drain before stopping: SIGTERM first marks the server as draining (its health answers turn 503)
    and keeps serving for DRAIN_SECONDS, then gunicorn's own graceful stop runs."""
    _clear_drain()  # left by an earlier master with the same process id
    graceful_stop = server.handle_term

    def drain_then_stop() -> None:
        with open(os.environ["IVR_DRAIN_FILE"], "w"):
            pass
        server.log.info("draining for %.1f s before stopping", DRAIN_SECONDS)
        time.sleep(DRAIN_SECONDS)
        graceful_stop()

    server.handle_term = drain_then_stop


def on_exit(server: Any) -> None:
    _clear_drain()


def post_worker_init(worker: Any) -> None:
    """Say when a worker has loaded the app and can answer (bench/load.py waits for this line)."""
    worker.log.info("worker ready (pid %s)", worker.pid)


def pre_fork(server: Any, worker: Any) -> None:
    """Seat the worker about to be forked at the board where the workers share out the connections."""
    worker_balance.seat(server, worker)


def child_exit(server: Any, worker: Any) -> None:
    """Free a dead worker's seat at the board; with PROMETHEUS_MULTIPROC_DIR set (docs/deploy.md), drop its
    live metrics files."""
    worker_balance.unseat(worker)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
