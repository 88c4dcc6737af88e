"""One recording to one telephone prompt: 8 kHz mono, silence trimmed, loudness normalised, mu-law encoded.

The loudness target is a speech level, not a peak: the power average of the 20 ms frames within 30 dB of
the loudest frame, so pauses between sentences do not make a prompt count as quieter than it sounds. Every
prompt is brought to LOUDNESS_DBFS, unless that would push its peaks over PEAK_CEILING_DBFS, in which case
it stays below the target and the build says so.
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ivr.core.errors import IvrError
from ivr.media.g711 import mulaw_encode
from ivr.media.recordings.segment import (
    AudioSegment,
    UnreadableAudio,
    decode,
    detect_leading_silence,
    resampler,
    to_telephone,
)
from ivr.media.recordings.texts import (
    MARGIN_SECONDS,
    MAX_SECONDS,
    MIN_SECONDS_PER_WORD,
    SECONDS_PER_WORD,
    length_warning,
)
from ivr.media.wav import TELEPHONE_RATE, mulaw_wav

ALGORITHM = 1  # raise when the processing changes, so the next build redoes every prompt
FLOOR_DBFS = -120.0  # what digital silence is reported as
_FULL_SCALE = 32768.0
_FRAME_MS = 20


class RecordingError(IvrError):
    """The recording cannot be played to callers (unreadable, empty, silent); the message says why."""


@dataclass(frozen=True)
class BuildSettings:
    loudness_dbfs: float = -20.0  # speech level every prompt is brought to
    peak_ceiling_dbfs: float = -1.0  # no sample louder than this after the gain
    silence_below_peak_db: float = 40.0  # leading/trailing audio this far below the peak is silence...
    silence_floor_dbfs: float = -60.0  # ...and so is anything quieter than this
    keep_silence_ms: int = 50  # kept at each end so soft first and last sounds are not cut
    silent_peak_dbfs: float = -45.0  # a recording whose loudest sample is quieter than this is silent
    min_sound_seconds: float = 0.15  # less sound than this after trimming: silent (or a click)
    clip_run: int = 3  # this many samples in a row at full scale: clipped
    quieter_warning_db: float = 2.0  # warn when the peak ceiling keeps a prompt this far under the target
    resampler: str = field(default_factory=resampler)

    def to_json(self) -> dict[str, Any]:
        length_rule = [SECONDS_PER_WORD, MARGIN_SECONDS, MAX_SECONDS, MIN_SECONDS_PER_WORD]
        return {**asdict(self), "length_rule": length_rule, "algorithm": ALGORITHM}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Processed:
    wav: bytes  # the whole mu-law WAV file
    duration: float
    peak_dbfs: float
    loudness_dbfs: float
    warnings: tuple[str, ...]


def process_file(path: Path, text: str, settings: BuildSettings) -> Processed:
    try:
        source = decode(path)
    except UnreadableAudio as exc:
        raise RecordingError(str(exc)) from None
    return process(source, text, settings)


def process(source: AudioSegment, text: str, settings: BuildSettings) -> Processed:
    source = source.set_sample_width(2)
    if source.frame_count() == 0:
        raise RecordingError("empty: it holds no audio")
    peak = peak_dbfs(source)
    if peak < settings.silent_peak_dbfs:
        raise RecordingError(f"silent: its loudest moment is {peak:.0f} dBFS")
    warnings: list[str] = []
    clipped = clipped_places(source, settings.clip_run)
    if clipped:
        warnings.append(f"clipped in {clipped} places: it was recorded too loud; record it again")
    try:
        phone = trim(to_telephone(source), settings)
    except UnreadableAudio as exc:
        raise RecordingError(str(exc)) from None
    if phone.duration_seconds < settings.min_sound_seconds:
        raise RecordingError(f"silent: less than {settings.min_sound_seconds} s of sound")
    level = speech_level_dbfs(phone)
    gain = settings.loudness_dbfs - level
    headroom = settings.peak_ceiling_dbfs - peak_dbfs(phone)
    if gain > headroom:
        gain = headroom
        if settings.loudness_dbfs - (level + gain) > settings.quieter_warning_db:
            warnings.append(
                f"{settings.loudness_dbfs - level - gain:.1f} dB quieter than the other prompts: "
                "a few peaks are much louder than the speech"
            )
    phone = phone.apply_gain(gain)
    ulaw = mulaw_encode(phone.raw_data)
    duration = round(len(ulaw) / TELEPHONE_RATE, 3)
    too_long = length_warning(text, duration)
    if too_long:
        warnings.append(too_long)
    return Processed(
        wav=mulaw_wav(ulaw, TELEPHONE_RATE),
        duration=duration,
        peak_dbfs=round(peak_dbfs(phone), 2),
        loudness_dbfs=round(speech_level_dbfs(phone), 2),
        warnings=tuple(warnings),
    )


def _dbfs(amplitude: float) -> float:
    return 20 * math.log10(amplitude / _FULL_SCALE) if amplitude > 0 else FLOOR_DBFS


def peak_dbfs(segment: AudioSegment) -> float:
    return _dbfs(float(segment.max))


def speech_level_dbfs(segment: AudioSegment, gate_db: float = 30.0) -> float:
    """The power average of the 20 ms frames within ``gate_db`` of the loudest one."""
    powers = [
        float(segment[start : start + _FRAME_MS].rms) ** 2
        for start in range(0, max(1, len(segment) - _FRAME_MS + 1), _FRAME_MS)
    ]
    loudest = max(powers, default=0.0)
    if loudest <= 0:
        return FLOOR_DBFS
    gate = loudest / 10 ** (gate_db / 10)
    speech = [power for power in powers if power >= gate]
    return _dbfs(math.sqrt(sum(speech) / len(speech)))


def clipped_places(segment: AudioSegment, run: int) -> int:
    """How many times a channel stays at full scale for ``run`` samples or more (16-bit audio)."""
    if segment.max < 32767:  # the common case, decided without looking at every sample
        return 0
    samples = array("h", segment.raw_data)
    places = 0
    for channel in range(segment.channels):
        length = 0
        for sample in samples[channel :: segment.channels]:
            if sample >= 32767 or sample <= -32767:
                length += 1
                if length == run:
                    places += 1
            else:
                length = 0
    return places


def trim(segment: AudioSegment, settings: BuildSettings) -> AudioSegment:
    threshold = max(peak_dbfs(segment) - settings.silence_below_peak_db, settings.silence_floor_dbfs)
    lead = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=10)
    tail = detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=10)
    start = max(0, lead - settings.keep_silence_ms)
    end = len(segment) - max(0, tail - settings.keep_silence_ms)
    return segment[start:end] if end > start else segment[0:0]
