"""WAV files: 16-bit PCM both ways, mu-law (format tag 7) both ways, and what is refused."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.media.wav import WavError, read_wav, write_wav

RAMP = np.arange(-32768, 32768, 97, dtype=np.int16)


def test_pcm_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pcm.wav"
    write_wav(path, RAMP, 8000)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
    samples, rate = read_wav(path)
    assert rate == 8000
    assert samples.dtype == np.int16
    assert np.array_equal(samples, RAMP)


def test_mulaw_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mulaw.wav"
    write_wav(path, RAMP, 8000, mulaw=True)
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE"
    assert struct.unpack_from("<HHI", raw, 20) == (7, 1, 8000)  # format tag 7, mono, 8 kHz
    assert len(raw) < 2 * len(RAMP)  # one byte a sample
    samples, rate = read_wav(path)
    assert rate == 8000
    assert np.array_equal(samples, ulaw_decode(ulaw_encode(RAMP)))


def test_extensible_mulaw_with_extra_chunks(tmp_path: Path) -> None:
    data = ulaw_encode(RAMP)
    guid = struct.pack("<H", 7) + bytes.fromhex("000000001000800000aa00389b71")
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 16000, 32000, 2, 8, 22, 8, 0) + guid
    list_chunk = b"LIST" + struct.pack("<I", 5) + b"INFOx\0"  # odd size, padded
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + list_chunk
    body += b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "ext.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    samples, rate = read_wav(path)
    assert rate == 16000
    assert np.array_equal(samples, ulaw_decode(data)[::2])  # the first channel of two


def test_stereo_pcm_gives_the_first_channel(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    frames = np.stack([RAMP, np.zeros_like(RAMP)], axis=1)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(frames.astype("<i2").tobytes())
    samples, _ = read_wav(path)
    assert np.array_equal(samples, RAMP)


def test_refused_files(tmp_path: Path) -> None:
    eight_bit = tmp_path / "u8.wav"
    with wave.open(str(eight_bit), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(100))
    with pytest.raises(WavError, match="8-bit"):
        read_wav(eight_bit)
    text = tmp_path / "text.wav"
    text.write_text("not audio")
    with pytest.raises(WavError, match="not a RIFF WAVE"):
        read_wav(text)
    headless = tmp_path / "headless.wav"
    headless.write_bytes(b"RIFF\x04\x00\x00\x00WAVE")
    with pytest.raises(WavError, match="the fmt or the data chunk is missing"):
        read_wav(headless)
