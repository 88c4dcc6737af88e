"""Our TTY modem against two independent ones, both directions, through G.711 mu-law: minimodem's `tdd`
mode (unshifts on space) and spandsp's V.18 (keeps its shift), plus spandsp's modulator sending as a TTY
that unshifts on space. bench/tty_interop.py measures the same links under more impairments."""

from __future__ import annotations

import pytest

from ivr.media.tty.baudot import encode
from ivr.media.tty.shifts import Accepts
from tests.tty.peers import (
    INTEROP_TEXTS,
    PEERS,
    UNSHIFTS_ON_SPACE,
    caller_audio,
    character_error_rate,
    minimodem_missing,
    minimodem_read,
    our_reading,
    spandsp_missing,
    spandsp_read,
    through_line,
)

TEXTS = INTEROP_TEXTS


def needs(peer: str) -> None:
    missing = minimodem_missing() if peer == "minimodem" else spandsp_missing()
    if missing:
        pytest.skip(missing)


def normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("peer", PEERS)
def test_we_read_each_peer(peer: str, text: str) -> None:
    needs(peer)
    reading, modem = our_reading(through_line(caller_audio(peer, text)))
    assert normal(reading) == normal(text)
    # Whenever the sender showed its convention with a shift code, it is the right one.
    assert modem.decoder.reader.sender_unshifts_on_space in (None, UNSHIFTS_ON_SPACE[peer])


@pytest.mark.parametrize("peer", PEERS)
def test_an_id_and_ga_from_each_peer_at_an_input(peer: str) -> None:
    needs(peer)
    reading, _ = our_reading(through_line(caller_audio(peer, "1000000002 GA")), Accepts.DIGITS)
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
    reading, _ = our_reading(through_line(caller_audio(peer, text), seed=1, **LINES[line]))
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
