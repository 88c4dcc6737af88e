"""Both shift conventions: a run after a space keeps both readings, and `choose` picks one by what the prompt
accepts, by which reading is valid text, and by what the sender's own shift codes have shown."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.media.tty.baudot import FIGS, LTRS, TTY_CHARACTERS, modulate, to_codes, tty_text
from ivr.media.tty.demodulator import BaudotDecoder, TtyModem
from ivr.media.tty.shifts import Accepts, Doubt, Segment, ShiftReader, choose, merge, score
from tests.tty.peers import sender_codes


def read(codes: list[int], **reader: bool | None) -> tuple[list[Segment], ShiftReader]:
    shifts = ShiftReader(**reader)
    segments = [s for s in (shifts.push(code) for code in codes) if s is not None]
    return segments, shifts


def typed(text: str, *, unshifts_on_space: bool, accepts: Accepts = Accepts.TEXT) -> str:
    segments, shifts = read(sender_codes(text, unshifts_on_space=unshifts_on_space))
    return choose(segments, accepts, unshifts_on_space=shifts.sender_unshifts_on_space)


@pytest.mark.parametrize("unshifts_on_space", [True, False])
@pytest.mark.parametrize("accepts", list(Accepts))
def test_an_id_then_ga_is_read_from_either_kind_of_sender(unshifts_on_space: bool, accepts: Accepts) -> None:
    assert typed("1000000002 GA", unshifts_on_space=unshifts_on_space, accepts=accepts) == "1000000002 GA"


@pytest.mark.parametrize("unshifts_on_space", [True, False])
@pytest.mark.parametrize(
    "text",
    [
        "(555) 010-4477",
        "PIN 1357 GA",
        "PRESS 1 OR TYPE YES. PIN 1357 GA",
        "PAY $1,234.56 BY 12/25 OK? GA",
        "CASE 12 34 56 GA",
        "MY ID IS 1000000002 GA",
    ],
)
def test_figures_after_a_space_are_read_right_from_either_kind_of_sender(
    unshifts_on_space: bool, text: str
) -> None:
    assert typed(text, unshifts_on_space=unshifts_on_space) == text


def test_the_run_after_a_space_keeps_both_readings() -> None:
    # FIGS 1 SPACE G A: "1 GA" to a sender that unshifts on space, "1 +-" to one that keeps its shift.
    segments, shifts = read([FIGS, 0x17, 0x04, 0x1A, 0x03])
    assert merge(segments) == [
        Segment("1 "),
        Segment("+-", "GA", Doubt.UNSHIFT_ON_SPACE, run=1),
    ]
    assert shifts.in_doubt and shifts.sender_unshifts_on_space is None
    assert "".join(s.text for s in segments) == "1 +-"  # what `feed` prints: the shift kept


def test_the_senders_next_shift_settles_the_run() -> None:
    # A FIGS after the run: the sender thought it was in letters, so it unshifts on space.
    segments, shifts = read([FIGS, 0x17, 0x04, 0x18, 0x0A, 0x04, FIGS, 0x13])  # 1 OR 2
    assert merge(segments) == [Segment("1 OR 2")]
    assert shifts.sender_unshifts_on_space is True
    # An LTRS after it: the run was figures, and the sender keeps its shift.
    segments, shifts = read([FIGS, 0x17, 0x04, 0x13, 0x04, LTRS, 0x1A, 0x03])  # 1 2 GA
    assert merge(segments) == [Segment("1 2 GA")]
    assert shifts.sender_unshifts_on_space is False


def test_what_the_sender_has_shown_decides_a_tie() -> None:
    # "OR" and "94" are both valid text: alone, a receiver that keeps its shift reads "94".
    codes = [FIGS, 0x17, 0x04, 0x18, 0x0A]
    segments, _ = read(codes)
    assert choose(segments) == "1 94"
    assert choose(segments, unshifts_on_space=True) == "1 OR"
    # Earlier in the call the sender settled a run as letters: the tie goes its way.
    segments, shifts = read([FIGS, 0x17, 0x04, 0x1A, 0x03, FIGS, 0x13, 0x04, *codes])
    assert shifts.sender_unshifts_on_space is True
    assert choose(segments, unshifts_on_space=shifts.sender_unshifts_on_space).endswith("1 OR")


def test_what_the_prompt_accepts_decides() -> None:
    segments, _ = read([FIGS, 0x17, 0x04, 0x13, 0x01])  # 1 then "23" or "WE"
    assert choose(segments, Accepts.DIGITS) == "1 23"
    assert choose(segments, Accepts.WORDS) == "1 WE"


def test_scores() -> None:
    assert score("GA") > score("+-")
    assert score("1357", Accepts.DIGITS) > score("QERU", Accepts.DIGITS)
    assert score("OR TYPE YES") > score("94 5603 63\a")  # a BELL is no text
    assert score("$1,234.56") > 0 and score("(555)") > 0 and score("?") > 0


def test_a_forced_convention_keeps_no_doubt() -> None:
    codes = [FIGS, 0x17, 0x04, 0x1A, 0x03]
    assert merge(read(codes, unshift_on_space=True)[0]) == [Segment("1 GA")]
    assert merge(read(codes, unshift_on_space=False)[0]) == [Segment("1 +-")]


def test_a_character_that_may_have_been_a_shift_opens_a_doubt() -> None:
    shifts = ShiftReader()
    assert shifts.push(0x1A) == Segment("G")
    assert shifts.push(FIGS, maybe_shift=True) is None  # damaged: FIGS, or a letter
    pieces = [shifts.push(code) for code in (0x17, 0x13)]
    assert merge([p for p in pieces if p]) == [Segment("12", "QW", Doubt.LOST_SHIFT, run=1)]
    assert choose([p for p in pieces if p], Accepts.DIGITS) == "12"


@given(text=st.text(st.sampled_from(sorted(TTY_CHARACTERS - {"\a"})), max_size=40))
def test_our_own_senders_text_is_never_in_doubt(text: str) -> None:
    # We send a shift after every space and line break, so a receiver of either kind reads us exactly.
    segments, _ = read(to_codes(text))
    assert merge(segments) in ([Segment(tty_text(text))], [])
    assert not any(s.alternative is not None for s in merge(segments))


def test_an_unshift_on_space_caller_types_an_id_and_ga_over_the_line() -> None:
    audio = modulate(sender_codes("1000000002 GA", unshifts_on_space=True))
    line = np.concatenate([np.zeros(800, np.int16), audio, np.zeros(4000, np.int16)])
    modem = TtyModem()
    segments = [s for i in range(0, line.size, 160) for s in modem.receive_segments(line[i : i + 160])]
    assert "".join(s.text for s in segments) == "1000000002 +-"  # a receiver that keeps its shift
    assert choose(segments, Accepts.DIGITS) == "1000000002 GA"
    assert choose(segments, Accepts.WORDS) == "1000000002 GA"


def test_the_decoders_reading_can_be_forced() -> None:
    audio = modulate(sender_codes("1 OR 2 GA", unshifts_on_space=True))
    decoder = BaudotDecoder(unshift_on_space=True)
    assert decoder.feed(audio) + decoder.flush() == "1 OR 2 GA"


@pytest.mark.parametrize("unshifts_on_space", [True, False])
def test_a_lost_shift_run_may_change_case_at_its_first_space(unshifts_on_space: bool) -> None:
    """The FIGS before "1000000002 GA" is lost: the codes read "QPPPPPPPPW GA" in letters and
    "1000000002 +-" in figures; an ID question reads the ID and GA, whichever way the sender treats a
    space (one that unshifts on space sends no LTRS before GA)."""
    codes = sender_codes("1000000002 GA", unshifts_on_space=unshifts_on_space)
    assert codes[0] == FIGS
    shifts = ShiftReader()
    shifts.push(0x17, maybe_shift=True)  # the damaged first character: maybe a shift
    segments = [s for s in (shifts.push(code) for code in codes[1:]) if s is not None]
    assert choose(segments, Accepts.DIGITS) == "1000000002 GA"
