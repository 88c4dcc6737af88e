"""The telephone format: 8 kHz mono G.711 mu-law WAV, written and read with the standard library alone.

G.711 mu-law is what the telephone network carries, so a prompt in this format is played as recorded,
without another conversion. The codec itself is ivr.media.g711, shared with the TTY modem.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RATE = 8000
WAVE_FORMAT_PCM = 1
WAVE_FORMAT_MULAW = 7


class WavError(ValueError):
    """The bytes are not a WAV file this module can read."""


def mulaw_wav(ulaw: bytes, rate: int = RATE) -> bytes:
    """A mono mu-law WAV file: a WAVEFORMATEX fmt chunk (format 7), the fact chunk non-PCM data needs, data."""
    fmt = struct.pack("<HHIIHHH", WAVE_FORMAT_MULAW, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(ulaw))
    pad = b"\0" if len(ulaw) % 2 else b""
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"fact"
        + struct.pack("<I", len(fact))
        + fact
        + b"data"
        + struct.pack("<I", len(ulaw))
        + ulaw
        + pad
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@dataclass(frozen=True)
class WavInfo:
    format_tag: int
    channels: int
    rate: int
    bits: int
    data: bytes

    @property
    def frames(self) -> int:
        return len(self.data) // max(1, self.channels * self.bits // 8)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def read_wav(content: bytes) -> WavInfo:
    """The format and the sample data of a RIFF WAV file (any format tag; the data is not decoded)."""
    if len(content) < 12 or content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        raise WavError("not a RIFF WAVE file")
    position, fmt, data = 12, None, None
    while position + 8 <= len(content):
        chunk_id = content[position : position + 4]
        (size,) = struct.unpack_from("<I", content, position + 4)
        chunk = content[position + 8 : position + 8 + size]
        if chunk_id == b"fmt ":
            if len(chunk) < 16:
                raise WavError("the fmt chunk is too short")
            fmt = struct.unpack_from("<HHIIHH", chunk)
        elif chunk_id == b"data":
            data = chunk
        position += 8 + size + (size % 2)
    if fmt is None or data is None:
        raise WavError("the fmt or the data chunk is missing")
    format_tag, channels, rate, _, _, bits = fmt
    if channels < 1 or rate < 1 or bits < 1:
        raise WavError("the fmt chunk describes no audio")
    return WavInfo(format_tag, channels, rate, bits, data)
