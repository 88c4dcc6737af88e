"""G.711 mu-law, as telephone networks and Twilio Media Streams carry 8 kHz audio, in numpy."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

_BIAS: Final = 0x84
_CLIP: Final = 32635


def _decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    magnitude = (((codes & 0x0F) << 3) + _BIAS << exponent) - _BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


_DECODE: Final = _decode_table()


def ulaw_decode(data: bytes | bytearray | memoryview) -> npt.NDArray[np.int16]:
    """16-bit linear samples for mu-law bytes."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(samples: npt.ArrayLike) -> bytes:
    """Mu-law bytes for 16-bit linear samples (values outside the int16 range are clipped)."""
    pcm = np.clip(np.asarray(samples, dtype=np.int32), -32768, 32767)
    sign = np.where(pcm < 0, 0x80, 0)
    # Negative samples use their one's complement, as the G.711 reference code does.
    magnitude = np.minimum(np.where(pcm < 0, ~pcm, pcm), _CLIP) + _BIAS
    # Segment number: position of the highest set bit above bit 7 (magnitude is at least 0x84, below 0x8000).
    exponent = np.floor(np.log2(magnitude >> 7 | 1)).astype(np.int32)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: npt.NDArray[np.uint8] = (~(sign | exponent << 4 | mantissa) & 0xFF).astype(np.uint8)
    return codes.tobytes()
