"""Baudot (TTY/TDD, TIA-825-A) text telephone modem for deaf callers: encoder, streaming decoder, G.711.

Imports are lazy so that `ivr --help` does not load numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivr.tty.baudot import encode, to_codes, tty_text
    from ivr.tty.demodulator import BaudotDecoder, TtyModem, decode
    from ivr.tty.ulaw import ulaw_decode, ulaw_encode
    from ivr.tty.wav import WavError, read_wav, write_wav

__all__ = [
    "BaudotDecoder",
    "TtyModem",
    "WavError",
    "decode",
    "encode",
    "read_wav",
    "to_codes",
    "tty_text",
    "ulaw_decode",
    "ulaw_encode",
    "write_wav",
]

_HOMES = {
    "encode": "baudot",
    "to_codes": "baudot",
    "tty_text": "baudot",
    "BaudotDecoder": "demodulator",
    "TtyModem": "demodulator",
    "decode": "demodulator",
    "ulaw_decode": "ulaw",
    "ulaw_encode": "ulaw",
    "WavError": "wav",
    "read_wav": "wav",
    "write_wav": "wav",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
