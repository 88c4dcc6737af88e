"""A TTY call: Baudot audio in and out, on the same Conversation, flow and engine as every other call.

`TtyCallSession` takes the call's frames (ivr.channels.stream_frames) one at a time and returns the frames
to send back. It knows nothing of any provider's messages (Twilio's are turned into frames by
ivr.twilio.media_stream), never sleeps and never reads a clock: its clock is the caller's audio, which
arrives in real time whether or not the caller types, so samples received are time.

Its parts, each in a module of its own:
- receiving: a `BaudotDecoder` frames each character with the time it began; `LineEcho`
  (ivr.channels.tty_echo) tells our own text coming back from the caller's typing, by the echo delay the
  call has been measured to have; the caller's characters go into a `TypedLine` (ivr.channels.tty_line),
  which reads them through the call's `ShiftReader`, reads each doubtful run as the waiting question prefers and says when
  the caller's turn is over (GA, or a long pause that does not cut an ID in two);
- answering: the Conversation answers, `TextRenderer` writes the turn in TTY style with the flow's TTY
  prompt variants, long text is sent a page at a time (the caller types GA for the next page);
- sending: the `Transmitter` (ivr.channels.tty_transmitter) sends the audio in step with its playback,
  a few seconds ahead, and stops it at the next character boundary when the caller types or presses a key
  over it (TTY lines are half duplex: the caller's TTY does not print while it sends).

What the caller types is never logged: it may be a PIN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final, Protocol

from ivr.adapters.redis.stream_tickets import TICKET_PARAMETER
from ivr.channels.stream_frames import (
    SAMPLE_RATE,
    CallerAudio,
    InFrame,
    KeyPressed,
    OutFrame,
    Pcm,
    Played,
    StreamRefused,
    StreamStarted,
    StreamStopped,
)
from ivr.channels.text import MORE_PROMPT, TextRenderer
from ivr.channels.tty_echo import LineEcho
from ivr.channels.tty_line import PressedKeys, TurnTiming, TypedLine, Waiting
from ivr.channels.tty_transmitter import Transmitter
from ivr.engine import Event, Gather, Hangup, NoInput, Say, Turn
from ivr.flow.model import Flow
from ivr.media.tty.baudot import SPACE_CODE
from ivr.media.tty.demodulator import BaudotDecoder, Received
from ivr.runtime.conversation import Caller, Conversation

log = logging.getLogger(__name__)

OVERLAP_TO_STOP: Final = 2
"""Characters not ours, in a row, that stop our text while its echo may be on the line (one otherwise)."""
# Codes that may end the caller's last line after we answered it (the LF after its CR, a space after GA):
# they do not stop our text.
_NOT_TYPING: Final = frozenset({0x00, SPACE_CODE, 0x08, 0x02})  # blank, space, CR, LF


class StreamTickets(Protocol):
    """Who may start a stream: the ticket the call's webhook issued for it (ivr.adapters.redis.stream_tickets)."""

    def redeem(self, ticket: object, call_id: str) -> Caller | None: ...


