"""The voice blueprint: POST /voice (a call arrives), /voice/turn (every answer, and the end of a transfer),
/voice/status (it ended).

Every answer URL names the turn it answers (?t=N&e=E: its number, and the start of the call's state it
belongs to, ivr.engine.AskedTurn): a webhook delivered twice or late, or asked by a start of the call
whose state was since lost, hears where the call is and changes nothing. When Redis (the call state) is
out of reach the caller is never left with an error: they hear an apology in every language, may press 0
for a representative during office hours, and otherwise wait a few seconds while the service tries again
(/voice/resume); the call goes on where it was once Redis is back. /voice/fallback (Twilio's fallback
URL) gives the same answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import redis
from flask import Blueprint, Response, abort, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ivr.adapters.metrics import SHED, VOICE_ERRORS
from ivr.engine import AskedTurn, Turn
from ivr.flow.model import Flow, TransferNode
from ivr.runtime.conversation import Caller
from ivr.runtime.time_budget import TimeBudget
from ivr.twilio.dial import transfer_event
from ivr.twilio.gather import event_from_twilio
from ivr.twilio.ids import MAX_SID, caller_from_form
from ivr.twilio.twiml import TWIML
from ivr.web import queue_time
from ivr.web.services import services
from ivr.web.signature import public_base, public_url, require_twilio_signature, twilio_signed, twilio_url

log = logging.getLogger(__name__)

VOICE_PATH = "/voice"
TURN_PATH = "/turn"  # every answer; its URL is written into every <Gather> (without url_for: once a turn)
voice = Blueprint("voice", __name__, url_prefix=VOICE_PATH)

_ENDED_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
LANGUAGE_ARG = "l"
TURN_ARG = "t"  # the turn an answer URL asks (CallState.turn)
EPOCH_ARG = "e"  # the start of the call's state that asked it (CallState.epoch)
# Tries to reach the call state again before the caller hears a final apology (about 10 s each).
MAX_OUTAGE_RETRIES = 3


def twilio_caller(channel: str = "voice") -> Caller:
    """The caller of this Twilio call webhook (ivr.twilio.ids); a 400 if its CallSid is missing or malformed."""
    caller = caller_from_form(request.form, channel)
    if caller is None:
        abort(400, "CallSid is missing or malformed")
    return caller


def logged_call_id() -> str:
    """The request's CallSid for a log line about a failed webhook: as sent, however malformed, cut short."""
    return request.form.get("CallSid", "")[:MAX_SID]


def _twiml(turn: Turn) -> Response:
    ivr = services()
    renderer = ivr.voice_for(turn.state.flow_version)
    # A <Gather>'s action is any URL, relative or absolute (twilio.com/docs/voice/twiml/gather); Twilio signs
    # the whole URL it posts to, query included (twilio.com/docs/usage/security), so the turn it names is
    # the one this answer wrote.
    action = f"{VOICE_PATH}{TURN_PATH}?{TURN_ARG}={turn.state.turn}&{EPOCH_ARG}={turn.state.epoch}"
    if turn.state.language != ivr.flows.current.default_language:
        # The caller's language rides in the URL (it is no secret), so that an apology while Redis is out
        # of reach begins in it (_outage).
        action += f"&{LANGUAGE_ARG}={turn.state.language}"
    # The same URL takes the answer to a <Gather> and the end of a transfer (<Dial action>).
    return Response(renderer.render(turn, twilio_url(action), audio_base=public_base()), mimetype=TWIML)


def caller_language() -> str | None:
    """The caller's language as the request's URL carries it (``l``), if the flow has that language."""
    language = request.args.get(LANGUAGE_ARG, "")
    return language if language in services().flows.current.languages else None


def representative_number(flow: Flow) -> str | None:
    """The number the flow's representative command transfers to, if it is a phone number."""
    command = flow.commands.get("representative")
    node = flow.nodes.get(command.target or "") if command else None
    return node.to if isinstance(node, TransferNode) else None


def _outage(retry: int, again: str = "voice.resume") -> Response:
    """The answer while call state is out of reach; after the last retry, a final apology. ``again``: the
    endpoint a silence goes on to (the call where it was; a call not yet started, its start)."""
    ivr = services()
    renderer = ivr.voice_for()
    base = public_base()
    language = caller_language()
    if retry > MAX_OUTAGE_RETRIES:
        return Response(renderer.render_apology(audio_base=base, first=language), mimetype=TWIML)
    flow = ivr.flows.current
    open_now = flow.is_open(ivr.conversation.clock.now()) and representative_number(flow) is not None
    offer = _outage_url("voice.outage_offer", retry, language) if open_now else None
    again_url = _outage_url(again, retry, language)
    return Response(renderer.render_outage(offer, again_url, audio_base=base, first=language), mimetype=TWIML)


