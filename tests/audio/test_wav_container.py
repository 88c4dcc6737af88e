"""The G.711 mu-law codec and the WAV container the build writes."""

from __future__ import annotations

import warnings
from array import array

import pytest

from ivr.media.g711 import mulaw_decode, mulaw_encode
from ivr.media.wav import WavError, mulaw_wav, parse_wav
from tests.audio.conftest import wav_format

EVERY_SAMPLE = array("h", range(-32768, 32768)).tobytes()


def test_encoding_matches_the_reference_codec_for_every_16_bit_sample() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the reference itself is deprecated
        audioop = pytest.importorskip("audioop", reason="the audioop reference codec left Python in 3.13")
    assert mulaw_encode(EVERY_SAMPLE) == audioop.lin2ulaw(EVERY_SAMPLE, 2)
    codes = bytes(range(256))
    assert mulaw_decode(codes) == audioop.ulaw2lin(codes, 2)


def test_round_trip_keeps_the_sign_and_stays_within_a_step() -> None:
    original = array("h", range(-32768, 32768, 7))
    decoded = array("h", mulaw_decode(mulaw_encode(original.tobytes())))
    for before, after in zip(original, decoded, strict=True):
        # G.711 steps grow with the magnitude: at most 1/16 of it, plus the smallest step near zero
        assert abs(before - after) <= abs(before) / 16 + 8
        assert before * after >= 0
    assert mulaw_encode(array("h", [0]).tobytes()) == b"\xff"


def test_the_wav_container_says_8_khz_mono_mu_law() -> None:
    ulaw = mulaw_encode(array("h", [0, 1000, -1000]).tobytes())
    content = mulaw_wav(ulaw)
    assert wav_format(content) == (7, 1, 8000, 8)
    info = parse_wav(content)
    assert (info.format_tag, info.channels, info.rate, info.bits, info.data) == (7, 1, 8000, 8, ulaw)
    assert len(content) % 2 == 0  # the odd-length data chunk is padded, as RIFF requires


@pytest.mark.parametrize(
    "content", [b"", b"RIFF\0\0\0\0WAVE", b"ID3\x03" + bytes(100), b"RIFF\x04\0\0\0WAVEfmt "]
)
def test_what_is_not_a_wav_file_is_refused(content: bytes) -> None:
    with pytest.raises(WavError):
        parse_wav(content)
