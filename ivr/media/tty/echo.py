"""How late and how loud the line echoes our own TTY audio back, measured on the call itself.

The far end (a caller's line, a long network path) returns what we send, some time later and quieter,
and our receiver must not read that echo as the caller typing. Rather than assume a delay,
`estimate_echo` finds it: it correlates the tone pattern of the audio we sent with the audio received,
over delays from 0 to a bound (1 s by default), and reports the delay, the echo's level and how well
the two match, or None when nothing received matches what we sent (no echo, or too weak to matter).

The pattern compared is each signal's mark power minus space power, every millisecond (the receiver's
own filters, ivr.media.tty.demodulator): Baudot's tones have a constant envelope, but the order of marks and
spaces is the text itself, so a delayed copy lines up at one delay only. Hiss, speech and the caller's
own typing (a different text) do not line up with it. Pure numpy, no state: the session keeps the audio
it sent, with the sample time at which it was to start playing, and the audio received since.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.media.tty.baudot import DEFAULT_SAMPLE_RATE, MARK_HZ, SPACE_HZ
from ivr.media.tty.demodulator import band_filters

MAX_DELAY_SECONDS: Final = 1.0
MIN_CORRELATION: Final = 0.5
"""How closely the received pattern must follow ours (1 = a perfect, noiseless copy) to count as echo."""
_OUTPUT_HZ: Final = 1000


@dataclass(frozen=True)
class EchoEstimate:
    """The echo of our audio: it starts `delay_samples` after the audio was to start playing, at
    `level_db` relative to what we sent (power; -20 is a hundredth), matching it with `correlation`."""

    delay_samples: int
    level_db: float
    correlation: float

    def ends_at(self, sent_at: int, sent_samples: int) -> int:
        """The sample time at which the echo of `sent_samples` of audio sent at `sent_at` has ended."""
        return sent_at + sent_samples + self.delay_samples


def _pattern(audio: npt.NDArray[np.float64], sample_rate: int) -> npt.NDArray[np.float64]:
    """Mark power minus space power, one value every `step` samples (window j starts at sample j*step)."""
    filters = band_filters(sample_rate, MARK_HZ, SPACE_HZ)
    taps = len(filters)
    step = max(1, round(sample_rate / _OUTPUT_HZ))
    if audio.size < taps:
        return np.zeros(0)
    windows = np.lib.stride_tricks.sliding_window_view(audio, taps)[::step]
    out = windows @ filters
    squares = out * out
    pattern: npt.NDArray[np.float64] = squares[:, 0] + squares[:, 1] - squares[:, 2] - squares[:, 3]
    return pattern


def estimate_echo(
    sent: npt.ArrayLike,
    sent_at: int,
    received: npt.ArrayLike,
    received_at: int,
    *,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    max_delay_seconds: float = MAX_DELAY_SECONDS,
    min_correlation: float = MIN_CORRELATION,
) -> EchoEstimate | None:
    """The echo of `sent` (16-bit audio we sent, to start playing at sample time `sent_at`) in `received`
    (the caller's audio from sample time `received_at`), at a delay of 0 to `max_delay_seconds`.

    Sample times count the caller's stream, as the TTY session's clock does. `received` should cover
    the audio sent plus the longest delay looked for; a delay whose echo falls partly outside it is
    judged on the part inside. None when no delay matches with at least `min_correlation`.
    """
    ours = np.asarray(sent, dtype=np.float64).ravel()
    theirs = np.asarray(received, dtype=np.float64).ravel()
    # Line the received audio up with ours: index i of both is the same sample time at zero delay.
    shift = received_at - sent_at
    theirs = np.concatenate([np.zeros(shift), theirs]) if shift >= 0 else theirs[-shift:]
    step = max(1, round(sample_rate / _OUTPUT_HZ))
    mine, line = _pattern(ours, sample_rate), _pattern(theirs, sample_rate)
    lags = min(round(max_delay_seconds * sample_rate / step), len(line) - 1)
    mine_energy = float(mine @ mine)
    if lags < 0 or mine.size == 0 or mine_energy <= 0:
        return None
    size = 1 << math.ceil(math.log2(mine.size + line.size))
    spectrum = np.fft.rfft(line, size) * np.conj(np.fft.rfft(mine, size))
    products = np.fft.irfft(spectrum, size)[: lags + 1]
    energy = np.concatenate([[0.0], np.cumsum(line * line)])
    ends = np.minimum(np.arange(lags + 1) + mine.size, line.size)
    line_energy = energy[ends] - energy[: lags + 1]
    correlation = products / np.sqrt(np.maximum(line_energy, 1e-9) * mine_energy)
    best = int(np.argmax(correlation))
    if correlation[best] < min_correlation or products[best] <= 0:
        return None
    gain = products[best] / mine_energy  # least squares: received pattern = gain * ours, at that delay
    return EchoEstimate(best * step, 10 * math.log10(gain), float(correlation[best]))
