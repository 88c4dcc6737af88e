"""The one WAV module: the RIFF container read and written with the standard library, and mono audio as
16-bit samples for the TTY modem and the recorded prompts.

The telephone format is 8 kHz mono G.711 mu-law (format tag 7): what the telephone network carries, so a
prompt in it is played as recorded. `wave` cannot read or write mu-law WAV, so the container is handled
here by hand; the codec itself is ivr.media.g711 (through the numpy arrays of ivr.media.tty.ulaw).
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.core.errors import IvrError
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode

TELEPHONE_RATE: Final = 8000
PCM: Final = 1
MULAW: Final = 7
_EXTENSIBLE: Final = 0xFFFE


class WavError(IvrError, ValueError):
    """The bytes are not a WAV file this module reads."""

    hint = "a WAV file of 16-bit PCM or 8-bit G.711 mu-law is expected"


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


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def mulaw_wav(ulaw: bytes, rate: int = TELEPHONE_RATE) -> bytes:
    """A mono mu-law WAV file: a WAVEFORMATEX fmt chunk (format 7), the fact chunk non-PCM data needs, data."""
    fmt = struct.pack("<HHIIHHH", MULAW, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(ulaw))
    return _chunk(b"RIFF", b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"fact", fact) + _chunk(b"data", ulaw))


def parse_wav(content: bytes) -> WavInfo:
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
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", chunk)
            if tag == _EXTENSIBLE and len(chunk) >= 26:
                tag = struct.unpack_from("<H", chunk, 24)[0]  # the first two bytes of the sub-format GUID
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            data = chunk
        position += 8 + size + (size % 2)
    if fmt is None or data is None:
        raise WavError("the fmt or the data chunk is missing")
    tag, channels, rate, bits = fmt
    if channels < 1 or rate < 1 or bits < 1:
        raise WavError("the fmt chunk describes no audio")
    return WavInfo(tag, channels, rate, bits, data)


def write_wav(
    path: str | Path, samples: npt.ArrayLike, sample_rate: int = TELEPHONE_RATE, *, mulaw: bool = False
) -> None:
    """Write mono audio as 16-bit PCM, or as 8-bit G.711 mu-law when `mulaw`."""
    pcm = np.clip(np.asarray(samples), -32768, 32767).astype("<i2")
    content = mulaw_wav(ulaw_encode(pcm), sample_rate) if mulaw else pcm_wav(pcm.tobytes(), sample_rate)
    Path(path).write_bytes(content)


def pcm_wav(pcm: bytes, rate: int = TELEPHONE_RATE) -> bytes:
    """Mono 16-bit little-endian PCM samples in a WAV container."""
    buffer = BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def read_wav(path: str | Path) -> tuple[npt.NDArray[np.int16], int]:
    """16-bit samples (first channel) and the sample rate of a 16-bit PCM or 8-bit mu-law WAV file."""
    try:
        info = parse_wav(Path(path).read_bytes())
    except WavError as error:
        raise WavError(f"{path}: {error.args[0]}") from None
    if info.format_tag == PCM and info.bits == 16:
        samples = np.frombuffer(info.data[: len(info.data) // 2 * 2], dtype="<i2").astype(np.int16)
    elif info.format_tag == MULAW and info.bits == 8:
        samples = ulaw_decode(info.data)
    else:
        raise WavError(
            f"{path}: format {info.format_tag} with {info.bits}-bit samples; expected 16-bit PCM or mu-law"
        )
    return samples[: len(samples) // info.channels * info.channels : info.channels], info.rate
