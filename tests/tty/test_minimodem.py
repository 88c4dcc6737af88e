"""Interoperability with minimodem, an independent TTY/TDD implementation (its `tdd` mode).

What minimodem 0.24 does, and so what these tests expect:
- Its receiver assumes two stop bits unless told `--stopbits`; our encoder sends two by default.
- Its transmitter "unshifts on space": after a space it assumes the receiver is back in letters, so it
  sends no LTRS before letters that follow a figure and a space (and does send FIGS again before a figure
  after a space). Our decoder reads that with `unshift_on_space=True`; by default it keeps the last shift,
  as TIA-825-A receivers do, and prints figures there.
- Its US figures table has '#' and '&' where TIA-825-A has '=' and '+', and it sends '+' as ')'; the
  texts here avoid those four characters.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ivr.media.tty.baudot import encode
from ivr.media.tty.demodulator import BaudotDecoder
from ivr.media.wav import read_wav, write_wav

MINIMODEM = shutil.which("minimodem")
pytestmark = pytest.mark.skipif(
    MINIMODEM is None, reason="minimodem is not installed (Debian package minimodem)"
)

MENU = "PRESS 1 OR TYPE YES. PRESS 2 OR TYPE NO. PRESS 7 OR TYPE NONE"
MIXED = "CALL 555-0134 (EXT. 12) BY 5:30, OR WRITE \"HELP\"? $20; 2/3 'OK'!\r\n"


def minimodem(*args: str, stdin: str = "") -> str:
    assert MINIMODEM is not None
    done = subprocess.run(
        [MINIMODEM, *args], input=stdin.encode("ascii"), capture_output=True, timeout=60, check=True
    )
    return done.stdout.decode("ascii")


@pytest.mark.parametrize("text", [MENU, MIXED])
def test_minimodem_reads_our_mulaw_audio(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ours.wav"
    write_wav(path, encode(text), 8000, mulaw=True)
    assert minimodem("--rx", "-q", "-R", "8000", "-f", str(path), "tdd") == text


def test_minimodem_reads_our_one_and_a_half_stop_bits_when_told(tmp_path: Path) -> None:
    path = tmp_path / "ours.wav"
    write_wav(path, encode(MIXED, stop_bits=1.5), 8000, mulaw=True)
    assert minimodem("--rx", "-q", "-R", "8000", "--stopbits", "1.5", "-f", str(path), "tdd") == MIXED


def decode_file(path: Path, *, unshift_on_space: bool = False) -> str:
    samples, rate = read_wav(path)
    decoder = BaudotDecoder(rate, unshift_on_space=unshift_on_space)
    out = [decoder.feed(samples[i : i + 160]) for i in range(0, len(samples), 160)]
    return "".join(out) + decoder.flush()


@pytest.mark.parametrize("rate", [8000, 48000])
def test_we_read_minimodem_audio(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "theirs.wav"
    # No letter follows a figure and a space, so how the receiver treats a space does not matter.
    text = "DIAL 555-0134X TO REACH ROOM B12C AT 5:30PM THEN SAY (HELP) (YES)? $20/DAY 'OK'!\n"
    minimodem("--tx", "-R", str(rate), "-f", str(path), "tdd", stdin=text)
    assert read_wav(path)[1] == rate
    assert decode_file(path) == text


def test_minimodem_expects_the_receiver_to_unshift_on_space(tmp_path: Path) -> None:
    path = tmp_path / "menu.wav"
    minimodem("--tx", "-R", "8000", "-f", str(path), "tdd", stdin=MENU)
    assert decode_file(path, unshift_on_space=True) == MENU
    # Without unshift on space the figures case lasts until minimodem next sends LTRS, which it never does.
    # (S in the figures case is BELL.)
    expected = "PRESS 1 94 5603 63\a. 043\a\a 2 94 5603 ,9. 043\a\a 7 94 5603 ,9,3"
    assert decode_file(path) == expected


def test_minimodem_audio_through_mulaw(tmp_path: Path) -> None:
    path = tmp_path / "theirs.wav"
    minimodem("--tx", "-R", "8000", "-f", str(path), "tdd", stdin=MENU)
    samples, _ = read_wav(path)
    mulaw = tmp_path / "theirs-mulaw.wav"
    write_wav(mulaw, samples, 8000, mulaw=True)
    assert decode_file(mulaw, unshift_on_space=True) == MENU
    assert np.abs(read_wav(mulaw)[0].astype(np.int32) - samples).max() < 1100
