"""Health answers for load balancers, and a detailed report for operators who hold IVR_OPS_TOKEN.

- ``GET /livez``: 200 ``up`` while this process answers, 503 ``down`` once it is draining. It never looks
  at Redis or the database: an outage they share would take every server out of the load balancer at
  once, and callers would hear Twilio's error instead of the service's own apology and resume path.
- ``GET /readyz``: 200 ``up`` when this server can serve calls: it is not draining, Redis takes a write
  (so a master demoted to a replica, which answers ReadOnlyError, counts as down) and the database
  answers; each is tried once more before it counts as down. One check runs at a time in a process;
  a check asked for meanwhile gets the last answer, so a stalled Redis cannot tie up every thread.
- ``GET /healthz``: the same public answer as /readyz; with ``Authorization: Bearer <IVR_OPS_TOKEN>``
  (compared in constant time) the detailed JSON report: Redis, the database, the flow versions and the
  last rejected edit. Without IVR_OPS_TOKEN the report is never served.

Public answers are a status code and one word: nothing that names a component or an error.

Draining: gunicorn.conf.py names a file in ``IVR_DRAIN_FILE`` and creates it when the server is told to
stop; from then on both answers are 503, so the load balancer stops sending requests before the server
stops taking them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import redis
from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ivr.service.wiring import Services
from ivr.web.ops import has_ops_token
from ivr.web.services import services

health = Blueprint("health", __name__)

DRAIN_FILE_VARIABLE = "IVR_DRAIN_FILE"
PROBE_TTL_MS = 10_000  # the readiness probe's own key in Redis expires by itself
_check_lock = threading.Lock()
_last_ready = True


def draining() -> bool:
    """Whether this server has been told to stop (gunicorn.conf.py); its load balancer should move on."""
    path = os.environ.get(DRAIN_FILE_VARIABLE) or ""
    return path != "" and os.path.exists(path)


def _word(up: bool) -> Response:
    response = Response("up\n" if up else "down\n", status=200 if up else 503, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _twice(check: Any) -> str:
    """``ok``, or the kind of error the second try still met."""
    for attempt in range(2):
        try:
            check()
            return "ok"
        except (redis.RedisError, SQLAlchemyError, OSError) as exc:
            if attempt:
                return f"error: {type(exc).__name__}"
            time.sleep(0.05)
    return "error"  # not reached: the loop returns


def _redis_writable(ivr: Services) -> str:
    key = f"{ivr.settings.redis_prefix}ready:{socket.gethostname()}:{os.getpid()}"
    return _twice(lambda: ivr.probe_redis.set(key, "1", px=PROBE_TTL_MS))


def _database(ivr: Services) -> str:
    def select_one() -> None:
        with ivr.database.connect() as connection:
            connection.execute(text("SELECT 1"))

    return _twice(select_one)


def _parts(ivr: Services) -> dict[str, str]:
    return {"redis": _redis_writable(ivr), "database": _database(ivr)}


def ready() -> bool:
    """This server's readiness, checked by one thread at a time (the others get the last answer)."""
    global _last_ready  # noqa: PLW0603  # one answer per process, shared by its threads
    if draining():
        return False
    if not _check_lock.acquire(blocking=False):
        return _last_ready
    try:
        _last_ready = all(state == "ok" for state in _parts(services()).values())
        return _last_ready
    finally:
        _check_lock.release()


@health.get("/livez")
def livez() -> Response:
    return _word(not draining())


@health.get("/readyz")
def readyz() -> Response:
    return _word(ready())


@health.get("/healthz")
def healthz() -> Any:
    if not has_ops_token():
        return _word(ready())
    ivr = services()
    report: dict[str, Any] = {
        "flow_version": ivr.flows.current.version,
        "flow_versions_kept": ivr.flows.versions(),
        **_parts(ivr),
        "draining": draining(),
    }
    if ivr.flows.last_error:
        report["flow_error"] = ivr.flows.last_error  # an operator's edit that was rejected
    healthy = report["redis"] == "ok" and report["database"] == "ok" and not report["draining"]
    report["status"] = "ok" if healthy else "degraded"
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
