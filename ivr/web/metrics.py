"""GET /metrics: the Prometheus exposition of ivr.adapters.metrics, for the agency's monitoring only.

Served only with the bearer token IVR_OPS_TOKEN (ivr.web.ops), and not at all without one.
Under gunicorn with several worker processes, set PROMETHEUS_MULTIPROC_DIR (an empty folder) so that
every worker's numbers are added up (docs/deploy.md).
"""

from __future__ import annotations

import os

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from ivr.web.ops import require_ops_token

metrics = Blueprint("metrics", __name__)


@metrics.get("/metrics")
def exposition() -> Response:
    require_ops_token()
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
