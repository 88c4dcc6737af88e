"""The US TTY character table, the text policy (what is upper-cased, mapped, dropped) and the shift rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.media.tty.baudot import (
    BAUD,
    FIGS,
    FIGURES,
    LETTERS,
    LTRS,
    SPACE_CODE,
    TTY_CHARACTERS,
    encode,
    frame_offsets,
    modulate,
    to_codes,
    tty_text,
)
from ivr.media.tty.demodulator import BaudotDecoder


def receive(codes: list[int], *, unshift_on_space: bool) -> str:
    """A reference receiver working on codes rather than audio."""
    shift, out = LTRS, []
    for code in codes:
        if code in (LTRS, FIGS):
            shift = code
            continue
        if code == SPACE_CODE and unshift_on_space:
            shift = LTRS
        out.append((LETTERS if shift == LTRS else FIGURES)[code])
    return "".join(out)


def test_the_us_figures_set_is_complete() -> None:
    figures = {ch for ch in FIGURES if ch}
    assert set("0123456789-',!:()\"=?+./;$\a") | {" ", "\r", "\n"} == figures
    assert {ch for ch in LETTERS if ch} == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ \r\n")
    assert LETTERS[0x03] == "A" and FIGURES[0x03] == "-"
    assert FIGURES[0x05] == "\a"  # BELL shares S
    assert FIGURES[0x14] == "=" and FIGURES[0x1A] == "+"  # TIA-825-A, not the teleprinter '#' and '&'


def test_text_is_upper_cased_folded_and_mapped() -> None:
    assert tty_text("Crème brûlée, señor Ñandú!") == "CREME BRULEE, SENOR NANDU!"
    assert tty_text("line one\nline two\r\nthree\rfour") == "LINE ONE\r\nLINE TWO\r\nTHREE\r\nFOUR"
    assert (
        tty_text("\u201cQuoted\u201d \u2018it\u2019s\u2019 \u2014 dash\tTab")
        == "\"QUOTED\" 'IT'S' - DASH TAB"
    )
    assert tty_text("Straße Æon Øre [x] {y} <z> ¿Qué?") == "STRASSE AEON ORE (X) (Y) (Z) ?QUE?"


def test_characters_a_tty_cannot_show_get_one_it_can() -> None:
    assert tty_text("50% off case #1 & *more* @home") == "50/100 OFF CASE NO.1 + .MORE. (AT)HOME"
    assert tty_text("a|b \\ c^d ~e \u2022 f\u00d7g\u00f7h \u20ac5 \u00a36 \u00a9 \u00ae") == (
        "A/B / C'D  E - FXG/H EUR5 GBP6 (C) (R)"
    )
    assert tty_text("help@agency.gov") == "HELP(AT)AGENCY.GOV"


def test_what_has_no_substitute_is_dropped() -> None:
    assert tty_text("ok 😀 日本") == "OK  "
    assert tty_text("\x00\x1b\x7f") == ""
    assert tty_text("bell\a") == "BELL\a"


@given(text=st.text())
def test_the_policy_is_idempotent_and_only_keeps_tty_characters(text: str) -> None:
    shown = tty_text(text)
    assert set(shown) <= TTY_CHARACTERS
    assert tty_text(shown) == shown


@pytest.mark.parametrize("unshift_on_space", [False, True])
@given(text=st.text())
def test_codes_read_back_whether_or_not_the_receiver_unshifts_on_space(
    text: str, unshift_on_space: bool
) -> None:
    assert receive(to_codes(text), unshift_on_space=unshift_on_space) == tty_text(text)


def test_a_shift_opens_the_burst_and_follows_every_space() -> None:
    assert to_codes("AB 12 CD 3") == [
        LTRS, 0x03, 0x19, SPACE_CODE,
        FIGS, 0x17, 0x13, SPACE_CODE,
        LTRS, 0x0E, 0x09, SPACE_CODE,
        FIGS, 0x01,
    ]  # fmt: skip
    assert to_codes("A-B") == [LTRS, 0x03, FIGS, 0x03, LTRS, 0x19]
    assert to_codes("\r\n") == [0x08, 0x02]  # CR and LF exist in both cases


def test_the_shift_is_sent_again_after_a_line_break() -> None:
    # Some receivers fall back to letters at CR or LF too: the next figure gets its FIGS again.
    assert to_codes("1\r\n2") == [FIGS, 0x17, 0x08, 0x02, FIGS, 0x13]
    assert to_codes("A\nB") == [LTRS, 0x03, 0x08, 0x02, LTRS, 0x19]  # a line break is CR LF


def test_the_shift_is_repeated_after_72_characters() -> None:
    codes = to_codes("A" * 150)
    assert [i for i, code in enumerate(codes) if code == LTRS] == [0, 73, 146]


def test_frame_timing() -> None:
    rate, bit = 8000, 8000 / BAUD
    audio = modulate([0x00], rate, stop_bits=1.5)  # start bit and five space data bits
    assert audio.dtype == np.int16
    assert len(audio) == round((0.150 + 7.5 / BAUD + 0.050) * rate)
    # Count the space tone's samples: six bits of 1800 Hz after 150 ms of 1400 Hz.
    spectrum = np.abs(np.fft.rfft(audio[1200 : 1200 + round(6 * bit)]))
    assert np.argmax(spectrum) == round(1800 * round(6 * bit) / rate)
    lead = np.abs(np.fft.rfft(audio[:1200]))
    assert np.argmax(lead) == round(1400 * 1200 / rate)


def test_phase_is_continuous_and_level_moderate() -> None:
    audio = encode("TTY")
    assert audio[0] == 0
    assert np.max(np.abs(np.diff(audio.astype(np.int32)))) < 0.25 * 32767 * 2 * np.pi * 1800 / 8000 * 1.01
    assert 0.2 * 32767 < np.max(np.abs(audio)) <= 0.25 * 32767 + 1


def test_nothing_to_send_gives_no_audio() -> None:
    assert encode("\U0001f600\u65e5").size == 0
    with pytest.raises(ValueError, match="stop bit"):
        modulate([0x03], stop_bits=0.5)


def test_frame_offsets_are_where_the_receiver_finds_each_character() -> None:
    """The session times our echo by these offsets; the receiver's start times agree to a millisecond."""
    codes = to_codes("PIN 1357 GA")
    offsets = frame_offsets(len(codes))
    assert len(offsets) == len(codes) + 1 and offsets[-1] <= modulate(codes).size
    decoder = BaudotDecoder()
    decoder.mute_until(10**9)  # muted characters are still framed, with their times
    found = decoder.feed_characters(np.concatenate([modulate(codes), np.zeros(4000, np.int16)]))
    assert [c.code for c in found] == codes
    assert all(abs(c.start - offset) <= 8 for c, offset in zip(found, offsets, strict=False))
    assert decoder.feed_segments(np.zeros(8000, np.int16)) == []
