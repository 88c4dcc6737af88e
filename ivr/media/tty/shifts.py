"""What a TTY caller typed, when the case (letters or figures) is in doubt: both readings, and the choice.

Baudot has one code for a letter and a figure ("1" and "Q" share a code); LTRS and FIGS select the case.
Senders differ after a space. Many TTYs, and minimodem's `tdd` mode, "unshift on space": after a space
they consider themselves back in letters and send no LTRS before the next letter, so "PIN 1 GA" comes as
FIGS 1 SPACE G A. Others (spandsp's V.18, TIA-825-A receivers that keep their shift) stay in figures
across a space, so "(555) 010-4477" comes as FIGS ( 5 5 5 ) SPACE 0 1 0 - 4 4 7 7. The same codes after
a space mean "GA" from one sender and "+-" from the other: the receiver cannot know which until the
sender's next shift code, so `ShiftReader` keeps both readings of such a run, and a lost (damaged)
character that may have been a shift opens the same kind of doubt.

`ShiftReader.push` turns the receiver's codes into `Segment`s: certain text, or a piece of a doubtful run
with its two readings (`text`, what a receiver that keeps its shift prints, and `alternative`). Pieces
of one run share a `run` number; the run's last piece says which reading was right when the sender
settled it with a shift code. `choose` merges the pieces and picks a reading for each run that is still
open: by what the waiting prompt accepts (`Accepts`), then by which reading is valid text, then by what
the sender has been seen to do, and otherwise as a receiver that keeps its shift reads it.

Rule 1: every change of case lives in `ShiftReader.push`; `choose` and `merge` are pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from ivr.media.tty.baudot import FIGS, FIGURES, LETTERS, LTRS, SHIFT_REPEAT_CHARACTERS, SPACE_CODE


class Doubt(Enum):
    """Why a run has two readings."""

    UNSHIFT_ON_SPACE = "unshift-on-space"
    """Figures, a space, then codes with no shift: figures to a sender that keeps its shift, letters to
    one that unshifts on space."""
    LOST_SHIFT = "lost-shift"
    """A character was damaged on the line, and it may have been LTRS or FIGS."""


class Accepts(Enum):
    """What the prompt waiting for the caller's line accepts."""

    DIGITS = "digits"
    """An input: digits (an ID, a PIN, an amount), and GA/SK."""
    WORDS = "words"
    """A menu: words, GA/SK, and digits as keys."""
    TEXT = "text"
    """Nothing in particular: only which reading is valid text decides."""


@dataclass(frozen=True)
class Segment:
    """A piece of what the caller typed.

    `text` is what a receiver that keeps its shift prints (and what `BaudotDecoder.feed` returns). When
    the case is in doubt, `alternative` holds the same codes read in the other case, `doubt` says why,
    and `run` (above 0) ties together the pieces of one run. A run's last piece may carry `settled`:
    True when the sender's next shift code showed the alternative was right, False when `text` was.
    """

    text: str
    alternative: str | None = None
    doubt: Doubt | None = None
    run: int = 0
    settled: bool | None = None


class ShiftReader:
    """Turns 5-bit codes into `Segment`s, one caller's typing at a time (keep one per call).

    `unshift_on_space`: None (the default) keeps both readings after a space in figures; True reads
    such runs as letters (a space selects letters), False as figures, with no doubt either way.
    """

    def __init__(self, *, unshift_on_space: bool | None = None) -> None:
        self.unshift_on_space = unshift_on_space
        self._shift = LTRS  # the case a receiver that keeps its shift is in
        self._doubt: Doubt | None = None
        self._other = FIGS  # in doubt: the case of the alternative reading
        self._run = 0
        self._run_length = 0
        self._since_shift = 0
        self._usos_runs = 0  # runs the sender settled as letters: it unshifts on space
        self._keeping_runs = 0  # runs the sender settled as figures: it keeps its shift

    @property
    def in_doubt(self) -> bool:
        return self._doubt is not None

    @property
    def sender_unshifts_on_space(self) -> bool | None:
        """What the sender's own shift codes have shown so far: True if it unshifts on space, False if it
        keeps its shift, None while it has not shown either (or has shown both)."""
        if self.unshift_on_space is not None:
            return self.unshift_on_space
        if self._usos_runs and not self._keeping_runs:
            return True
        if self._keeping_runs and not self._usos_runs:
            return False
        return None

    def push(self, code: int, *, maybe_shift: bool = False) -> Segment | None:
        """Read one received code. `maybe_shift`: the character was damaged and may have been LTRS or
        FIGS (`code` is then the receiver's best guess); it prints nothing and opens a doubt."""
        if maybe_shift:
            return self._lost(code)
        if code in (LTRS, FIGS):
            return self._shift_code(code)
        self._since_shift += 1
        text = (LETTERS if self._shift == LTRS else FIGURES)[code]
        if self._doubt is not None:
            self._run_length += 1
            other = (LETTERS if self._other == LTRS else FIGURES)[code]
            return Segment(text, other, self._doubt, self._run)
        if code == SPACE_CODE and self._shift == FIGS:
            if self.unshift_on_space:
                self._shift = LTRS
            elif self.unshift_on_space is None:
                self._open(Doubt.UNSHIFT_ON_SPACE, other=LTRS)
        return Segment(text) if text else None

    def _open(self, doubt: Doubt, *, other: int) -> None:
        self._doubt, self._other = doubt, other
        self._run += 1
        self._run_length = 0

    def _shift_code(self, code: int) -> Segment | None:
        repeated = self._since_shift >= SHIFT_REPEAT_CHARACTERS  # a periodic repeat tells nothing
        self._since_shift = 0
        doubt, self._doubt = self._doubt, None
        if doubt is None:
            self._shift = code
            return None
        # A sender sends a shift to change case: the run before it was in the other case.
        if not repeated:
            settled = code == self._shift  # True: the run was in `_other`, the alternative reading
            if doubt is Doubt.UNSHIFT_ON_SPACE:
                if settled:
                    self._usos_runs += 1
                else:
                    self._keeping_runs += 1
            self._shift = code
            return Segment("", "", doubt, self._run, settled)
        self._shift = code
        return Segment("", "", doubt, self._run)

    def _lost(self, guess: int) -> Segment | None:
        shift = guess if guess in (LTRS, FIGS) else self._shift
        if self._doubt is not None and self._run_length == 0 and shift == self._shift:
            return None  # the run just opened already holds both readings
        self._shift = shift
        self._open(Doubt.LOST_SHIFT, other=FIGS if shift == LTRS else LTRS)
        return None


