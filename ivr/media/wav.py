"""Mono WAV files for the TTY modem: 16-bit PCM written with `wave`; PCM or G.711 mu-law read by hand.

`wave` cannot read mu-law WAV (format tag 7), so `read_wav` walks the RIFF chunks itself.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode

PCM: Final = 1
MULAW: Final = 7
_EXTENSIBLE: Final = 0xFFFE


class WavError(ValueError):
    """The file is not a WAV file this module reads."""


def write_wav(
    path: str | Path, samples: npt.ArrayLike, sample_rate: int = 8000, *, mulaw: bool = False
) -> None:
    """Write mono audio as 16-bit PCM, or as 8-bit G.711 mu-law when `mulaw`."""
    pcm = np.clip(np.asarray(samples), -32768, 32767).astype("<i2")
    if not mulaw:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm.tobytes())
        return
    data = ulaw_encode(pcm)
    fmt = struct.pack("<HHIIHHH", MULAW, 1, sample_rate, sample_rate, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"fact", fact) + _chunk(b"data", data)
    Path(path).write_bytes(_chunk(b"RIFF", body))


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def read_wav(path: str | Path) -> tuple[npt.NDArray[np.int16], int]:
    """16-bit samples (first channel) and the sample rate of a 16-bit PCM or 8-bit mu-law WAV file."""
    raw = Path(path).read_bytes()
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise WavError(f"{path}: not a RIFF WAVE file")
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    pos = 12
    while pos + 8 <= len(raw):
        tag, size = raw[pos : pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        payload = raw[pos + 8 : pos + 8 + size]
        if tag == b"fmt ":
            if len(payload) < 16:
                raise WavError(f"{path}: short fmt chunk")
            tag_id, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", payload)
            if tag_id == _EXTENSIBLE and len(payload) >= 26:
                tag_id = struct.unpack_from("<H", payload, 24)[0]  # first two bytes of the sub-format GUID
            fmt = (tag_id, channels, rate, bits)
        elif tag == b"data":
            data = payload
        pos += 8 + size + (size % 2)
    if fmt is None or data is None:
        raise WavError(f"{path}: no fmt or data chunk")
    tag_id, channels, rate, bits = fmt
    if channels < 1:
        raise WavError(f"{path}: no channels")
    if tag_id == PCM and bits == 16:
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
    elif tag_id == MULAW and bits == 8:
        samples = ulaw_decode(data)
    else:
        raise WavError(f"{path}: format {tag_id} with {bits}-bit samples; expected 16-bit PCM or mu-law")
    return samples[: len(samples) // channels * channels : channels], rate
