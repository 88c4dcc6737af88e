"""A test harness for TTY calls: Twilio's side of a Media Stream, the line behind it and the caller's TTY.

Test support, not a test. `TwilioSide` plays what Twilio and the telephone line do, 20 ms at a time, in
stream time (not wall-clock time): each `tick` it plays one 20 ms frame of the audio the server sent
(returning the server's marks as their audio finishes, and all waiting marks at a `clear`, as Twilio
does), shows it on the caller's TTY screen (our own receiver, as a TTY would print it), returns it to the
server as the line's echo (`echo_delay` seconds late, `echo_db` quieter; none by default) mixed with the
caller's typing, and sends that as a `media` message with Twilio's `chunk` and `timestamp`.

`TtyCall` drives a `TwilioSide` against a server: in process (`in_process`: the same serializer and
session the WebSocket serves, through `ivr.web.tty.respond`), or over a real WebSocket (`WebSocketLine`
in tests/web/test_tty_calls.py). A test starts the call, reads what the caller's screen shows up to our
GA (`read`), types as a TTY caller would (`type`, our encoder or an independent modem from
tests/tty/peers.py), presses keys, waits, and asserts on the screen, on the messages the server sent, and
on the call's state.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ivr.adapters.redis.stream_tickets import RedisStreamTickets
from ivr.channels.tty_session import TtyCallSession
from ivr.media.tty.baudot import encode
from ivr.media.tty.demodulator import BaudotDecoder
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.runtime.conversation import Caller, Conversation
from ivr.twilio.media_stream import MediaStreamSerializer
from ivr.web.tty import respond
from tests.tty.peers import caller_audio

CALL_SID: Final = "CA" + "5" * 32
STREAM_SID: Final = "MZ" + "7" * 32
CALLER: Final = "+15555550123"
RATE: Final = 8000
FRAME: Final = 160  # samples, and bytes of mu-law: 20 ms

Pcm = npt.NDArray[np.int16]
Message = dict[str, Any]


def start_message(
    call_sid: str = CALL_SID, stream_sid: str = STREAM_SID, ticket: str = "", **start: Any
) -> Message:
    """Twilio's start message, with the parameter /tty/voice passes: the stream's ticket."""
    body = {
        "accountSid": "AC" + "0" * 32,
        "streamSid": stream_sid,
        "callSid": call_sid,
        "tracks": ["inbound"],
        "customParameters": {"ticket": ticket},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        **start,
    }
    return {"event": "start", "sequenceNumber": "1", "start": body, "streamSid": stream_sid}


def media_message(data: bytes, stream_sid: str = STREAM_SID, chunk: int | None = None) -> Message:
    media: dict[str, Any] = {"track": "inbound", "payload": base64.b64encode(data).decode("ascii")}
    if chunk is not None:
        media |= {"chunk": str(chunk), "timestamp": str((chunk - 1) * 20)}
    return {"event": "media", "streamSid": stream_sid, "media": media}


def silence(seconds: float) -> Pcm:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def flat(text: str) -> str:
    return " ".join(text.split())


class TwilioSide:
    """Twilio, the line and the caller's TTY for one stream (see the module's docstring)."""

    def __init__(
        self,
        *,
        echo_delay: float | None = None,
        echo_db: float = -10.0,
        latency: float = 0.0,
        stream_sid: str = STREAM_SID,
    ) -> None:
        self.stream_sid = stream_sid
        self.echo_delay = echo_delay
        self.echo_gain = 10 ** (echo_db / 20)
        self.latency_ticks = round(latency * RATE / FRAME)
        self.ticks = 0
        self.sent: list[tuple[int, Message]] = []  # (tick, message) the server sent, in order
        self.screen = ""  # what the caller's TTY has printed
        self.sent_ours = 0  # samples of audio the server sent
        self.played_ours = 0  # samples of it played
        self.return_marks = True  # False: Twilio plays our audio but never says so
        self._arriving: deque[tuple[int, Message]] = deque()  # server messages on their way to Twilio
        self._buffer: deque[Pcm | str] = deque()  # audio frames and mark names, in order
        self._returned: list[str] = []  # marks to send back
        self._played: list[Pcm] = []
        self._caller: deque[Pcm] = deque()  # the caller's audio, a frame a tick
        self._zeroed: set[int] = set()  # ticks whose caller frame is lost (zeros)
        self._missing: set[int] = set()  # ticks whose media message never arrives
        self._tty = BaudotDecoder(RATE)

    # -- from the server ----------------------------------------------------------------------------

    def take(self, raw: str) -> None:
        message = json.loads(raw)
        self.sent.append((self.ticks, message))
        if message["event"] == "media":
            self.sent_ours += len(base64.b64decode(message["media"]["payload"]))
        self._arriving.append((self.ticks + self.latency_ticks, message))

    def _arrive(self) -> None:
        while self._arriving and self._arriving[0][0] <= self.ticks:
            message = self._arriving.popleft()[1]
            assert message["streamSid"] == self.stream_sid
            if message["event"] == "media":
                self._buffer.append(ulaw_decode(base64.b64decode(message["media"]["payload"])))
            elif message["event"] == "mark":
                self._buffer.append(message["mark"]["name"])
            elif message["event"] == "clear":
                self._returned += [item for item in self._buffer if isinstance(item, str)]
                self._buffer.clear()

    @property
    def idle(self) -> bool:
        """Nothing of ours waiting to play or on its way."""
        return not self._buffer and not self._arriving

    # -- the caller ---------------------------------------------------------------------------------

    def queue(self, pcm: npt.ArrayLike, *, zeroed: Iterable[int] = (), missing: Iterable[int] = ()) -> None:
        """The caller's audio, after what is queued already; `zeroed` and `missing` are frames of it that
        the network loses: sent as zeros, or never sent at all."""
        first = self.ticks + len(self._caller)
        samples = np.asarray(pcm, dtype=np.int16)
        samples = np.concatenate([samples, np.zeros(-samples.size % FRAME, dtype=np.int16)])
        self._caller.extend(samples[i : i + FRAME] for i in range(0, samples.size, FRAME))
        self._zeroed |= {first + i for i in zeroed}
        self._missing |= {first + i for i in missing}

    @property
    def typing(self) -> bool:
        return bool(self._caller)

    # -- time ---------------------------------------------------------------------------------------

    def tick(self) -> list[str]:
        """20 ms: play a frame of ours, send a frame of the caller's line; the messages Twilio sends."""
        self._arrive()
        marks, self._returned = self._returned, []
        pieces: list[Pcm] = []
        need = FRAME
        while self._buffer and (need or isinstance(self._buffer[0], str)):
            head = self._buffer.popleft()
            if isinstance(head, str):
                marks.append(head)  # the audio before it has played
                continue
            pieces.append(head[:need])
            if head.size > need:
                self._buffer.appendleft(head[need:])
            need -= min(need, head.size)
        self.played_ours += FRAME - need
        frame = np.concatenate([*pieces, np.zeros(need, dtype=np.int16)])
        self._played.append(frame)
        self.screen += self._tty.feed(frame)
        line = np.zeros(FRAME)
        if self.echo_delay is not None:
            line += self._echo(round(self.echo_delay * RATE)) * self.echo_gain
        if self._caller:
            caller = self._caller.popleft()
            if self.ticks not in self._zeroed:
                line += caller
        self.ticks += 1
        messages = []
        if self.ticks - 1 not in self._missing:
            data = ulaw_encode(np.round(line))
            messages.append(json.dumps(media_message(data, self.stream_sid, self.ticks)))
        if self.return_marks:
            messages += [
                json.dumps({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": m}})
                for m in marks
            ]
        return messages

    def _echo(self, delay: int) -> npt.NDArray[np.float64]:
        """The frame of our audio played `delay` samples before the one playing now."""
        begin = self.ticks * FRAME - delay
        if begin + FRAME <= 0:
            return np.zeros(FRAME)
        first, last = max(begin, 0) // FRAME, (begin + FRAME - 1) // FRAME
        played = np.concatenate(self._played[first : last + 1]).astype(np.float64)
        before = max(0, -begin)
        start = max(begin, 0) - first * FRAME
        return np.concatenate([np.zeros(before), played[start : start + FRAME - before]])

    def played_audio(self) -> Pcm:
        """Everything the caller's line has carried from us, silence included."""
        return np.concatenate(self._played) if self._played else np.zeros(0, dtype=np.int16)


Transport = Callable[[str], list[str]]
"""Sends one message to the server; returns what the server has sent since."""


def in_process(conversation: Conversation, tickets: RedisStreamTickets) -> tuple[Transport, TtyCallSession]:
    """The server's side of one stream without a socket: the serializer and the session, as served."""
    serializer = MediaStreamSerializer()
    session = TtyCallSession(conversation, tickets)
    return (lambda raw: respond(serializer, session, raw)), session


def ticket_for(tickets: RedisStreamTickets, call_sid: str = CALL_SID) -> str:
    return tickets.issue(Caller(call_sid, "tty", CALLER))


class TtyCall:
    """One TTY call: a `TwilioSide` driven against a server through `transport`."""

    def __init__(self, transport: Transport, twilio: TwilioSide | None = None) -> None:
        self.transport = transport
        self.twilio = twilio or TwilioSide()
        self._read_to = 0  # how much of the screen `read` has returned

    def send(self, message: Message | str) -> list[Message]:
        raw = message if isinstance(message, str) else json.dumps(message)
        replies = self.transport(raw)
        for reply in replies:
            self.twilio.take(reply)
        return [json.loads(reply) for reply in replies]

    def start(self, ticket: str, **start: Any) -> list[Message]:
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        return self.send(start_message(ticket=ticket, stream_sid=self.twilio.stream_sid, **start))

    def tick(self) -> list[Message]:
        """20 ms of the call; what the server sent meanwhile."""
        return [reply for message in self.twilio.tick() for reply in self.send(message)]

    def run(self, seconds: float) -> list[Message]:
        return [reply for _ in range(round(seconds * RATE / FRAME)) for reply in self.tick()]

    def read(self, limit: float = 120.0) -> str:
        """Wait until the caller's screen shows our next GA or SK and all our audio has played; what it
        showed since the last `read`, on one line."""
        for _ in range(round(limit * RATE / FRAME)):
            shown = flat(self.twilio.screen[self._read_to :])
            if (self.twilio.idle and shown.endswith((" GA", " SK"))) or shown in ("GA", "SK"):
                self._read_to = len(self.twilio.screen)
                return shown
            self.tick()
        raise AssertionError(
            f"no GA within {limit} s; the screen shows: {self.twilio.screen[self._read_to :]!r}"
        )

    def type(self, text: str, *, after: float = 0.5, peer: str | None = None, **lost: Iterable[int]) -> None:
        """After `after` seconds, the caller types `text` (on our encoder's TTY, or an independent `peer`);
        `lost`: frames of the typing lost on the way (`zeroed`, `missing`)."""
        audio = encode(text) if peer is None else caller_audio(peer, text)
        self.twilio.queue(
            np.concatenate([silence(after), audio]),
            **{k: [i + round(after * RATE / FRAME) for i in v] for k, v in lost.items()},
        )

    def answer(self, text: str, *, after: float = 0.5, peer: str | None = None, limit: float = 120.0) -> str:
        """Type `text` and read our reply."""
        self.type(text, after=after, peer=peer)
        return self.read(limit)

    def press(self, keys: str) -> list[Message]:
        replies = []
        for key in keys:
            message = {
                "event": "dtmf",
                "streamSid": self.twilio.stream_sid,
                "dtmf": {"track": "inbound_track", "digit": key},
            }
            replies += self.send(message)
        return replies

    def until_typed(self, limit: float = 30.0) -> list[Message]:
        """Run while the caller is still typing; what the server sent meanwhile."""
        replies = []
        for _ in range(round(limit * RATE / FRAME)):
            if not self.twilio.typing:
                break
            replies += self.tick()
        return replies
