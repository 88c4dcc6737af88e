"""TTY calls through the app: the /tty/voice webhook, and whole calls over a real WebSocket to a real server.

The server is werkzeug's, threaded, on a free port of 127.0.0.1. The client is the TTY harness
(tests/tty/harness.py) over simple-websocket: Twilio's side of the stream, the line (our audio echoed
back, as late and as loud as a test says) and the caller's TTY, in stream time, sent a few times faster
than real time. The whole-call interoperability tests type with independent modems (minimodem, spandsp).
Real Redis and databases, stopped clock.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import redis
from flask.testing import FlaskClient
from simple_websocket import Client, ConnectionClosed  # type: ignore[import-untyped]  # simple-websocket ships no type information
from twilio.request_validator import RequestValidator

from ivr.web.app import create_app
from tests.conftest import AUTH_TOKEN, PUBLIC, Live, close_app, signed_post
from tests.tty.harness import CALL_SID, CALLER, FRAME, RATE, TtyCall, TwilioSide
from tests.tty.peers import minimodem_missing, spandsp_missing

STREAM_URL = "wss://ivr.example.org/tty/stream"


TICKET = re.compile(r'<Parameter name="ticket" value="([A-Za-z0-9_-]{32})" />')


def ticket_of(twiml: str) -> str:
    found = TICKET.search(twiml)
    assert found is not None, twiml
    return found.group(1)


def test_the_webhook_connects_the_call_to_a_stream_with_a_ticket_for_it(client: FlaskClient) -> None:
    response = signed_post(client, "/tty/voice", {"CallSid": CALL_SID, "From": CALLER})
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    twiml = response.get_data(as_text=True)
    ticket = ticket_of(twiml)
    assert twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        '<Stream url="wss://localhost/tty/stream">'  # wss: the only scheme Twilio connects a stream to
        f'<Parameter name="ticket" value="{ticket}" />'
        "</Stream></Connect><Hangup /></Response>"
    )
    assert CALLER not in twiml  # the caller id travels in the ticket, never through the stream
    again = signed_post(client, "/tty/voice", {"CallSid": CALL_SID, "From": CALLER}).get_data(as_text=True)
    assert ticket_of(again) != ticket


def test_the_stream_url_follows_the_public_base_url(app_config: dict[str, str]) -> None:
    app = create_app({**app_config, "PUBLIC_BASE_URL": PUBLIC})
    try:
        form = {"CallSid": CALL_SID}
        twiml = signed_post(app.test_client(), f"{PUBLIC}/tty/voice", form).get_data(as_text=True)
        assert f'<Stream url="{STREAM_URL}"><Parameter name="ticket" value="{ticket_of(twiml)}" />' in twiml
    finally:
        close_app(app)


def test_the_webhook_refuses_unsigned_or_malformed_calls(client: FlaskClient) -> None:
    assert client.post("/tty/voice", data={"CallSid": CALL_SID}).status_code == 403
    assert signed_post(client, "/tty/voice", {"CallSid": CALL_SID}, token="not-the-token").status_code == 403
    assert signed_post(client, "/tty/voice", {"CallSid": "CA 1; <x>"}).status_code == 400


def test_a_caller_id_with_control_characters_still_gives_twiml_that_parses(client: FlaskClient) -> None:
    response = signed_post(client, "/tty/voice", {"CallSid": CALL_SID, "From": "\x1b+1555\x00555\x080123"})
    assert response.status_code == 200
    ET.fromstring(response.data)  # noqa: S314 - TwiML from the app under test


# -- the WebSocket ------------------------------------------------------------------------------


def handshake(port: int, signature: str | None) -> int:
    """The status of a raw WebSocket upgrade request to /tty/stream."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
    }
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    try:
        connection.request("GET", "/tty/stream", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_only_a_handshake_signed_over_the_stream_url_is_accepted(live: Live) -> None:
    validator = RequestValidator(AUTH_TOKEN)
    assert handshake(live.port, None) == 403
    assert handshake(live.port, RequestValidator("not-the-token").compute_signature(STREAM_URL, {})) == 403
    assert handshake(live.port, validator.compute_signature(f"{PUBLIC}/tty/stream", {})) == 403  # not wss
    assert handshake(live.port, validator.compute_signature(STREAM_URL, {})) == 101


def answer_tty_call(live: Live, call_sid: str = CALL_SID) -> str:
    """Twilio's first step of a TTY call: /tty/voice, whose TwiML carries the stream's ticket."""
    form = {"CallSid": call_sid, "From": CALLER}
    return ticket_of(signed_post(live.app.test_client(), f"{PUBLIC}/tty/voice", form).get_data(as_text=True))


class WebSocketLine:
    """The harness's transport over a real WebSocket: each message is sent, and whatever the server has
    sent meanwhile is collected without waiting. Stream time runs at most `speed` times real time.

    The server writes each piece of its audio and the piece's mark in one go; what has arrived of a piece
    is handed on when its mark (or a clear) has arrived too, as it would reach Twilio together, so a test
    running faster than real time on a busy machine does not split a character in two."""

    def __init__(self, ws: Client, speed: float = 10.0) -> None:
        self.ws = ws
        self.closed = False
        self._speed = speed
        self._began = time.monotonic()
        self._media = 0
        self._held: list[str] = []

    def __call__(self, raw: str) -> list[str]:
        if self.closed:
            replies, self._held = self._held, []
            return replies
        if '"media"' in raw:  # pace: a media message is 20 ms of the call
            self._media += 1
            ahead = self._media * FRAME / RATE / self._speed - (time.monotonic() - self._began)
            if ahead > 0:
                time.sleep(ahead)
        try:
            self.ws.send(raw)
            while (reply := self.ws.receive(timeout=0)) is not None:
                self._held.append(reply if isinstance(reply, str) else reply.decode())
        except (ConnectionClosed, OSError):  # the client's reader may close the socket under a send
            self.closed = True
        whole = max((i + 1 for i, m in enumerate(self._held) if '"mark"' in m or '"clear"' in m), default=0)
        replies, self._held = self._held[:whole], self._held[whole:]
        return replies


@contextlib.contextmanager
def stream_call(live: Live, twilio: TwilioSide | None = None, speed: float = 10.0) -> Iterator[TtyCall]:
    """A TTY call's stream, its handshake signed as Twilio signs it, started with the ticket /tty/voice gave."""
    ticket = answer_tty_call(live)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(STREAM_URL, {})
    ws = Client.connect(f"ws://127.0.0.1:{live.port}/tty/stream", headers={"X-Twilio-Signature": signature})
    line = WebSocketLine(ws, speed)
    call = TtyCall(line, twilio)
    try:
        call.start(ticket)
        yield call
    finally:
        with contextlib.suppress(ConnectionClosed):
            ws.close()


def closed(call: TtyCall, limit: float = 10.0) -> bool:
    """Whether the server ends the stream within `limit` seconds of the call."""
    transport = call.transport
    assert isinstance(transport, WebSocketLine)
    for _ in range(round(limit * RATE / FRAME)):
        if transport.closed:
            return True
        call.tick()
    return transport.closed


FIRST_MENU = "CHILD SUPPORT ESPANOL 9 PARENT? 1 YES 2 NO GA"


def test_a_tty_caller_signs_in_reads_the_balance_and_hangs_up(
    live: Live, redis_client: redis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with stream_call(live, speed=8.0) as call:
        assert call.read() == FIRST_MENU
        assert redis_client.exists(f"{redis_prefix}tty:{CALL_SID}")  # apart from voice calls' state
        assert call.answer("1 GA") == "ENTER YOUR PARTICIPANT ID OR SSN GA"
        assert call.answer("1000000002 GA") == "ENTER YOUR PIN. GA"
        assert call.answer("1357 GA").startswith("THANK YOU. YOU ARE SIGNED IN. MAIN MENU")
        balance = call.answer("1 GA")
        assert "YOUR CURRENT BALANCE DUE IS $1,234.56." in balance
        assert "$400.00" in balance
        call.press("9")  # keys work too
        assert call.read().endswith(" SK")
        assert closed(call)
    assert not redis_client.exists(f"{redis_prefix}tty:{CALL_SID}")
    for secret in ("1357", "1000000002"):
        assert secret not in caplog.text


def test_a_failure_mid_call_is_apologised_for_and_the_server_carries_on(
    live: Live, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = live.app.extensions["ivr"].tty_conversation

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the call store is gone")

    with stream_call(live, speed=8.0) as call:
        call.read()
        monkeypatch.setattr(conversation, "answer", broken)
        heard = call.answer("1 GA")
        assert "WE'RE SORRY, WE ARE HAVING TECHNICAL DIFFICULTIES" in heard
        assert "LO SENTIMOS" in heard and heard.endswith(" SK")
        assert closed(call)
    failures = [r for r in caplog.records if r.getMessage() == "tty turn failed"]
    assert failures and getattr(failures[0], "call_id", None) == CALL_SID
    monkeypatch.undo()
    with stream_call(live, speed=8.0) as call:
        assert call.read() == FIRST_MENU


# -- interoperability: whole calls typed on independent TTY modems ------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the modems are tested, not SQL
@pytest.mark.parametrize(
    ("peer", "echo_delay"),
    [
        ("minimodem", 0.8),  # unshifts on space; the latest echo
        ("spandsp", 0.0),  # keeps its shift; echo at once
        ("spandsp-usos", 0.4),  # spandsp's modulator, a sender that unshifts on space
    ],
)
def test_a_caller_on_an_independent_tty_signs_in_and_reads_the_balance(
    live: Live, peer: str, echo_delay: float
) -> None:
    """A signed call (the handshake signed over the stream URL, the stream bound by /tty/voice's ticket)
    in which every character the caller types comes from another implementation's modem, and our audio
    comes back on the line `echo_delay` seconds late, 6 dB down."""
    missing = minimodem_missing() if peer == "minimodem" else spandsp_missing()
    if missing:
        pytest.skip(missing)
    twilio = TwilioSide(echo_delay=echo_delay, echo_db=-6.0)
    with stream_call(live, twilio) as call:
        assert call.read() == FIRST_MENU
        assert call.answer("1 GA", peer=peer, after=1.0) == "ENTER YOUR PARTICIPANT ID OR SSN GA"
        assert call.answer("1000000002 GA", peer=peer, after=1.0) == "ENTER YOUR PIN. GA"
        assert call.answer("1357 GA", peer=peer, after=1.0).startswith("THANK YOU. YOU ARE SIGNED IN.")
        balance = call.answer("1 GA", peer=peer, after=1.0)
        assert "YOUR CURRENT BALANCE DUE IS $1,234.56." in balance
        assert call.answer("9 GA", peer=peer, after=1.0).endswith(" SK")
        assert closed(call)
