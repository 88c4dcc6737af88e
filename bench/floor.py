"""The floor for bench/load.py: the least any stateful, signed Twilio webhook does with this project's parts.

The ceiling (bench/ceiling.py) answers fixed bytes. The IVR must also, on every turn, parse Twilio's form,
check X-Twilio-Signature and keep the call's state in Redis (one SET when a call starts, a GET and a
compare-and-set for every answer); no flow, however simple, avoids these. This app does exactly that and
nothing more, with the service's own pieces (the one-HMAC signer, RedisCallStore, CallState's JSON,
redis-py, Flask), then answers the ceiling's fixed TwiML. No flow engine, handlers, SQL, TwiML building,
logging or metrics.

The floor's turns per second divided by the ceiling's is the most any IVR built on these parts could
reach; the IVR's divided by the floor's shows what the IVR's own work adds (0.5: it doubles a turn's
cost). bench/load.py
serves it with ``gunicorn -c gunicorn.conf.py bench.floor:app`` and the bench's own environment
(TWILIO_AUTH_TOKEN, REDIS_URL, IVR_REDIS_PREFIX).
"""

from __future__ import annotations

import os
from dataclasses import replace

import redis
from flask import Flask, Response, abort, request

from bench.ceiling import TWIML
from ivr.adapters.redis.call_store import RedisCallStore
from ivr.engine.state import CallState
from ivr.runtime.ports import CallStore
from ivr.twilio.signing import TwilioSignature

app = Flask(__name__)
signature = TwilioSignature(os.environ["TWILIO_AUTH_TOKEN"])
store: CallStore = RedisCallStore(
    redis.Redis.from_url(os.environ["REDIS_URL"]), 600, f"{os.environ.get('IVR_REDIS_PREFIX', '')}floor:"
)


def signed_form() -> dict[str, str]:
    """The form, if X-Twilio-Signature signs it with the URL as requested (as the IVR checks it)."""
    query = request.query_string.decode("latin-1")
    url = f"{request.scheme}://{request.host}{request.path}" + (f"?{query}" if query else "")
    if not signature.valid(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    return request.form


@app.post("/voice")
def start() -> Response:
    store.begin(CallState(signed_form().get("CallSid", ""), "floor", "welcome", "en"))
    return Response(TWIML, mimetype="application/xml")


@app.post("/voice/turn")
def turn() -> Response:
    call_id = signed_form().get("CallSid", "")
    state = store.load(call_id)
    # Each call's turns come one at a time, after its start: a missing state or a refused write is a
    # fault, and the bench counts the 409 as an error.
    if state is None or not store.save(replace(state, turn=state.turn + 1), state):
        abort(409)
    return Response(TWIML, mimetype="application/xml")


@app.post("/voice/status")
def status() -> tuple[str, int]:
    store.delete(signed_form().get("CallSid", ""))
    return "", 204


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
