"""POST /sms: the Twilio Messaging webhook. The same menu as the phone, by text message.

One session per sending number (its state expires after IVR_SMS_SESSION_MINUTES of silence), answered
with TwiML <Message>s in plain style. HELP, STOP and START are answered as carriers expect: STOP opts the
number out (no further replies until START), HELP says what this number is and how to stop.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from ivr.channels.prompts import prompt_text
from ivr.channels.text import written
from ivr.channels.text_session import TextSession
from ivr.runtime.conversation import Caller
from ivr.twilio.ids import calling_number
from ivr.twilio.twiml import TWIML
from ivr.web.services import services
from ivr.web.signature import twilio_signed

log = logging.getLogger(__name__)

sms = Blueprint("sms", __name__)

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ALTO", "PARAR"})
START_WORDS = frozenset({"START", "UNSTOP", "INICIO"})
# "yes" also answers the first menu: it restarts only a number that opted out
RESUME_WORDS = START_WORDS | {"YES"}
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})
MAX_MESSAGE = 1500  # Twilio joins up to 1,600 characters into one message on the phone


def _session_id(number: str) -> str:
    return "sms-" + hashlib.sha256(number.encode()).hexdigest()[:32]


def _opt_out_key(number: str) -> str:
    return f"{services().settings.redis_prefix}sms-opt-out:{hashlib.sha256(number.encode()).hexdigest()[:32]}"


def _both_languages(prompt_id: str) -> str:
    flow = services().conversation.flow
    return "\n".join(prompt_text(flow, prompt_id, language, {}, written) for language in flow.languages)


def _reply(texts: list[str]) -> Response:
    response = MessagingResponse()
    chunk = ""
    for text in texts:
        if chunk and len(chunk) + len(text) + 2 > MAX_MESSAGE:
            response.message(chunk)
            chunk = ""
        chunk = f"{chunk}\n\n{text}" if chunk else text
    if chunk:
        response.message(chunk[:MAX_MESSAGE])
    return Response(str(response), mimetype=TWIML)


@sms.errorhandler(Exception)
def apologise(error: Exception) -> ResponseReturnValue:
    """A failure (Redis or the database out of reach, or anything else) is answered with an apology."""
    if isinstance(error, HTTPException):
        return error.get_response()
    log.exception("SMS turn failed")
    return _reply([_both_languages(services().flows.current.defaults.apology)])


@sms.post("/sms")
@twilio_signed
def incoming() -> Response:
    raw = (request.form.get("From") or "").strip()
    number = calling_number(raw)
    if not number or number != raw:
        abort(400, "From is missing or malformed")
    body = (request.form.get("Body") or "")[:500]
    keyword = body.strip().upper().rstrip(".!")
    ivr = services()
    session = TextSession(ivr.text_conversation, Caller(_session_id(number), "sms", number), tty=False)
    if keyword in STOP_WORDS:
        ivr.redis.set(_opt_out_key(number), "1")
        ivr.text_conversation.end(session.caller.call_id)
        return _reply([_both_languages("sms_stopped")])
    if keyword in HELP_WORDS:
        return _reply([_both_languages("sms_help")])
    opted_out = bool(ivr.redis.exists(_opt_out_key(number)))
    if keyword in START_WORDS or (opted_out and keyword in RESUME_WORDS):
        ivr.redis.delete(_opt_out_key(number))
        return _reply(list(session.start().lines))
    if opted_out:
        return _reply([])  # no answer until START
    reply = session.reply(body) if session.active() else session.start()
    return _reply(list(reply.lines))
