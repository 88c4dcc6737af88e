"""G.711 mu-law for numpy sample arrays, as telephone networks and Twilio Media Streams carry 8 kHz audio.

The tables are ivr.media.g711's (the reference algorithm), shared with the recorded prompts.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.media.g711 import DECODE_TABLE, ENCODE_TABLE

_DECODE: Final = np.array(DECODE_TABLE, dtype=np.int16)
_ENCODE: Final = np.frombuffer(ENCODE_TABLE, dtype=np.uint8)


def ulaw_decode(data: bytes | bytearray | memoryview) -> npt.NDArray[np.int16]:
    """16-bit linear samples for mu-law bytes."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(samples: npt.ArrayLike) -> bytes:
    """Mu-law bytes for 16-bit linear samples (values outside the int16 range are clipped)."""
    pcm = np.clip(np.asarray(samples, dtype=np.int32), -32768, 32767).astype(np.int16)
    codes: npt.NDArray[np.uint8] = _ENCODE[pcm.view(np.uint16)]
    return codes.tobytes()
