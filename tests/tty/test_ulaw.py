"""G.711 mu-law in numpy against the values the standard fixes."""

from __future__ import annotations

import numpy as np

from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode


def test_known_codes() -> None:
    decoded = ulaw_decode(bytes([0x00, 0x80, 0xFF, 0x7F, 0xFE, 0x7E, 0xEF, 0x6F]))
    assert decoded.dtype == np.int16
    assert decoded.tolist() == [-32124, 32124, 0, 0, 8, -8, 132, -132]


def test_every_code_survives_a_round_trip() -> None:
    codes = bytes(range(256))
    again = ulaw_encode(ulaw_decode(codes))
    assert [c for c, d in zip(codes, again, strict=True) if c != d] == [0x7F]  # -0 comes back as +0 (0xFF)


def test_encoding_error_stays_within_one_step() -> None:
    pcm = np.arange(-32124, 32125, dtype=np.int32)
    error = np.abs(ulaw_decode(ulaw_encode(pcm)).astype(np.int32) - pcm)
    magnitude = np.abs(pcm)
    # Steps are 8 apart near zero and double in each of the eight segments: about 1/16 of the value.
    # The G.711 reference encoder truncates to the step below, so the error is under one step.
    assert np.all(error[magnitude < 120] < 8)
    assert np.all(error <= np.maximum(8, magnitude / 8))
    assert error[magnitude > 16384].max() >= 256  # the coarsest step really is coarse


def test_clipping_and_monotonic() -> None:
    assert ulaw_encode([40000, -40000, 32767, -32768]) == bytes([0x80, 0x00, 0x80, 0x00])
    ramp = ulaw_decode(ulaw_encode(np.arange(-32768, 32768, 7)))
    assert np.all(np.diff(ramp.astype(np.int32)) >= 0)
    assert len(ulaw_encode(np.zeros(160, np.int16))) == 160