class TtyCallSession:
    """One TTY call. Feed it every frame with `handle`; send what it returns; stop when `finished`; call
    `close` when the stream is over (it forgets the call's state)."""

    def __init__(self, conversation: Conversation, tickets: StreamTickets) -> None:
        self._conversation = conversation
        self._tickets = tickets
        self.caller: Caller | None = None
        self.finished = False
        self._closed = False
        self._now = 0  # samples of the caller's audio received: the session's clock
        self._decoder = BaudotDecoder(SAMPLE_RATE)
        self._line = TypedLine()
        self._keys = PressedKeys()
        self._echo = LineEcho(SAMPLE_RATE)
        self._tx = Transmitter(SAMPLE_RATE)
        self._flow: Flow = conversation.flow
        self._timing = self._timing_of(self._flow)
        self._language = self._flow.default_language
        self._waiting = Waiting.at(None)
        self._pages: list[str] = []
        self._overlap = 0
        self._ending = False
        self._sent_any = False

    @property
    def call_id(self) -> str | None:
        return self.caller.call_id if self.caller else None

    def handle(self, frame: InFrame) -> list[OutFrame]:
        """The frames to send in answer to one frame from the call (often none)."""
        if self.finished:
            return []
        if isinstance(frame, StreamStarted):
            return self._start(frame)
        if isinstance(frame, StreamRefused):
            if self.caller is None:
                log.warning("tty stream refused: %s", frame.reason)
                self.finished = True
            return []
        if self.caller is None:
            return []
        if isinstance(frame, CallerAudio):
            return self._audio(frame.pcm)
        if isinstance(frame, KeyPressed):
            return self._key(frame.key)
        if isinstance(frame, Played):
            return self._played(frame.name)
        if isinstance(frame, StreamStopped):
            self.finished = True
        return []

    def fail(self) -> list[OutFrame]:
        """After an error: the flow's apology in every language and SK; the session ends once it has played."""
        if self.caller is None or self._ending:
            self.finished = True
            return []
        flow = self._flow
        apology = [Say(flow.defaults.apology, language=language) for language in flow.languages]
        reply = TextRenderer(flow, tty=True).render_actions([*apology, Hangup()], self._language, ended=True)
        return self._transmit(reply.as_text(), ended=True)

    def close(self) -> None:
        """The stream is over: forget the call's state (once)."""
        self.finished = True
        if self.caller is not None and not self._closed:
            self._closed = True
            self._conversation.end(self.caller.call_id)

    # -- the call's frames ------------------------------------------------------------------------

    def _start(self, frame: StreamStarted) -> list[OutFrame]:
        if self.caller is not None:
            return []
        caller = self._tickets.redeem(frame.parameters.get(TICKET_PARAMETER), frame.call_id)
        if caller is None:  # a replayed handshake, or a stream for a call our webhook did not answer
            log.warning(
                "tty stream without a valid ticket for its call, closing", extra={"call_id": frame.call_id}
            )
            self.finished = True
            return []
        self.caller = caller
        log.info("tty stream started", extra={"call_id": caller.call_id})
        return self._say(self._conversation.start(caller))

    def _audio(self, pcm: Pcm) -> list[OutFrame]:
        at = self._now
        self._now += pcm.size
        self._echo.hear(pcm, at)
        frames: list[OutFrame] = []
        characters = self._decoder.feed_characters(pcm)
        if characters:
            frames += self._characters(characters)
        self._measure_echo()
        frames += self._tx.poll(self._now)
        if self._ending:
            self.finished = self.finished or not self._tx.busy
            return frames
        return frames + self._turn_taking()

    def _key(self, key: str) -> list[OutFrame]:
        if self._ending or (key == self._waiting.finish_key and not self._keys):
            return []  # a finish key after an answer that was already complete
        frames = self._tx.interrupt(self._now)  # a caller who knows the menu need not wait
        event = self._keys.press(key, self._now, self._waiting)
        return frames + (self._answer(event) if event is not None else [])

    def _played(self, name: str) -> list[OutFrame]:
        frames = self._tx.played(name, self._now)
        if self._ending and not self._tx.busy:
            self.finished = True
        return frames

    # -- the caller's side ------------------------------------------------------------------------

    def _characters(self, characters: Sequence[Received]) -> list[OutFrame]:
        played = self._tx.characters()
        frames: list[OutFrame] = []
        for character in characters:
            if self._echo.is_echo(character, played):
                self._overlap = 0
                continue
            if self._ending:
                continue  # after our last words nothing more is read
            if self._tx.busy and character.code not in _NOT_TYPING:  # typing over our text: stop it
                self._overlap += 1
                needed = OVERLAP_TO_STOP if self._echo.expected(character.start, played) else 1
                if self._overlap >= needed:
                    frames += self._tx.interrupt(self._now)
            self._line.receive(character.code, self._now, maybe_shift=character.maybe_shift)
        return frames

    def _measure_echo(self) -> None:
        burst = self._tx.current
        if burst is None or burst.probed:
            return
        began = self._tx.first_piece_played(burst)
        sent = burst.audio[: burst.length]
        if began is not None and self._echo.ready(sent, began, self._now):
            burst.probed = True
            self._echo.measure(sent, began)

    def _turn_taking(self) -> list[OutFrame]:
        now, unshifts = self._now, self._line.unshifts_on_space
        if self._line.finished(now, self._waiting, unshifts, self._timing):
            event = self._line.take(self._waiting, unshifts)
            if isinstance(event, NoInput) and self._pages:  # a bare GA: the next page
                return self._next_page()
            return self._answer(event)
        if self._keys.finished(now, self._waiting, self._timing):
            return self._answer(self._keys.take())
        played_at = self._tx.played_at
        if (
            not self._line
            and not self._keys
            and played_at is not None
            and now - played_at >= self._timing.no_input
        ):
            return self._answer(NoInput())
        return []

    def _answer(self, event: Event) -> list[OutFrame]:
        if self.caller is None:
            return []
        self._pages = []
        return self._say(self._conversation.answer(self.caller, event))

    # -- our side ---------------------------------------------------------------------------------

    def _say(self, turn: Turn) -> list[OutFrame]:
        self._flow = self._conversation.flow_of(turn.state)
        self._timing = self._timing_of(self._flow)
        self._language = turn.state.language
        gathers = [action for action in turn.actions if isinstance(action, Gather)]
        self._waiting = Waiting.at(gathers[-1] if gathers else None)
        renderer = TextRenderer(self._flow, tty=True)
        reply = renderer.render(turn)
        pages = reply.pages(self._flow.tty.page_lines, renderer.prompt_lines(MORE_PROMPT, self._language))
        self._pages = pages[1:]
        return self._transmit(pages[0], ended=reply.ended)

    def _next_page(self) -> list[OutFrame]:
        page, self._pages = self._pages[0], self._pages[1:]
        return self._transmit(page, ended=False)

    def _transmit(self, text: str, *, ended: bool) -> list[OutFrame]:
        """Send `text` on a line of its own (the call's first text needs no new line before it)."""
        frames = self._tx.send(("\n" if self._sent_any else "") + text, self._now, final=ended)
        self._sent_any = True
        self._overlap = 0
        self._ending = self._ending or ended
        return frames

    @staticmethod
    def _timing_of(flow: Flow) -> TurnTiming:
        return TurnTiming.of(flow.tty.pause_seconds, flow.tty.no_input_seconds, SAMPLE_RATE)
