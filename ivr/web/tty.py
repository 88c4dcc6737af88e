"""The TTY phone line: POST /tty/voice answers with a Media Stream, and the WebSocket /tty/stream serves it.

Twilio does not speak Baudot, so the TTY number's call is connected to a bidirectional Media Stream and
the modem runs here: the same flow, engine and call state as voice calls. This module only joins the
socket to the two layers that do the work: `MediaStreamSerializer` (ivr.twilio.media_stream) reads and
writes Twilio's messages, `TtyCallSession` (ivr.channels.tty_session) is the call.
Both are signed by Twilio: the webhook like every voice route, the WebSocket handshake over its ws(s) URL
with no parameters. An unsigned handshake gets a 403 before it is upgraded; a signed one still starts no
call without the one-use ticket /tty/voice issued for that very call (ivr.stream_tickets). TTY calls keep
their state apart from voice calls (``tty:`` keys), so a stream can never touch a voice call's state.
"""

from __future__ import annotations

import logging
from typing import Protocol

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_sock import Sock  # type: ignore[import-untyped]  # flask-sock ships no type information
from simple_websocket import ConnectionClosed  # type: ignore[import-untyped]  # nor does simple-websocket
from werkzeug.exceptions import HTTPException

from ivr.adapters.redis.stream_tickets import TICKET_PARAMETER
from ivr.channels.stream_frames import InFrame, OutFrame
from ivr.channels.tty_session import TtyCallSession
from ivr.twilio.media_stream import MediaStreamSerializer
from ivr.twilio.twiml import TWIML, hang_up_answer, media_stream_answer
from ivr.web.services import services
from ivr.web.signature import public_base, require_twilio_signature, twilio_signed
from ivr.web.voice import logged_call_id, twilio_caller

log = logging.getLogger(__name__)

tty = Blueprint("tty", __name__, url_prefix="/tty")
sock = Sock()

STREAM_PATH = "/tty/stream"
IDLE_SECONDS = 30.0  # Twilio sends audio every 20 ms: a stream silent this long is gone


class _Socket(Protocol):
    def receive(self, timeout: float | None = None) -> str | bytes | None: ...

    def send(self, data: str | bytes) -> None: ...


def stream_url() -> str:
    """The WebSocket URL Twilio connects to (and signs): PUBLIC_BASE_URL or this request's host, always as
    wss, the only scheme a <Stream> url takes (https://www.twilio.com/docs/voice/twiml/stream#attributes-url),
    even when a proxy in front passed the request on as http."""
    _, _, rest = public_base().partition("://")
    return f"wss://{rest}{STREAM_PATH}"


@tty.errorhandler(Exception)
def hang_up(error: Exception) -> ResponseReturnValue:
    """A failure before the stream starts: hang up rather than answer a 500 (a TTY cannot hear an apology)."""
    if isinstance(error, HTTPException):
        return error.get_response()
    log.exception("tty call failed", extra={"call_id": logged_call_id()})
    return Response(hang_up_answer(), mimetype=TWIML)


@tty.post("/voice")
@twilio_signed
def incoming() -> Response:
    # From goes into the TwiML: XML cannot carry control characters, and twilio_caller keeps none.
    caller = twilio_caller("tty")
    ticket = services().stream_tickets.issue(caller)
    # the stream closes when the call's last turn has played; the ticket comes back in its start message
    return Response(media_stream_answer(stream_url(), {TICKET_PARAMETER: ticket}), mimetype=TWIML)


@tty.before_request
def signed_handshake() -> None:
    """The WebSocket handshake must carry Twilio's signature of the stream URL, checked before upgrading."""
    if request.endpoint == "tty.stream":
        require_twilio_signature(stream_url(), {})


def stream(ws: _Socket) -> None:
    """One TTY call: Twilio's messages in, ours out, until the call ends or the stream stops."""
    ivr = services()
    session = TtyCallSession(ivr.tty_conversation, ivr.stream_tickets)
    serializer = MediaStreamSerializer()
    try:
        while not session.finished:
            raw = ws.receive(timeout=IDLE_SECONDS)
            if raw is None:
                log.warning("tty stream went quiet, closing", extra={"call_id": session.call_id})
                break
            for message in respond(serializer, session, raw):
                ws.send(message)
    except ConnectionClosed:
        pass  # the call hung up
    except Exception:  # a broken socket must not take the server with it
        log.exception("tty stream failed", extra={"call_id": session.call_id})
    finally:
        try:
            session.close()
        except Exception:  # the call state expires by itself
            log.exception("could not forget the tty call's state", extra={"call_id": session.call_id})


sock.route("/stream", bp=tty)(stream)


def respond(serializer: MediaStreamSerializer, session: TtyCallSession, raw: str | bytes) -> list[str]:
    """The messages to send Twilio in answer to one of its messages."""
    frame = serializer.deserialize(raw)
    if frame is None:
        return []
    return [message for out in _answer(session, frame) for message in serializer.serialize(out)]


def _answer(session: TtyCallSession, frame: InFrame) -> list[OutFrame]:
    """What to send for one frame; after a failure, the apology (and the session ends once it has played)."""
    try:
        return session.handle(frame)
    except Exception:
        log.exception("tty turn failed", extra={"call_id": session.call_id})
    try:
        return session.fail()
    except Exception:
        log.exception("could not apologise to the tty caller", extra={"call_id": session.call_id})
        session.finished = True
        return []
