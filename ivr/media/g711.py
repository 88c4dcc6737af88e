"""G.711 mu-law, the telephone network's 8 kHz audio, by the reference algorithm (standard library only).

The one codec of the project: recorded prompts (ivr.media.recordings) and the TTY modem (ivr.media.tty) both use these
tables. A 65,536-entry table makes encoding one lookup per sample.
"""

from __future__ import annotations

from array import array

_BIAS = 0x84
_CLIP = 8159  # of the 14-bit magnitude G.711 encodes
_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


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
ENCODE_TABLE = bytes(_encode_sample(u - 0x10000 if u & 0x8000 else u) for u in range(0x10000))
DECODE_TABLE = tuple(_decode_byte(code) for code in range(256))


def mulaw_encode(pcm16: bytes) -> bytes:
    """Little-endian signed 16-bit PCM to mu-law, one byte per sample."""
    samples = array("H")
    samples.frombytes(pcm16)
    return bytes(ENCODE_TABLE[sample] for sample in samples)


def mulaw_decode(ulaw: bytes) -> bytes:
    """Mu-law bytes to little-endian signed 16-bit PCM."""
    return array("h", (DECODE_TABLE[code] for code in ulaw)).tobytes()