def _outage_url(endpoint: str, retry: int, language: str | None) -> str:
    carried = f"&{LANGUAGE_ARG}={language}" if language else ""
    return twilio_url(f"{url_for(endpoint, retry=retry)}{carried}")


# Shed only where the caller waits for an answer: the end of a transfer (a <Dial> or an <Enqueue> action:
# ivr.twilio.dial.transfer_event) and the status callback carry news that must not be lost, and cost little.
_SHEDDABLE = frozenset(
    {"voice.incoming", "voice.turn", "voice.resume", "voice.outage_offer", "voice.fallback"}
)


@voice.before_request
def shed_when_overloaded() -> ResponseReturnValue | None:
    """A webhook that waited in this server's queue for more than its share of the time budget is answered
    at once, without touching the call's state: the outage apology in the caller's language first, then
    the call where it was (/voice/resume) or its start (/voice). Under overload, the caller hears this
    instead of silence and Twilio's error; the answer they gave is asked for again."""
    wait = queue_time.current()
    if wait is None or request.endpoint not in _SHEDDABLE:
        return None
    if wait.seconds <= TimeBudget(services().settings.turn_budget_seconds).shed_after:
        return None
    if transfer_event(request.form) is not None:  # read only for a webhook that waited too long
        return None
    require_twilio_signature(public_url(), request.form)
    SHED.labels(request.path).inc()
    log.warning(
        "shed a webhook that waited %.2f s for a thread", wait.seconds, extra={"call_id": logged_call_id()}
    )
    retry = request.args.get("retry", default=0, type=int)
    return _outage(
        max(retry, 0) + 1, "voice.incoming" if request.endpoint == "voice.incoming" else "voice.resume"
    )


@voice.errorhandler(redis.RedisError)
def call_state_unreachable(error: redis.RedisError) -> ResponseReturnValue:
    log.error(
        "call state unreachable: %s",
        type(error).__name__,
        extra={"call_id": logged_call_id()},
    )
    VOICE_ERRORS.labels("call_state").inc()
    retry = request.args.get("retry", default=0, type=int)  # a malformed value counts as the first try
    return _outage(max(retry, 0) + 1)


@voice.errorhandler(Exception)
def apologise(error: Exception) -> ResponseReturnValue:
    """A failure mid-call is spoken to the caller as an apology, never answered with a 500."""
    if isinstance(error, HTTPException):
        return error.get_response()
    log.exception("voice turn failed", extra={"call_id": logged_call_id()})
    VOICE_ERRORS.labels("unexpected").inc()
    apology = services().voice_for().render_apology(audio_base=public_base(), first=caller_language())
    return Response(apology, mimetype=TWIML)


@voice.post("")
@twilio_signed
def incoming() -> Response:
    return _twiml(services().conversation.start(twilio_caller()))


@voice.post(TURN_PATH)
@twilio_signed
def turn() -> Response:
    event = transfer_event(request.form) or event_from_twilio(request.form)
    wait = queue_time.current()
    arrived = None if wait is None else wait.queued_at  # the time budget counts from the queue
    return _twiml(
        services().conversation.answer(twilio_caller(), event, asked_turn_in(request.args), arrived)
    )


def asked_turn_in(query: Mapping[str, str]) -> AskedTurn | None:
    """The turn an answer URL's query names (the one reader of what _twiml writes). A URL without an epoch
    was written before URLs carried one (a call in progress across the upgrade); one without a turn number
    is checked against no turn, as always."""
    number = query.get(TURN_ARG, "")
    return AskedTurn(int(number), query.get(EPOCH_ARG)) if number.isdigit() else None


@voice.post("/resume")
@twilio_signed
def resume() -> Response:
    return _twiml(services().conversation.resume(twilio_caller()))


@voice.post("/outage-offer")
@twilio_signed
def outage_offer() -> Response:
    ivr = services()
    flow = ivr.flows.current
    number = representative_number(flow)
    if request.form.get("Digits") == "0" and number and flow.is_open(ivr.conversation.clock.now()):
        retry = request.args.get("retry", default=1, type=int)
        back = _outage_url("voice.resume", retry, caller_language())  # busy or unanswered: carry on
        return Response(ivr.voice_for().render_transfer(number, back, caller_language()), mimetype=TWIML)
    return resume()


@voice.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL: the primary answer failed (ErrorCode, ErrorUrl). Never fails itself."""
    log.error(
        "Twilio used the fallback URL",
        extra={
            "call_id": logged_call_id(),
            "error_code": request.form.get("ErrorCode", "")[:16],
        },
    )
    return _outage(1)


@voice.post("/status")
@twilio_signed
def status() -> tuple[str, int]:
    caller = twilio_caller()
    if request.form.get("CallStatus", "") in _ENDED_STATUSES:
        services().conversation.end(caller.call_id)
    return "", 204
