"""A TTY call over a Twilio Media Stream: Baudot audio in and out, on the same Conversation as voice calls.

`TtyStreamSession` takes the stream's messages one at a time (decoded JSON) and returns the messages to
send back. It never sleeps and never reads a clock: its clock is the caller's audio, which Twilio sends in
real time, 20 ms a message, whether or not the caller types.

- Lines. What the caller types is decoded by a `TtyModem` and gathered into a line. The line ends at CR or
  LF, at "GA" (or "SK") followed by a space or by a second without typing, after 3 seconds without typing,
  or at 300 characters; `text_event` makes it an event. DTMF keys gather apart from typing: at a menu one
  key answers, at an input the finish key, the longest answer or a 3-second pause ends them.
- Replies. The Conversation answers, `TextRenderer` writes the turn in TTY style, the modem turns it into
  audio, and all of it goes out at once as 20 ms media messages followed by a mark. Twilio buffers it and
  plays it at its own pace; Twilio sends the mark back when the audio before it has played.
- Echo. The line brings our own audio back. The modem mutes its receiver for as long as the audio takes to
  play, counted in the caller's audio from the moment it is sent, plus 300 ms. Twilio may start playing a
  little later than that, so text decoded while one of our marks is still out is dropped too, and the
  receiver stays muted for 300 ms after the last one comes back. TTY lines are half duplex: what a caller
  types over our text is not read, as on any TTY.
- Barge-in. A DTMF key while our text plays cuts it (`clear`), so a caller who knows the menu need not wait;
  the receiver starts afresh, as the old one would stay muted for audio that will not play.
- Silence. 30 seconds after our text has played with nothing typed is a no-input.
- The end. A turn that ends the call (SK) is sent, and the session is finished when its mark comes back,
  or, should Twilio not send it, 5 seconds after the audio should have played.

What the caller types is never logged: it may be a PIN.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Any, Final, Protocol

import numpy as np

from ivr.channels.text import MAX_TEXT, TextRenderer, text_event
from ivr.engine import PHONE_KEYS, CallState, DigitsEntered, Event, Gather, Hangup, NoInput, Say, Turn
from ivr.media.tty.demodulator import ECHO_GUARD_SECONDS, TtyModem
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.runtime.conversation import Caller, Conversation
from ivr.twilio.ids import twilio_sid

log = logging.getLogger(__name__)

SAMPLE_RATE: Final = 8000
FRAME_SAMPLES: Final = 160  # 20 ms of 8 kHz mu-law: one media message, as Twilio sends them
LINE_PAUSE_SECONDS: Final = 3.0
GA_PAUSE_SECONDS: Final = 1.0
NO_INPUT_SECONDS: Final = 30.0
MARK_GRACE_SECONDS: Final = 5.0
MAX_KEYS: Final = 32
MAX_PAYLOAD_CHARS: Final = 12_000  # about a second of audio in base64; Twilio sends 20 ms (216 characters)
TURN_WORDS: Final = frozenset({"GA", "SK", "SKSK"})

Message = dict[str, Any]


class StreamTickets(Protocol):
    """Who may start a stream: the ticket /tty/voice issued for the call (ivr.adapters.redis.stream_tickets)."""

    def redeem(self, ticket: object, call_id: str) -> Caller | None: ...


def _seconds(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def _ends_turn(line: str) -> bool:
    words = line.split()
    return bool(words) and words[-1].upper().rstrip(".?!") in TURN_WORDS


class TtyStreamSession:
    """One TTY call on one Media Stream. Feed it every message with `handle`; send what it returns; stop
    when `finished`; call `close` when the stream is over (it forgets the call's state)."""

    def __init__(self, conversation: Conversation, tickets: StreamTickets) -> None:
        self._conversation = conversation
        self._tickets = tickets
        self._modem = TtyModem(SAMPLE_RATE)
        self._clock = 0  # samples received by the modems before this one
        self.caller: Caller | None = None
        self.stream_sid: str | None = None
        self.finished = False
        self._closed = False
        self._state: CallState | None = None
        self._gather: Gather | None = None
        self._typed = ""
        self._typed_at = 0
        self._keys = ""
        self._keys_at = 0
        self._marks: set[str] = set()  # ours, sent and not yet back: our audio is still playing
        self._sent = 0
        self._cleared = False
        self._played_until = 0  # when, in samples received, the audio sent so far should have played
        self._listening_since: int | None = None
        self._ending = False

    @property
    def call_id(self) -> str | None:
        return self.caller.call_id if self.caller else None

    @property
    def _now(self) -> int:
        """Samples of the caller's audio received so far: the session's clock."""
        return self._clock + self._modem.decoder.time

    def handle(self, message: object) -> list[Message]:
        """The messages to send in answer to one message from Twilio (often none)."""
        if self.finished or not isinstance(message, Mapping):
            return []
        kind = message.get("event")
        if kind == "start":
            return self._start(message)
        if self.caller is None:
            return []
        if kind == "media":
            return self._media(message)
        if kind == "dtmf":
            return self._dtmf(message)
        if kind == "mark":
            return self._mark(message)
        if kind == "stop":
            self.finished = True
        return []

    def fail(self) -> list[Message]:
        """After an error: the flow's apology in every language and SK; the session ends once it has played."""
        if self.caller is None or self.stream_sid is None or self._ending:
            self.finished = True
            return []
        flow = self._conversation.flow_of(self._state) if self._state else self._conversation.flow
        state = CallState(self.caller.call_id, flow.version, flow.start, flow.default_language, ended=True)
        apology = tuple(Say(flow.defaults.apology, language=language) for language in flow.languages)
        return self._say(Turn(state, (*apology, Hangup())))

    def close(self) -> None:
        """The stream is over: forget the call's state (once)."""
        self.finished = True
        if self.caller is not None and not self._closed:
            self._closed = True
            self._conversation.end(self.caller.call_id)

    # -- Twilio's messages ------------------------------------------------------------------------

    def _start(self, message: Mapping[str, Any]) -> list[Message]:
        if self.caller is not None:
            return []
        start = message.get("start")
        start = start if isinstance(start, Mapping) else {}
        parameters = start.get("customParameters")
        parameters = parameters if isinstance(parameters, Mapping) else {}
        call_id = twilio_sid(start.get("callSid"))
        stream_sid = twilio_sid(start.get("streamSid") or message.get("streamSid"))
        media_format = start.get("mediaFormat")
        if isinstance(media_format, Mapping) and (
            media_format.get("encoding") != "audio/x-mulaw"
            or str(media_format.get("sampleRate")) != str(SAMPLE_RATE)
            or str(media_format.get("channels", 1)) != "1"
        ):
            log.warning("tty stream is not 8 kHz mono mu-law, closing", extra={"call_id": call_id})
            self.finished = True
            return []
        if call_id is None or stream_sid is None:
            log.warning("tty stream started without a valid call or stream id, closing")
            self.finished = True
            return []
        caller = self._tickets.redeem(parameters.get("ticket"), call_id)
        if caller is None:  # a replayed handshake, or a stream for a call that /tty/voice did not answer
            log.warning("tty stream without a valid ticket for its call, closing", extra={"call_id": call_id})
            self.finished = True
            return []
        self.stream_sid = stream_sid
        self.caller = caller
        log.info("tty stream started", extra={"call_id": call_id})
        return self._say(self._conversation.start(self.caller))

    def _media(self, message: Mapping[str, Any]) -> list[Message]:
        media = message.get("media")
        payload = media.get("payload") if isinstance(media, Mapping) else None
        if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_CHARS:
            return []
        try:
            audio = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return []
        text = self._modem.receive(ulaw_decode(audio))
        if self._marks:
            if self._now >= self._played_until + _seconds(MARK_GRACE_SECONDS):
                log.warning("tty stream: marks did not come back", extra={"call_id": self.call_id})
                self._marks.clear()
                self._played()
            return []  # our own text coming back, or typing over it
        replies: list[Message] = []
        for character in text:
            if self._marks:
                break  # a line ended and we answered: the rest is typed over our answer
            replies += self._character(character)
        if not self._marks:
            replies += self._pauses()
        return replies

    def _dtmf(self, message: Mapping[str, Any]) -> list[Message]:
        dtmf = message.get("dtmf")
        digit = dtmf.get("digit") if isinstance(dtmf, Mapping) else None
        if not isinstance(digit, str) or digit not in PHONE_KEYS or self._ending:
            return []
        finish = self._gather.finish_key if self._gather else None
        if digit == finish and not self._keys:
            return []  # a finish key after an answer that was already complete
        replies: list[Message] = []
        if self._marks and not self._cleared:
            replies.append({"event": "clear", "streamSid": self.stream_sid})
            self._cleared = True
            self._restart_receiver()
        if digit == finish:
            return replies + self._end_keys()
        self._keys += digit
        self._keys_at = self._now
        longest = self._gather.max_digits if self._gather else 1
        if len(self._keys) >= min(longest, MAX_KEYS):
            replies += self._end_keys()
        return replies

    def _mark(self, message: Mapping[str, Any]) -> list[Message]:
        mark = message.get("mark")
        name = mark.get("name") if isinstance(mark, Mapping) else None
        if name in self._marks:
            self._marks.discard(name)
            if not self._marks:
                self._played()
        return []

    # -- the caller's input -----------------------------------------------------------------------

    def _character(self, character: str) -> list[Message]:
        if character in "\r\n":
            return self._end_line() if self._typed.strip() else self._clear_typed()
        if character == "\a":
            return []
        if character == " " and _ends_turn(self._typed):
            return self._end_line()
        self._typed += character
        self._typed_at = self._now
        return self._end_line() if len(self._typed) >= MAX_TEXT else []

    def _pauses(self) -> list[Message]:
        now = self._now
        if self._typed:
            quiet = now - self._typed_at
            if quiet >= _seconds(LINE_PAUSE_SECONDS) or (
                _ends_turn(self._typed) and quiet >= _seconds(GA_PAUSE_SECONDS)
            ):
                return self._end_line() if self._typed.strip() else self._clear_typed()
        if self._keys and now - self._keys_at >= _seconds(LINE_PAUSE_SECONDS):
            return self._end_keys()
        if (
            not self._typed
            and not self._keys
            and self._listening_since is not None
            and now - self._listening_since >= _seconds(NO_INPUT_SECONDS)
        ):
            return self._answer(NoInput())
        return []

    def _clear_typed(self) -> list[Message]:
        self._typed = ""
        return []

    def _end_line(self) -> list[Message]:
        line, self._typed = self._typed, ""
        return self._answer(text_event(line))

    def _end_keys(self) -> list[Message]:
        keys, self._keys = self._keys, ""
        return self._answer(DigitsEntered(keys))

    def _answer(self, event: Event) -> list[Message]:
        if self.caller is None:
            return []
        self._listening_since = None
        return self._say(self._conversation.answer(self.caller, event))

    # -- our side ---------------------------------------------------------------------------------

    def _say(self, turn: Turn) -> list[Message]:
        self._state = turn.state
        gathers = [action for action in turn.actions if isinstance(action, Gather)]
        self._gather = gathers[-1] if gathers else None
        reply = TextRenderer(self._conversation.flow_of(turn.state), tty=True).render(turn)
        return self._transmit("\n" + reply.as_text(), ended=reply.ended)

    def _transmit(self, text: str, ended: bool) -> list[Message]:
        """Audio for `text` as media messages and a mark; the receiver is muted while it plays."""
        audio = self._modem.send(text)
        pcm = np.concatenate([audio, np.zeros(-audio.size % FRAME_SAMPLES, dtype=np.int16)])
        self._played_until = max(self._played_until, self._now) + pcm.size
        data = ulaw_encode(pcm)
        replies: list[Message] = [
            {
                "event": "media",
                "streamSid": self.stream_sid,
                "media": {"payload": base64.b64encode(data[i : i + FRAME_SAMPLES]).decode("ascii")},
            }
            for i in range(0, len(data), FRAME_SAMPLES)
        ]
        self._sent += 1
        name = f"{'end' if ended else 'turn'}-{self._sent}"
        self._marks.add(name)
        replies.append({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})
        self._typed = self._keys = ""
        self._cleared = False
        self._listening_since = None
        self._ending = self._ending or ended
        return replies

    def _restart_receiver(self) -> None:
        """After `clear` our audio stops early, but the modem stays muted until all of it would have played:
        a new modem listens instead (Twilio's marks, which come back on a clear, still gate the echo)."""
        self._clock = self._now
        self._modem = TtyModem(SAMPLE_RATE)
        self._played_until = self._now

    def _played(self) -> None:
        """Everything we sent has played: listen again after the echo guard, or finish after the last turn."""
        if self._ending:
            self.finished = True
            return
        self._modem.decoder.mute(_seconds(ECHO_GUARD_SECONDS))
        self._listening_since = self._now
