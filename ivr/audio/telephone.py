"""The telephone format: 8 kHz mono G.711 mu-law WAV, written and read with the standard library alone.

G.711 mu-law is what the telephone network carries, so a prompt in this format is played as recorded,
without another conversion. The codec below is the G.711 reference algorithm; a
65,536-entry table makes encoding a whole prompt one pass over its samples.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass

RATE = 8000
WAVE_FORMAT_PCM = 1
WAVE_FORMAT_MULAW = 7
_BIAS = 0x84
_CLIP = 8159  # of the 14-bit magnitude G.711 encodes
_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


class WavError(ValueError):
    """The bytes are not a WAV file this module can read."""


def _encode_sample(sample: int) -> int:
    value = sample >> 2  # G.711 mu-law encodes 14 bits
    mask = 0x7F if value < 0 else 0xFF
    value = min(abs(value), _CLIP) + (_BIAS >> 2)
    for segment, end in enumerate(_SEGMENT_ENDS):
        if value <= end:
            return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask
    return 0x7F ^ mask  # pragma: no cover - the clip above keeps every value inside the last segment


def _decode_byte(code: int) -> int:
    code = ~code & 0xFF
    magnitude = ((((code & 0x0F) << 3) + _BIAS) << ((code & 0x70) >> 4)) - _BIAS
    return -magnitude if code & 0x80 else magnitude


# index: a 16-bit sample as an unsigned number (sample & 0xFFFF)
_ENCODE = bytes(_encode_sample(u - 0x10000 if u & 0x8000 else u) for u in range(0x10000))
_DECODE = tuple(_decode_byte(code) for code in range(256))


def mulaw_encode(pcm16: bytes) -> bytes:
    """Little-endian signed 16-bit PCM to mu-law, one byte per sample."""
    samples = array("H")
    samples.frombytes(pcm16)
    if samples.itemsize != 2:  # pragma: no cover - array("H") is two bytes on every supported platform
        raise RuntimeError("unsigned short is not 16 bits here")
    return bytes(_ENCODE[sample] for sample in samples)


def mulaw_decode(ulaw: bytes) -> bytes:
    """Mu-law bytes to little-endian signed 16-bit PCM."""
    return array("h", (_DECODE[code] for code in ulaw)).tobytes()


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
