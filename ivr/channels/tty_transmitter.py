"""Our side of a TTY call: each reply as one burst of Baudot audio, sent in step with its playback.

Pacing. A burst goes to the call in pieces of `PIECE_SECONDS`, each followed by a mark; the provider
returns a mark when the audio before it has played (Twilio: "mark" in
https://www.twilio.com/docs/voice/media-streams/websocket-messages). No more than `LEAD_SECONDS` of audio
is ever sent and not yet played: when a mark comes back, the next pieces go. So the reply can be cut
short at any moment by dropping at most a few seconds (`clear`), and nothing depends on how much audio
the provider would hold for us. Should marks stop coming back, a piece is taken as played
`MARK_GRACE_SECONDS` after it should have been.

The timeline. The session's clock is the caller's audio (samples received). A piece started playing at
the time its mark came back less its length; until then its start is predicted: right after the piece
before it, or, on a line that was idle, when it was sent plus the delay the line showed before (from
sending a piece to an idle line to its mark coming back, less its length). `characters` gives the time
each code we sent began to play, which is how the session tells the line's echo of our text from the
caller's typing (ivr.channels.tty_echo).

Cutting short (`interrupt`): the caller typed or pressed a key while we transmit. We `clear` the audio
not yet played, then send what is left of the character in progress, so our text stops at a character
boundary rather than in the middle of one, as far as the playback position can be known: from the marks
(to one 20 ms message) plus the round trip the line showed when a piece was sent to an idle line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.channels.stream_frames import SAMPLE_RATE, ClearAudio, OutFrame, Pcm, PlayAudio, PlayMark
from ivr.media.tty.baudot import frame_offsets, modulate, to_codes

log = logging.getLogger(__name__)

FRAME_SAMPLES: Final = 160  # pieces are whole 20 ms frames
PIECE_SECONDS: Final = 0.5
LEAD_SECONDS: Final = 2.0
MARK_GRACE_SECONDS: Final = 5.0
KEEP_SECONDS: Final = 3.0  # a burst's characters are kept this long after it played, for its echo


@dataclass
class _Piece:
    name: str
    begin: int  # offsets in the burst's audio
    end: int
    sent_at: int
    ended_at: int | None = None  # when it finished playing: its mark came back (or was given up on)
    to_idle_line: bool = False  # nothing else was playing when it was sent


@dataclass
class Burst:
    """One reply's audio and what became of it."""

    number: int
    audio: Pcm
    codes: tuple[int, ...]
    starts: npt.NDArray[np.int64]  # where each code begins in `audio`, then where the last one ends
    final: bool
    pieces: list[_Piece] = field(default_factory=list)
    sent: int = 0  # samples of `audio` sent
    cut: int | None = None  # cut short here: nothing after it plays
    probed: bool = False  # its echo was measured

    @property
    def length(self) -> int:
        return self.audio.size if self.cut is None else self.cut


