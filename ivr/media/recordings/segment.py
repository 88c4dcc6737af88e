"""Reading recordings into pydub segments and converting them to 8 kHz mono: the one module importing pydub.

WAV needs nothing outside Python; other formats (MP3, OGG, FLAC, M4A...) are decoded by ffmpeg. When
ffmpeg is installed it also does the resampling, with a proper anti-aliasing filter; without it pydub's
simpler converter is used, and the build records which one made each file.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from pathlib import Path

from ivr.core.errors import IvrError
from ivr.media.g711 import mulaw_decode
from ivr.media.wav import MULAW, PCM, TELEPHONE_RATE, WavError, parse_wav

with warnings.catch_warnings():
    # pydub imports the standard library's audioop, which warns that it is deprecated (Python 3.11; it
    # moves to the audioop-lts package in 3.13). The warning concerns pydub, not this project.
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    # pydub warns at import when ffmpeg is not installed; ffmpeg_available() reports it where it matters.
    warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

__all__ = ["AudioSegment", "UnreadableAudio", "decode", "detect_leading_silence", "resampler", "to_telephone"]

_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_FFMPEG_TIMEOUT_SECONDS = 300


class UnreadableAudio(IvrError):
    """A recording that cannot be decoded; the message says why, in an operator's words."""

    hint = "convert the file to WAV, or install ffmpeg for other formats"


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def resampler() -> str:
    """Which converter makes 8 kHz mono audio on this machine (part of the build settings)."""
    return "ffmpeg" if ffmpeg_available() else "pydub"


def decode(path: Path) -> AudioSegment:
    """The recording's audio as it was recorded (any rate, channels and sample width)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableAudio(f"cannot be read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".wav":
        return _decode_wav(content)
    if not ffmpeg_available():
        raise UnreadableAudio(f"reading {path.suffix} files needs ffmpeg, which is not installed")
    try:
        return AudioSegment.from_file(io.BytesIO(content), format=path.suffix[1:].lower())
    except Exception as exc:  # pydub raises several types for one cause: ffmpeg could not decode it
        raise UnreadableAudio(f"ffmpeg cannot decode it: {_last_line(exc)}") from None


def _decode_wav(content: bytes) -> AudioSegment:
    try:
        info = parse_wav(content)
    except WavError as exc:
        raise UnreadableAudio(f"not a readable WAV file: {exc}") from None
    if info.format_tag == MULAW and info.bits == 8:
        return AudioSegment(
            data=mulaw_decode(info.data), sample_width=2, frame_rate=info.rate, channels=info.channels
        )
    readable_here = info.format_tag in (PCM, _WAVE_FORMAT_EXTENSIBLE)
    if not readable_here and not ffmpeg_available():
        raise UnreadableAudio(f"WAV format {info.format_tag} needs ffmpeg, which is not installed")
    try:
        return AudioSegment.from_file(io.BytesIO(content), format="wav")
    except Exception as exc:  # pydub raises several types for one cause: the WAV data is damaged
        raise UnreadableAudio(f"the WAV data cannot be decoded: {_last_line(exc)}") from None


def to_telephone(segment: AudioSegment) -> AudioSegment:
    """16-bit, 8 kHz, mono."""
    segment = segment.set_sample_width(2)
    if segment.frame_rate == TELEPHONE_RATE and segment.channels == 1:
        return segment
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return segment.set_channels(1).set_frame_rate(TELEPHONE_RATE)
    command = [
        ffmpeg, "-nostdin", "-v", "error",
        "-f", "s16le", "-ar", str(segment.frame_rate), "-ac", str(segment.channels), "-i", "pipe:0",
        "-ac", "1", "-ar", str(TELEPHONE_RATE), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    try:
        # ffmpeg from PATH with fixed arguments; the audio goes through pipes, never through a shell
        result = subprocess.run(  # noqa: S603 - fixed argument list, no shell, input is raw samples
            command, input=segment.raw_data, capture_output=True, check=True, timeout=_FFMPEG_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UnreadableAudio(f"ffmpeg could not convert it: {_last_line(exc)}") from None
    return AudioSegment(data=result.stdout, sample_width=2, frame_rate=TELEPHONE_RATE, channels=1)


def _last_line(exc: BaseException) -> str:
    stderr = getattr(exc, "stderr", None)
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else str(exc)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(exc).__name__
