"""POST /sms: the Twilio Messaging webhook. The same menu as the phone, by text message.

One session per sending number (its state expires after IVR_SMS_SESSION_MINUTES of silence), answered with
one TwiML <Message> of at most 320 characters in plain style, the rest on "MORE". Twilio's own keywords
(STOP, HELP, START ...) are Twilio's to answer: how each is handled, and how replies are cut, is in
ivr.twilio.messaging.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ivr.channels.prompts import prompt_text
from ivr.channels.text import written
from ivr.channels.text_session import TextSession
from ivr.runtime.conversation import Caller
from ivr.twilio.ids import calling_number
from ivr.twilio.messaging import MAX_BODY_CHARS, SmsLine, pages, twiml_reply
from ivr.twilio.twiml import TWIML
from ivr.web.services import services
from ivr.web.signature import twilio_signed

log = logging.getLogger(__name__)

sms = Blueprint("sms", __name__)


def _session_id(number: str) -> str:
    return "sms-" + hashlib.sha256(number.encode()).hexdigest()[:32]


def _session(number: str) -> TextSession:
    return TextSession(services().text_conversation, Caller(_session_id(number), "sms", number), tty=False)


@sms.errorhandler(Exception)
def apologise(error: Exception) -> ResponseReturnValue:
    """A failure (Redis or the database out of reach, or anything else) is answered with an apology."""
    if isinstance(error, HTTPException):
        return error.get_response()
    log.exception("SMS turn failed")
    flow = services().flows.current
    said = [prompt_text(flow, flow.defaults.apology, language, {}, written) for language in flow.languages]
    return Response(twiml_reply(pages(said, "")[:1]), mimetype=TWIML)


@sms.post("/sms")
@twilio_signed
def incoming() -> Response:
    raw = (request.form.get("From") or "").strip()
    number = calling_number(raw)
    if not number or number != raw:
        abort(400, "From is missing or malformed")
    line = SmsLine(services().sms_store, _session)
    messages = line.answer(number, (request.form.get("Body") or "")[:MAX_BODY_CHARS])
    return Response(twiml_reply(messages), mimetype=TWIML)
