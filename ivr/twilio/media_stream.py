"""Twilio Media Streams, both ways: the one place that knows their JSON messages.

`MediaStreamSerializer` turns the messages Twilio sends on a bidirectional stream (`connected`, `start`,
`media`, `dtmf`, `mark`, `stop`) into the session's frames (`ivr.channels.stream_frames`), and the
session's frames into the messages Twilio takes (`media`, `mark`, `clear`). Everything Twilio-shaped is
checked here, before it reaches the session: the call and stream ids, the audio format, base64, the
stream id on every message, sizes. One serializer serves one stream.

Twilio's documentation of these messages: https://www.twilio.com/docs/voice/media-streams/websocket-messages

- `start` (#start-message) carries `callSid`, `streamSid`, `customParameters` (our `<Parameter>`s, see
  https://www.twilio.com/docs/voice/twiml/stream#custom-parameters) and `mediaFormat`, which for a
  bidirectional stream is `audio/x-mulaw` at 8000 Hz, one channel: anything else is refused.
- `media` (#media-message) carries 20 ms of the caller's audio as base64 mu-law, with `chunk` (counting
  messages from 1) and `timestamp` (milliseconds since the stream started). The timestamps are the
  stream's clock: should audio ever be missing between two messages, the gap is filled with silence, so
  the session's clock and the TTY receiver's bit timing stay right and a lost frame costs no more than
  the character it falls in.
- `dtmf` (#dtmf-message): one key the caller pressed.
- `mark` (#mark-message): a mark we sent, returned when the audio sent before it has played; a `clear`
  also returns the marks still waiting.
- `stop` (#stop-message): the stream is over.
- We send `media` (#send-a-media-message: base64 mu-law, 8000 Hz, no file header; we cut it into 20 ms
  messages), `mark` (#send-a-mark-message) after audio, and `clear` (#send-a-clear-message), which drops
  the audio Twilio holds for the stream and has not played.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import numpy as np

from ivr.channels.stream_frames import (
    SAMPLE_RATE,
    CallerAudio,
    ClearAudio,
    InFrame,
    KeyPressed,
    OutFrame,
    PlayAudio,
    Played,
    PlayMark,
    StreamRefused,
    StreamStarted,
    StreamStopped,
)
from ivr.engine import PHONE_KEYS
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.twilio.ids import twilio_sid

log = logging.getLogger(__name__)

FRAME_SAMPLES: Final = 160  # 20 ms of 8 kHz mu-law: one media message, as Twilio sends them
MAX_MESSAGE_CHARS: Final = 64_000  # a media message is about 300 characters; a start, well under 4,000
MAX_PAYLOAD_CHARS: Final = 12_000  # about a second of audio in base64
MAX_GAP_SAMPLES: Final = 5 * SAMPLE_RATE  # the most silence one gap in the timestamps may add
MAX_MARK_NAME: Final = 64
MAX_PARAMETERS: Final = 16
MAX_PARAMETER_CHARS: Final = 256
MULAW: Final = "audio/x-mulaw"


class MediaStreamSerializer:
    """One Media Stream: `deserialize` each message Twilio sends, `serialize` each frame to send."""

    def __init__(self) -> None:
        self.stream_sid: str | None = None
        self._next_ms: float | None = None  # where the next media message's audio should start

    def deserialize(self, raw: str | bytes) -> InFrame | None:
        """The frame one message from Twilio stands for; None for what the session need not see
        (`connected`, a second `start`, anything malformed, a message for another stream)."""
        if len(raw) > MAX_MESSAGE_CHARS:
            return None
        try:
            message: Any = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(message, Mapping):
            return None
        kind = message.get("event")
        if kind == "start":
            return self._start(message) if self.stream_sid is None else None
        if self.stream_sid is None:
            return None
        sid = message.get("streamSid")
        if sid is not None and sid != self.stream_sid:
            return None  # every message names its stream: only this one's are ours
        if kind == "media":
            return self._media(_part(message, "media"))
        if kind == "dtmf":
            digit = _part(message, "dtmf").get("digit")
            return KeyPressed(digit) if isinstance(digit, str) and digit in PHONE_KEYS else None
        if kind == "mark":
            name = _part(message, "mark").get("name")
            return Played(name) if isinstance(name, str) and 0 < len(name) <= MAX_MARK_NAME else None
        if kind == "stop":
            return StreamStopped()
        return None

    def serialize(self, frame: OutFrame) -> list[str]:
        """The messages that send `frame` to Twilio (none before the stream has started)."""
        if self.stream_sid is None:
            return []
        if isinstance(frame, PlayAudio):
            data = ulaw_encode(frame.pcm)  # in 20 ms messages; the last may be shorter, never padded
            return [
                _json(
                    {
                        "event": "media",
                        "streamSid": self.stream_sid,
                        "media": {"payload": base64.b64encode(data[i : i + FRAME_SAMPLES]).decode("ascii")},
                    }
                )
                for i in range(0, len(data), FRAME_SAMPLES)
            ]
        if isinstance(frame, PlayMark):
            return [_json({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": frame.name}})]
        if isinstance(frame, ClearAudio):
            return [_json({"event": "clear", "streamSid": self.stream_sid})]
        return []

    def _start(self, message: Mapping[str, Any]) -> InFrame:
        start = _part(message, "start")
        call_id = twilio_sid(start.get("callSid"))
        stream_sid = twilio_sid(start.get("streamSid") or message.get("streamSid"))
        media_format = start.get("mediaFormat")
        if isinstance(media_format, Mapping) and (
            media_format.get("encoding") != MULAW
            or str(media_format.get("sampleRate")) != str(SAMPLE_RATE)
            or str(media_format.get("channels", 1)) != "1"
        ):
            return StreamRefused("the stream's audio is not 8 kHz mono mu-law")
        if call_id is None or stream_sid is None:
            return StreamRefused("the stream has no valid call or stream id")
        self.stream_sid = stream_sid
        return StreamStarted(call_id, stream_sid, _parameters(start.get("customParameters")))

    def _media(self, media: Mapping[str, Any]) -> InFrame | None:
        if media.get("track", "inbound") != "inbound":
            return None
        payload = media.get("payload")
        if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
            return None
        try:
            audio = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return None
        pcm = ulaw_decode(audio)
        gap = self._gap(media.get("timestamp"), pcm.size)
        if gap:
            pcm = np.concatenate([np.zeros(gap, dtype=np.int16), pcm])
        return CallerAudio(pcm)

    def _gap(self, timestamp: object, samples: int) -> int:
        """Samples of audio missing before this message, by its timestamp (none when it has none)."""
        try:
            now = float(str(timestamp))
        except ValueError:
            return 0
        expected, self._next_ms = self._next_ms, now + samples * 1000 / SAMPLE_RATE
        if expected is None or now - expected < 10:  # within half a message: no gap
            return 0
        missing = round((now - expected) * SAMPLE_RATE / 1000)
        log.info("media stream: audio missing, filled with silence", extra={"samples": missing})
        return min(missing, MAX_GAP_SAMPLES)


def _part(message: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    part = message.get(name)
    return part if isinstance(part, Mapping) else {}


def _parameters(raw: object) -> Mapping[str, str]:
    """The stream's custom parameters: text names and values only, a few, not long."""
    if not isinstance(raw, Mapping):
        return MappingProxyType({})
    kept = {
        name: value
        for name, value in list(raw.items())[:MAX_PARAMETERS]
        if isinstance(name, str) and isinstance(value, str) and len(value) <= MAX_PARAMETER_CHARS
    }
    return MappingProxyType(kept)


def _json(message: Mapping[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))