class Transmitter:
    """Sends bursts in paced pieces and keeps their timeline; one per call."""

    def __init__(
        self,
        sample_rate: int = SAMPLE_RATE,
        *,
        piece_seconds: float = PIECE_SECONDS,
        lead_seconds: float = LEAD_SECONDS,
    ) -> None:
        self._rate = sample_rate
        self._piece = max(FRAME_SAMPLES, round(piece_seconds * sample_rate / FRAME_SAMPLES) * FRAME_SAMPLES)
        self._lead = round(lead_seconds * sample_rate)
        self._grace = round(MARK_GRACE_SECONDS * sample_rate)
        self._keep = round(KEEP_SECONDS * sample_rate)
        self._latency = 0  # from sending to an idle line to playing, as last seen
        self._bursts: list[Burst] = []
        self._count = 0

    @property
    def current(self) -> Burst | None:
        return self._bursts[-1] if self._bursts else None

    @property
    def busy(self) -> bool:
        """Whether some of the last burst is still unsent or playing."""
        burst = self.current
        return burst is not None and (
            burst.sent < burst.length or any(p.ended_at is None for p in burst.pieces)
        )

    @property
    def played_at(self) -> int | None:
        """When the last burst finished playing; None while it plays (or before any)."""
        burst = self.current
        if burst is None or self.busy:
            return None
        return max((p.ended_at or 0) for p in burst.pieces) if burst.pieces else 0

    def send(self, text: str, now: int, *, final: bool = False) -> list[OutFrame]:
        """Start sending `text` (after anything still playing); the first pieces to send."""
        codes = to_codes(text)
        audio = modulate(codes, self._rate)
        audio = np.concatenate([audio, np.zeros(-audio.size % FRAME_SAMPLES, dtype=np.int16)])
        self._count += 1
        self._bursts.append(
            Burst(self._count, audio, tuple(codes), frame_offsets(len(codes), self._rate), final)
        )
        self._forget(now)
        return self._top_up(now)

    def played(self, name: str, now: int) -> list[OutFrame]:
        """A mark came back: that piece has played; send what may follow."""
        for burst in reversed(self._bursts):
            for index, piece in enumerate(burst.pieces):
                if piece.name == name:
                    if piece.ended_at is None:
                        piece.ended_at = now
                        if index == 0 and piece.to_idle_line:  # how long the line took to play it
                            self._latency = max(0, now - piece.sent_at - (piece.end - piece.begin))
                    return self._top_up(now)
        return []

    def poll(self, now: int) -> list[OutFrame]:
        """Give up waiting for marks long overdue; send what may follow."""
        burst = self.current
        if burst is None:
            return []
        frames: list[OutFrame] = []
        for index, piece in enumerate(burst.pieces):
            if piece.ended_at is None:
                due = self._start_of(burst, index) + piece.end - piece.begin
                if now < due + self._grace:
                    break
                log.warning("tty stream: a mark did not come back, taken as played")
                piece.ended_at = due
        frames += self._top_up(now)
        return frames

    def interrupt(self, now: int) -> list[OutFrame]:
        """Stop the burst playing now at the end of the character in progress: `clear`, then the rest of
        that character. Nothing when nothing is playing."""
        burst = self.current
        if burst is None or not self.busy or burst.cut is not None:
            return []
        waiting = [i for i, p in enumerate(burst.pieces) if p.ended_at is None]
        if waiting:
            index = waiting[0]
            piece = burst.pieces[index]
            # What has played when the clear arrives: since the piece began (as its neighbours' marks
            # say, which come back a one-way delay late), plus the round trip the line showed.
            position = piece.begin + max(0, now - self._start_of(burst, index) + self._latency)
            position = min(position, piece.end)
            piece.end, piece.ended_at = position, now  # played up to here; its mark means nothing now
            del burst.pieces[index + 1 :]
        else:
            position = burst.sent  # all sent has played: stop before what is unsent
        following = int(np.searchsorted(burst.starts, position, side="right"))
        boundary = int(burst.starts[following]) if 0 < following < len(burst.starts) else position
        burst.cut = boundary
        burst.sent = boundary
        frames: list[OutFrame] = [ClearAudio()]
        if boundary > position:
            name = f"b{burst.number}.{len(burst.pieces)}"
            burst.pieces.append(_Piece(name, position, boundary, now))
            frames += [PlayAudio(burst.audio[position:boundary]), PlayMark(name)]
        return frames

    def characters(self) -> list[tuple[int, int]]:
        """(when it began to play, code) for every code of the recent bursts that was sent."""
        found: list[tuple[int, int]] = []
        for burst in self._bursts:
            if not burst.pieces:
                continue
            starts = self._starts(burst)
            index = 0
            for code, offset in zip(burst.codes, burst.starts[:-1].tolist(), strict=True):
                if offset >= min(burst.sent, burst.length):
                    break
                while index + 1 < len(burst.pieces) and offset >= burst.pieces[index].end:
                    index += 1
                found.append((starts[index] + offset - burst.pieces[index].begin, code))
        return found

    def first_piece_played(self, burst: Burst) -> int | None:
        """When the burst's audio began to play, once its first piece's mark has come back."""
        if not burst.pieces or burst.pieces[0].ended_at is None:
            return None
        return self._start_of(burst, 0)

    def _start_of(self, burst: Burst, index: int) -> int:
        """When piece `index` of `burst` began (or will begin) to play."""
        return self._starts(burst)[index]

    def _starts(self, burst: Burst) -> list[int]:
        """When each piece of `burst` began (or will begin) to play."""
        position = self._bursts.index(burst)
        follows = None  # when the burst before it ends
        if position > 0 and self._bursts[position - 1].pieces:
            previous = self._bursts[position - 1]
            last = previous.pieces[-1]
            follows = self._starts(previous)[-1] + last.end - last.begin
        starts: list[int] = []
        for index, piece in enumerate(burst.pieces):
            if piece.ended_at is not None:
                starts.append(piece.ended_at - (piece.end - piece.begin))
                continue
            start = piece.sent_at + self._latency
            if index > 0:
                before = burst.pieces[index - 1]
                if before.end == piece.begin:  # it follows on: it starts when the one before ends
                    start = max(start, starts[-1] + before.end - before.begin)
            elif follows is not None:
                start = max(start, follows)
            starts.append(start)
        return starts

    def _ahead(self, now: int) -> int:
        """How far ahead of playback what was sent reaches: by the marks, and the clock since the last."""
        sending = [burst for burst in self._bursts if burst.pieces]
        if not sending:
            return 0
        last = sending[-1].pieces[-1]
        return max(0, self._starts(sending[-1])[-1] + last.end - last.begin - now)

    def _top_up(self, now: int) -> list[OutFrame]:
        burst = self.current
        frames: list[OutFrame] = []
        while burst is not None and burst.sent < burst.length and (ahead := self._ahead(now)) < self._lead:
            end = self._piece_end(burst)
            name = f"b{burst.number}.{len(burst.pieces)}"
            burst.pieces.append(_Piece(name, burst.sent, end, now, to_idle_line=ahead == 0))
            frames += [PlayAudio(burst.audio[burst.sent : end]), PlayMark(name)]
            burst.sent = end
        return frames

    def _piece_end(self, burst: Burst) -> int:
        """Where the next piece ends: at the end of a character, so that should the provider run out of
        audio before the next piece arrives, the line pauses between characters, not inside one."""
        target = burst.sent + self._piece
        ends = burst.starts[1:]
        following = int(np.searchsorted(ends, target))
        end = int(ends[following]) if following < len(ends) else burst.length
        return min(max(end, burst.sent + 1), burst.length)

    def _forget(self, now: int) -> None:
        """Drop bursts long played, keeping the current one and the one before it."""
        while len(self._bursts) > 2:
            oldest = self._bursts[0]
            ended = [p.ended_at for p in oldest.pieces]
            if any(t is None for t in ended) or (ended and now - max(t or 0 for t in ended) < self._keep):
                break
            self._bursts.pop(0)
