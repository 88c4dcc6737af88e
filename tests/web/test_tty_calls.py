"""TTY calls through the app: the /tty/voice webhook, and whole calls over a real WebSocket to a real server.

The server is werkzeug's, threaded, on a free port of 127.0.0.1; the client plays Twilio with simple-websocket:
the caller's Baudot audio goes in as media messages, as fast as they can be sent, and every turn we send is
"played" (its audio comes back as the line's echo, then its mark). Real Redis and databases, stopped clock.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import redis
from flask.testing import FlaskClient
from simple_websocket import Client, ConnectionClosed
from twilio.request_validator import RequestValidator

from ivr.media.tty.baudot import encode
from ivr.web.app import create_app
from tests.conftest import AUTH_TOKEN, PUBLIC, Live, close_app, signed_post
from tests.tty.test_stream import (
    CALL_SID,
    CALLER,
    FRAME,
    STREAM_SID,
    flat,
    media_message,
    mulaw_frames,
    silence,
    start_message,
    text_of,
)

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


class StreamCall:
    """Twilio's side of one TTY call's stream."""

    def __init__(self, ws: Any, ticket: str) -> None:
        self.ws = ws
        self.ticket = ticket

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def start(self) -> str:
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send(start_message(ticket=self.ticket))
        return self.listen()

    def listen(self) -> str:
        """Our next turn, up to its mark; then played as Twilio would: echoed back in full, then the mark."""
        audio = b""
        while True:
            raw = self.ws.receive(timeout=60)
            assert raw is not None, "no answer within a minute"
            message = json.loads(raw)
            assert message["streamSid"] == STREAM_SID
            if message["event"] == "media":
                audio += base64.b64decode(message["media"]["payload"])
            elif message["event"] == "mark":
                break
        for i in range(0, len(audio), FRAME):
            self.send(media_message(audio[i : i + FRAME]))
        self.send({"event": "mark", "streamSid": STREAM_SID, "mark": message["mark"]})
        return flat(text_of(audio))

    def audio(self, pcm: Any) -> None:
        for frame in mulaw_frames(pcm):
            self.send(media_message(frame))

    def type(self, text: str) -> str:
        """Read our GA, type `text`, and stay on the line (silent) until we answer."""
        self.audio(np.concatenate([silence(0.5), encode(text), silence(1.5)]))
        return self.listen()

    def press(self, keys: str) -> str:
        self.audio(silence(0.5))
        for key in keys:
            self.send(
                {"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"track": "inbound_track", "digit": key}}
            )
        self.audio(silence(0.5))
        return self.listen()


@contextlib.contextmanager
def stream_call(live: Live, ticket: str | None = None) -> Iterator[StreamCall]:
    ticket = answer_tty_call(live) if ticket is None else ticket
    signature = RequestValidator(AUTH_TOKEN).compute_signature(STREAM_URL, {})
    ws = Client.connect(f"ws://127.0.0.1:{live.port}/tty/stream", headers={"X-Twilio-Signature": signature})
    try:
        yield StreamCall(ws, ticket)
    finally:
        with contextlib.suppress(ConnectionClosed):
            ws.close()


def closed(call: StreamCall) -> bool:
    """Whether the server has ended the stream (nothing else may arrive before it does)."""
    try:
        extra = call.ws.receive(timeout=60)
    except ConnectionClosed:
        return True
    raise AssertionError(f"expected the stream to end, got {str(extra)[:100]}")


def test_a_tty_caller_signs_in_reads_the_balance_and_hangs_up(
    live: Live, redis_client: redis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with stream_call(live) as call:
        welcome = call.start()
        assert welcome.startswith("WELCOME TO CUSTOMER CONNECT")
        assert "PRESS 1 OR TYPE YES." in welcome and welcome.endswith(" GA")
        assert redis_client.exists(f"{redis_prefix}tty:{CALL_SID}")  # apart from voice calls' state
        assert "ENTER YOUR PARTICIPANT ID" in call.type("1 GA")
        assert "ENTER YOUR PIN" in call.type("1000000002 GA")
        assert "MAIN MENU" in call.type("1357 GA")
        balance = call.type("1 GA")
        assert "YOUR CURRENT BALANCE DUE IS $1,234.56." in balance
        assert "$400.00" in balance
        goodbye = call.press("9")  # keys work too
        assert goodbye.endswith(" SK")
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

    with stream_call(live) as call:
        call.start()
        monkeypatch.setattr(conversation, "answer", broken)
        heard = call.type("1 GA")
        assert "WE'RE SORRY, WE ARE HAVING TECHNICAL DIFFICULTIES" in heard
        assert "LO SENTIMOS" in heard and heard.endswith(" SK")
        assert closed(call)
    failures = [r for r in caplog.records if r.getMessage() == "tty turn failed"]
    assert failures and getattr(failures[0], "call_id", None) == CALL_SID
    monkeypatch.undo()
    with stream_call(live) as call:
        assert "PRESS 1 OR TYPE YES" in call.start()
