"""GET /healthz: Redis, the database and the live flow version (with the last rejected edit, if any)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ivr.web.services import services

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> tuple[Any, int]:
    ivr = services()
    report: dict[str, Any] = {
        "flow_version": ivr.flows.current.version,
        "flow_versions_kept": ivr.flows.versions(),
    }
    if ivr.flows.last_error:
        report["flow_error"] = (
            ivr.flows.last_error
        )  # an operator's edit that was rejected; the last good flow runs
    try:
        ivr.redis.ping()
        report["redis"] = "ok"
    except Exception as exc:  # a health check reports every failure instead of raising it
        report["redis"] = f"error: {type(exc).__name__}"
    try:
        with ivr.database.connect() as connection:
            connection.execute(text("SELECT 1"))
        report["database"] = "ok"
    except SQLAlchemyError as exc:
        report["database"] = f"error: {type(exc).__name__}"
    healthy = report["redis"] == "ok" and report["database"] == "ok"
    report["status"] = "ok" if healthy else "degraded"
    return jsonify(report), 200 if healthy else 503
