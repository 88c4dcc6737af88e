"""Where callers give up: the funnel of the last days, per node, language and channel."""

from __future__ import annotations

import datetime as dt
import logging

import redis
from flask import Blueprint, Response, abort, jsonify, request

from ivr.adapters.sql.funnel import Filters, drain, funnel
from ivr.adapters.sql.wiring import agency_zone
from ivr.console.auth import requires
from ivr.console.wiring import console_services

log = logging.getLogger(__name__)

api_funnel = Blueprint("api_funnel", __name__, url_prefix="/api")

MAX_DAYS = 366


@api_funnel.get("/funnel")
@requires("viewer")
def figures() -> Response:
    ivr = console_services()
    try:
        days = int(request.args.get("days", "14"))
    except ValueError:
        abort(400, "'days' must be a whole number")
    if not 1 <= days <= MAX_DAYS:
        abort(400, f"'days' must be from 1 to {MAX_DAYS}")
    try:
        drain(ivr.redis, ivr.prefix, ivr.database)  # the newest calls' events first
    except redis.RedisError:  # the stored events can still be read; the queued ones wait for Redis
        log.warning("the funnel's queued events could not be read from Redis")
    today = ivr.clock.now().astimezone(agency_zone(ivr.flows.current)).date()
    filters = Filters(
        first_day=today - dt.timedelta(days=days - 1),
        last_day=today,
        channel=request.args.get("channel") or None,
        language=request.args.get("language") or None,
    )
    return jsonify(funnel(ivr.database, filters).as_dict())
