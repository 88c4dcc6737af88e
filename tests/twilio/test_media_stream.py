"""Twilio's Media Stream messages, both ways, and everything malformed or foreign that must not reach a call
(https://www.twilio.com/docs/voice/media-streams/websocket-messages)."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

from ivr.channels.stream_frames import (
    CallerAudio,
    ClearAudio,
    KeyPressed,
    PlayAudio,
    Played,
    PlayMark,
    StreamRefused,
    StreamStarted,
    StreamStopped,
)
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.twilio.media_stream import MAX_GAP_SAMPLES, MediaStreamSerializer

CALL_SID = "CA" + "5" * 32
STREAM_SID = "MZ" + "7" * 32


def start(**fields: Any) -> str:
    body = {
        "accountSid": "AC" + "0" * 32,
        "streamSid": STREAM_SID,
        "callSid": CALL_SID,
        "tracks": ["inbound"],
        "customParameters": {"ticket": "t-1"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        **fields,
    }
    return json.dumps({"event": "start", "sequenceNumber": "1", "start": body, "streamSid": STREAM_SID})


def media(data: bytes, chunk: int | None = None, timestamp: int | None = None, **fields: Any) -> str:
    body: dict[str, Any] = {"track": "inbound", "payload": base64.b64encode(data).decode()}
    if chunk is not None:
        body["chunk"] = str(chunk)
    if timestamp is not None:
        body["timestamp"] = str(timestamp)
    return json.dumps({"event": "media", "streamSid": STREAM_SID, "media": body, **fields})


@pytest.fixture
def started() -> MediaStreamSerializer:
    serializer = MediaStreamSerializer()
    frame = serializer.deserialize(start())
    assert frame == StreamStarted(CALL_SID, STREAM_SID, {"ticket": "t-1"})
    return serializer


def test_every_message_twilio_sends_becomes_a_frame(started: MediaStreamSerializer) -> None:
    pcm = (np.sin(np.arange(160) / 3) * 8000).astype(np.int16)
    frame = started.deserialize(media(ulaw_encode(pcm), 1, 0))
    assert isinstance(frame, CallerAudio)
    assert np.array_equal(frame.pcm, ulaw_decode(ulaw_encode(pcm)))
    dtmf = {"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"track": "inbound_track", "digit": "7"}}
    assert started.deserialize(json.dumps(dtmf)) == KeyPressed("7")
    mark = {"event": "mark", "streamSid": STREAM_SID, "mark": {"name": "b1.0"}}
    assert started.deserialize(json.dumps(mark)) == Played("b1.0")
    assert started.deserialize(json.dumps({"event": "stop", "streamSid": STREAM_SID})) == StreamStopped()
    assert (
        started.deserialize(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        is None
    )


def test_our_frames_become_twilios_messages_in_20_ms_pieces(started: MediaStreamSerializer) -> None:
    pcm = (np.sin(np.arange(400) / 5) * 8000).astype(np.int16)
    messages = [json.loads(m) for m in started.serialize(PlayAudio(pcm))]
    assert [len(base64.b64decode(m["media"]["payload"])) for m in messages] == [160, 160, 80]  # never padded
    assert all(m["event"] == "media" and m["streamSid"] == STREAM_SID for m in messages)
    audio = b"".join(base64.b64decode(m["media"]["payload"]) for m in messages)
    assert audio == ulaw_encode(pcm)
    assert [json.loads(m) for m in started.serialize(PlayMark("b1.0"))] == [
        {"event": "mark", "streamSid": STREAM_SID, "mark": {"name": "b1.0"}}
    ]
    assert [json.loads(m) for m in started.serialize(ClearAudio())] == [
        {"event": "clear", "streamSid": STREAM_SID}
    ]


def test_nothing_is_sent_or_read_before_the_stream_starts() -> None:
    serializer = MediaStreamSerializer()
    assert serializer.serialize(PlayMark("x")) == []
    assert serializer.deserialize(media(b"\xff" * 160)) is None
    assert serializer.deserialize(json.dumps({"event": "stop"})) is None


def test_a_gap_in_the_timestamps_is_filled_with_silence(started: MediaStreamSerializer) -> None:
    """Two media messages that never arrived (timestamps 0, 20, then 80): the next one brings 40 ms of
    silence first, so the session's clock and the modem's bit timing stay those of the call."""
    tone = ulaw_encode(np.full(160, 4000, dtype=np.int16))
    for chunk, timestamp in ((1, 0), (2, 20)):
        frame = started.deserialize(media(tone, chunk, timestamp))
        assert isinstance(frame, CallerAudio) and frame.pcm.size == 160
    frame = started.deserialize(media(tone, 5, 80))
    assert isinstance(frame, CallerAudio) and frame.pcm.size == 320 + 160
    assert not frame.pcm[:320].any() and frame.pcm[320:].all()
    frame = started.deserialize(media(tone, 6, 100))  # on time again
    assert isinstance(frame, CallerAudio) and frame.pcm.size == 160
    frame = started.deserialize(media(tone, 7, 10**9))  # a timestamp from nowhere: bounded
    assert isinstance(frame, CallerAudio) and frame.pcm.size == 160 + MAX_GAP_SAMPLES


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        json.dumps({"event": "media", "streamSid": STREAM_SID, "media": {"payload": "not base64!"}}),
        json.dumps({"event": "media", "streamSid": STREAM_SID, "media": {"payload": "A" * 20_000}}),
        json.dumps({"event": "media", "streamSid": STREAM_SID, "media": {"payload": ""}}),
        json.dumps({"event": "media", "streamSid": STREAM_SID, "media": "nothing"}),
        json.dumps(
            {"event": "media", "streamSid": STREAM_SID, "media": {"track": "outbound", "payload": "AAAA"}}
        ),
        media(b"\xff" * 160, streamSid="MZ" + "1" * 32),  # another stream's
        json.dumps({"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"digit": "A"}}),
        json.dumps({"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"digit": "12"}}),
        json.dumps({"event": "mark", "streamSid": STREAM_SID, "mark": {"name": ""}}),
        json.dumps({"event": "mark", "streamSid": STREAM_SID, "mark": {"name": "x" * 65}}),
        json.dumps({"event": "unknown", "streamSid": STREAM_SID}),
        "x" * 70_000,
        start(),  # one start per stream
    ],
)
def test_what_is_malformed_or_foreign_is_dropped(started: MediaStreamSerializer, message: str) -> None:
    assert started.deserialize(message) is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"callSid": "CA 1; DROP"}, "no valid call or stream id"),
        ({"callSid": ""}, "no valid call or stream id"),
        ({"streamSid": "x" * 65}, "no valid call or stream id"),
        ({"callSid": "CA\u0661\u0662"}, "no valid call or stream id"),  # alphanumeric to Python only
        (
            {"mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1}},
            "not 8 kHz mono mu-law",
        ),
        (
            {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 2}},
            "not 8 kHz mono mu-law",
        ),
    ],
)
def test_a_start_we_cannot_serve_is_refused(fields: dict[str, Any], reason: str) -> None:
    serializer = MediaStreamSerializer()
    frame = serializer.deserialize(start(**fields))
    assert isinstance(frame, StreamRefused) and reason in frame.reason
    assert serializer.stream_sid is None


def test_only_short_text_parameters_are_kept() -> None:
    serializer = MediaStreamSerializer()
    frame = serializer.deserialize(start(customParameters={"ticket": "t", "n": 5, "long": "x" * 300}))
    assert isinstance(frame, StreamStarted) and dict(frame.parameters) == {"ticket": "t"}
