"""What a TTY caller types, gathered into one answer, and when their turn is over.

TTY users end a turn with GA ("go ahead") and the call with SK; Enter is a new line, not the end of a
turn. So a line of typing ends:

- at a final GA or SK followed by a space or a new line, or by a second without typing (so a name that
  starts with GA, "GARCIA", is not cut short);
- after `pause_seconds` without typing (the flow's `tty:` settings, 5 s unless set) when there is no GA,
  but never in the middle of digits: at a question that wants an ID or a PIN, a line of fewer digits
  than the shortest answer waits until GA, or until `no_input_seconds` of quiet;
- at 300 characters.

The caller's sender may keep its shift across a space or unshift on space (ivr.media.tty.shifts); the line
keeps the modem's `Segment`s and reads them with `choose`, by what the waiting question accepts: digits
at an input, words and GA/SK at a menu. So "1000000002 GA" from either kind of TTY is the ID and GA.

Keys (DTMF) are gathered apart, as on the voice line: at a menu the first key answers; at an input the
finish key, the longest answer, or a pause ends them (again never in the middle of the digits).

Pure: no clock (times are sample counts the session passes in), no I/O. What the caller types is never
logged: it may be a PIN.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ivr.channels.text import MAX_TEXT, text_event
from ivr.engine import DigitsEntered, Event, Gather
from ivr.media.tty.baudot import FIGS, LTRS, SPACE_CODE
from ivr.media.tty.shifts import Accepts, Segment, ShiftReader, choose

TURN_ENDS: Final = frozenset({"GA", "SK", "SKSK", "GASK"})
GA_PAUSE_SECONDS: Final = 1.0
MAX_KEYS: Final = 32
_SPACES: Final = frozenset({SPACE_CODE, 0x08, 0x02, 0x00})  # space, CR, LF, blank
_GLUED: Final = re.compile(r"([0-9#*]+)[^A-Z0-9]?(?:GA|\+-)")  # digits, maybe one misread space, GA


@dataclass(frozen=True, slots=True)
class TurnTiming:
    """How long the session waits, in samples of the caller's audio."""

    pause: int
    no_input: int
    ga_pause: int

    @classmethod
    def of(cls, pause_seconds: float, no_input_seconds: float, sample_rate: int) -> TurnTiming:
        return cls(
            round(pause_seconds * sample_rate),
            round(no_input_seconds * sample_rate),
            round(GA_PAUSE_SECONDS * sample_rate),
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """What the question the call waits at accepts, as the engine's `Gather` says."""

    accepts: Accepts = Accepts.WORDS
    min_digits: int = 1
    max_digits: int = 1
    finish_key: str | None = None

    @classmethod
    def at(cls, gather: Gather | None) -> Waiting:
        if gather is None:
            return cls(Accepts.TEXT)
        if gather.max_digits > 1:  # an input: an ID, a PIN, an amount
            return cls(Accepts.DIGITS, gather.min_digits, gather.max_digits, gather.finish_key)
        return cls(Accepts.WORDS, 1, 1, gather.finish_key)

    def mid_digits(self, answer: str) -> bool:
        """Whether `answer` is digits that stop short of the shortest answer this question takes."""
        compact = "".join(answer.split())
        return self.accepts is Accepts.DIGITS and compact.isdigit() and len(compact) < self.min_digits


def _plain(text: str) -> str:
    """Line breaks as spaces, no BELLs."""
    return text.replace("\r", " ").replace("\n", " ").replace("\a", "")


def _one_off_ga(word: str) -> bool:
    """A GA with one character lost or misread on the line ("G", "GX", "XA")."""
    return len(word) <= 2 and word != "GA" and (word[:1] == "G" or word[-1:] == "A")


def answer_text(line: str, waiting: Waiting) -> str:
    """The line as the text channel is to read it, with what one damaged character does undone, so that
    it costs no more than itself: a final GA read in figures ("+-"), glued to the digits before it (its
    space lost or misread), or one character off; and at a question that wants digits, a line with no
    letters is its digits (a misread character drops out, and "123-45-6789" is an SSN)."""
    words = " ".join(_plain(line).split()).split()
    if len(words) >= 2 and words[-1] == "+-":
        words[-1] = "GA"
    glued = _GLUED.fullmatch(words[-1]) if words else None
    if glued:
        words[-1:] = [glued.group(1), "GA"]
    if len(words) >= 2 and _one_off_ga(words[-1]) and words[-2][-1:].isdigit():
        words[-1] = "GA"
    ending = words[-1:] if words and words[-1] in TURN_ENDS else []
    body = words[: len(words) - len(ending)]
    answer = " ".join(body)
    digits_only = any(ch.isdigit() for ch in answer) and not any(ch.isalpha() for ch in answer)
    if waiting.accepts is Accepts.DIGITS and digits_only:
        body = ["".join(ch for ch in answer if ch.isdigit() or ch in "*#")]
    return " ".join(body + ending)


class TypedLine:
    """The caller's typing since their last answer, read through the call's `ShiftReader`."""

    def __init__(self) -> None:
        self.reader = ShiftReader()
        self._segments: list[Segment] = []
        self._typed_at = 0
        self._fresh = True  # nothing received since the last answer

    def __bool__(self) -> bool:
        return bool(self._segments)

    @property
    def unshifts_on_space(self) -> bool | None:
        """What the caller's TTY has shown of its shift convention (ivr.media.tty.shifts)."""
        return self.reader.sender_unshifts_on_space

    def receive(self, code: int, now: int, *, maybe_shift: bool = False) -> None:
        """One character the caller typed (not our echo). A line that begins without a shift code may
        have lost it on the line (the caller's last line ended in the other case): both readings are kept
        until the question chooses, so "1 GA" whose FIGS was lost is still not "Q GA" at an ID question."""
        if self._fresh and not maybe_shift and code not in _SPACES and code not in (LTRS, FIGS):
            self.reader.push(code, maybe_shift=True)
        self._fresh = False
        segment = self.reader.push(code, maybe_shift=maybe_shift)
        if segment is not None:
            self.add([segment], now)

    def add(self, segments: Sequence[Segment], now: int) -> None:
        for segment in segments:
            if not self._segments and not _plain(segment.text + (segment.alternative or "")).strip():
                continue  # a line does not begin with a new line or a space (the LF after a CR that ended one)
            self._segments.append(segment)
            self._typed_at = now

    def text(self, waiting: Waiting, unshifts_on_space: bool | None) -> str:
        """What was typed, each doubtful run read as the question prefers (`choose`)."""
        return choose(self._segments, waiting.accepts, unshifts_on_space=unshifts_on_space)

    def finished(
        self, now: int, waiting: Waiting, unshifts_on_space: bool | None, timing: TurnTiming
    ) -> bool:
        """Whether the caller's turn is over (the rules above)."""
        raw = self.text(waiting, unshifts_on_space)
        text = _plain(raw)
        words = text.split()
        if not words:
            return False
        if len(text) >= MAX_TEXT:
            return True
        quiet = now - self._typed_at
        if words[-1].upper().rstrip(".?!") in TURN_ENDS and (text[-1].isspace() or quiet >= timing.ga_pause):
            return True
        if quiet < timing.pause:
            return False
        return not waiting.mid_digits(text) or quiet >= timing.no_input

    def take(self, waiting: Waiting, unshifts_on_space: bool | None) -> Event:
        """The answer, as an engine event; the line starts afresh."""
        line = self.text(waiting, unshifts_on_space)
        self._segments = []
        self._fresh = True
        return text_event(answer_text(line, waiting)[:MAX_TEXT])


class PressedKeys:
    """Keys pressed since the caller's last answer."""

    def __init__(self) -> None:
        self._keys = ""
        self._pressed_at = 0

    def __bool__(self) -> bool:
        return bool(self._keys)

    def press(self, key: str, now: int, waiting: Waiting) -> Event | None:
        """Take one key; the answer if it ends one."""
        if key == waiting.finish_key:
            return self.take() if self._keys else None  # a lone finish key finishes nothing
        self._keys += key
        self._pressed_at = now
        if len(self._keys) >= min(waiting.max_digits, MAX_KEYS):
            return self.take()
        return None

    def finished(self, now: int, waiting: Waiting, timing: TurnTiming) -> bool:
        if not self._keys:
            return False
        quiet = now - self._pressed_at
        if quiet < timing.pause:
            return False
        return not waiting.mid_digits(self._keys) or quiet >= timing.no_input

    def take(self) -> Event:
        keys, self._keys = self._keys, ""
        return DigitsEntered(keys)