def merge(segments: Iterable[Segment]) -> list[Segment]:
    """Join the pieces of each run into one segment, and certain text into one; a settled run becomes
    certain text, in the reading its sender's shift code showed."""
    merged: list[Segment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if segment.run and last is not None and last.run == segment.run:
            merged[-1] = Segment(
                last.text + segment.text,
                (last.alternative or "") + (segment.alternative or ""),
                segment.doubt,
                segment.run,
                segment.settled,
            )
        else:
            merged.append(segment)
    certain: list[Segment] = []
    for piece in merged:
        segment = piece
        if piece.settled is not None:
            segment = Segment((piece.alternative if piece.settled else piece.text) or "")
        elif (
            piece.run and piece.text == piece.alternative
        ):  # only spaces and line ends: read alike either way
            segment = Segment(piece.text)
        if not segment.run and not segment.text:
            continue
        if certain and not segment.run and not certain[-1].run:
            certain[-1] = Segment(certain[-1].text + segment.text)
        else:
            certain.append(segment)
    return certain


TURN_WORDS: Final = frozenset({"GA", "SK", "SKSK", "GASK", "Q", "QQ"})
"""What a TTY user types to end a turn, end the call, or ask a question, in any prompt."""
_NUMBER: Final = re.compile(r"[($+-]?\d+(?:[-.,/:']\d+)*\)?[.,;:?!]?|\?+")
_WORD: Final = re.compile(r"[A-Z]+")


def _token_score(token: str, accepts: Accepts) -> int:
    """How well one space-separated token of a reading fits: turn words best, garbage worst."""
    if token.rstrip(".?!") in TURN_WORDS:
        return 3
    if _NUMBER.fullmatch(token):
        return 2 if accepts is Accepts.DIGITS else 1
    if _WORD.fullmatch(token):
        return {Accepts.DIGITS: -1, Accepts.WORDS: 2, Accepts.TEXT: 1}[accepts]
    return -2  # punctuation that is no number, a BELL: what figures read as letters look like


def score(reading: str, accepts: Accepts = Accepts.TEXT) -> int:
    """How plausible `reading` is as a caller's answer to a prompt that accepts `accepts`."""
    return sum(_token_score(token, accepts) for token in reading.split())


def choose(
    segments: Sequence[Segment],
    accepts: Accepts = Accepts.TEXT,
    *,
    unshifts_on_space: bool | None = None,
) -> str:
    """The caller's text, one reading chosen for each run still in doubt.

    For each run: the reading that fits `accepts` better (`score`, which also marks garbage such as "+-"
    or a BELL); on a tie, for a run after a space, what the sender is known to do (`unshifts_on_space`,
    from `ShiftReader.sender_unshifts_on_space`); otherwise `text`, what a receiver that keeps its shift
    prints. So "1000000002 GA" is read as digits then GA whether or not its sender unshifts on space.

    A run opened by a lost shift may also have changed case at its first space, as a sender that unshifts
    on space does: "1 GA" whose FIGS was lost comes as the codes of "Q GA" (or "1 +-"); the two readings
    that switch case there are weighed as well, and one is taken only when it fits strictly better.
    """
    merged = merge(segments)
    out: list[str] = []
    for segment in merged:
        if segment.alternative is None:
            out.append(segment.text)
            continue
        first, second = segment.text, segment.alternative
        kept, other = score(first, accepts), score(second, accepts)
        if other > kept:
            chosen = second
        elif kept > other:
            chosen = first
        elif segment.doubt is Doubt.UNSHIFT_ON_SPACE and unshifts_on_space:
            chosen = second
        else:
            chosen = first
        if segment.doubt is Doubt.LOST_SHIFT and " " in first:
            cut = first.index(" ") + 1
            best = max(kept, other)
            for mixed in (second[:cut] + first[cut:], first[:cut] + second[cut:]):
                if (mixed_score := score(mixed, accepts)) > best:
                    chosen, best = mixed, mixed_score
        out.append(chosen)
    return "".join(out)
