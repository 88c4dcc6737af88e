"""Our TTY modem against two independent ones, both directions, through G.711 mu-law: minimodem's `tdd`
mode (unshifts on space) and spandsp's V.18 (keeps its shift), plus spandsp's modulator sending as a TTY
that unshifts on space. bench/tty_interop.py measures the same links under more impairments."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from ivr.tty.baudot import encode
from ivr.tty.demodulator import TtyModem
from ivr.tty.shifts import Accepts, choose
from tests.tty.peers import (
    PEERS,
    UNSHIFTS_ON_SPACE,
    caller_audio,
    character_error_rate,
    minimodem_missing,
    minimodem_read,
    spandsp_missing,
    spandsp_read,
    through_line,
)

# minimodem's figures table has "#" and "&" where TTYs have "=" and "+": the texts avoid those two.
TEXTS = (
    "MY ID IS 1000000002 GA",
    "PIN 1357 GA",
    "CALL (555) 010-4477 AT 5:30 OR TYPE YES. OK? GA",
    "PAY $1,234.56 BY 12/25 GA\n",
)


def needs(peer: str) -> None:
    missing = minimodem_missing() if peer == "minimodem" else spandsp_missing()
    if missing:
        pytest.skip(missing)


def ours(audio: npt.NDArray[np.int16], accepts: Accepts = Accepts.TEXT) -> tuple[str, TtyModem]:
    """What our receiver reads, fed 20 ms frames as the Media Stream does."""
    modem = TtyModem()
    segments = [s for i in range(0, audio.size, 160) for s in modem.receive_segments(audio[i : i + 160])]
    segments += modem.decoder.flush_segments()
    reading = choose(segments, accepts, unshifts_on_space=modem.decoder.reader.sender_unshifts_on_space)
    return reading, modem


def normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("peer", PEERS)
def test_we_read_each_peer(peer: str, text: str) -> None:
    needs(peer)
    reading, modem = ours(through_line(caller_audio(peer, text)))
    assert normal(reading) == normal(text)
    # Whenever the sender showed its convention with a shift code, it is the right one.
    assert modem.decoder.reader.sender_unshifts_on_space in (None, UNSHIFTS_ON_SPACE[peer])


@pytest.mark.parametrize("peer", PEERS)
def test_an_id_and_ga_from_each_peer_at_an_input(peer: str) -> None:
    needs(peer)
    reading, _ = ours(through_line(caller_audio(peer, "1000000002 GA")), Accepts.DIGITS)
    assert reading == "1000000002 GA"


@pytest.mark.parametrize("text", TEXTS)
def test_minimodem_reads_us_though_it_unshifts_on_space(text: str) -> None:
    needs("minimodem")
    assert normal(minimodem_read(through_line(encode(text)))) == normal(text)


@pytest.mark.parametrize("text", TEXTS)
def test_spandsp_reads_us_though_it_keeps_its_shift(text: str) -> None:
    needs("spandsp")
    assert normal(spandsp_read(through_line(encode(text)))) == normal(text)


LINES = {
    "SNR 3 dB": {"snr_db": 3.0},
    "level -30 dB": {"level_db": -30.0},
    "offset +30 Hz": {"offset_hz": 30.0},
    "offset -30 Hz": {"offset_hz": -30.0},
}


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("peer", PEERS)
def test_character_error_rate_reading_peers_over_an_impaired_line(peer: str, line: str) -> None:
    needs(peer)
    text = " ".join(TEXTS).strip()
    reading, _ = ours(through_line(caller_audio(peer, text), seed=1, **LINES[line]))
    assert character_error_rate(normal(reading), normal(text)) == 0.0  # measured: 0 in every case


@pytest.mark.parametrize(
    ("peer", "line", "bound"),
    [
        ("minimodem", "SNR 3 dB", 0.05),  # measured 2.5 %: it prints a stray character from the noise before
        ("minimodem", "offset +30 Hz", 0.0),
        ("spandsp", "SNR 3 dB", 0.0),
        ("spandsp", "offset -30 Hz", 0.0),
    ],
)
def test_character_error_rate_of_peers_reading_us_over_an_impaired_line(
    peer: str, line: str, bound: float
) -> None:
    needs(peer)
    text = " ".join(TEXTS).strip()
    audio = through_line(encode(text), seed=1, **LINES[line])
    got = minimodem_read(audio) if peer == "minimodem" else spandsp_read(audio)
    assert character_error_rate(normal(got), normal(text)) <= bound
