"""The voice blueprint: POST /voice (a call arrives), /voice/turn (every answer), /voice/status (it ended)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ivr.channels.voice import event_from_twilio
from ivr.conversation import Caller
from ivr.engine import Turn
from ivr.web.services import services
from ivr.web.signature import twilio_signed

log = logging.getLogger(__name__)

voice = Blueprint("voice", __name__, url_prefix="/voice")

_ENDED_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
TWIML = "application/xml"


def _caller() -> Caller:
    call_id = request.form.get("CallSid", "").strip()
    if not call_id or len(call_id) > 64 or not call_id.isalnum():
        abort(400, "CallSid is missing or malformed")
    return Caller(call_id=call_id, channel="voice", number=request.form.get("From") or None)


def _twiml(turn: Turn) -> Response:
    ivr = services()
    path = url_for("voice.turn", t=turn.state.turn)
    base = ivr.settings.public_base_url or request.host_url.rstrip("/")
    return Response(ivr.voice.render(turn, f"{base}{path}", audio_base=base), mimetype=TWIML)


@voice.errorhandler(Exception)
def apologise(error: Exception) -> ResponseReturnValue:
    """A failure mid-call is spoken to the caller as an apology, never answered with a 500."""
    if isinstance(error, HTTPException):
        return error.get_response()
    log.exception("voice turn failed", extra={"call_id": request.form.get("CallSid", "")[:64]})
    base = services().settings.public_base_url or request.host_url.rstrip("/")
    return Response(services().voice.render_apology(audio_base=base), mimetype=TWIML)


@voice.post("")
@twilio_signed
def incoming() -> Response:
    return _twiml(services().conversation.start(_caller()))


@voice.post("/turn")
@twilio_signed
def turn() -> Response:
    return _twiml(services().conversation.answer(_caller(), event_from_twilio(request.form)))


@voice.post("/status")
@twilio_signed
def status() -> tuple[str, int]:
    caller = _caller()
    if request.form.get("CallStatus", "") in _ENDED_STATUSES:
        services().conversation.end(caller.call_id)
    return "", 204
