"""Streaming Baudot TTY receiver, and a duplex modem that keeps the receiver deaf to its own transmission.

Each tone (1400 Hz mark, 1800 Hz space) has a complex band-pass filter, 10 ms long: a Blackman-windowed
sinc low-pass shifted to the tone, wide enough that tones 5% off still pass. The discriminator is mark
power minus space power, per sample. A start bit is a mark-to-space change of the discriminator (averaged
over half a bit). From each candidate the character's seven bits (start, five data, first stop) are read
by summing the discriminator over the middle 65% of each bit, under seven bit-length hypotheses (nominal
+-6%); the hypothesis that has fitted the recent characters best is used. Timing restarts at every start
bit, so any number of stop bits from one up is read. A frame counts only if its start bit is space and its
stop bit mark, its bits are clearly one tone or the other, every bit carries tone (so a frame cannot
straddle the start or end of a burst) and the two tone bands hold a fifth of the line's power: silence,
hiss and telephone-band noise give no characters.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.tty.baudot import (
    BAUD,
    DATA_BITS,
    DEFAULT_SAMPLE_RATE,
    DEFAULT_STOP_BITS,
    FIGS,
    FIGURES,
    LETTERS,
    LTRS,
    MARK_HZ,
    SPACE_CODE,
    SPACE_HZ,
    encode,
)

ECHO_GUARD_SECONDS: Final = 0.300
MIN_LEVEL_DBFS: Final = -50.0
"""Tones weaker than this (power relative to a full-scale sine) are taken for silence."""
IN_BAND_RATIO: Final = 0.2
"""Share of the line's power that must sit in the two tone bands, in each half of a character."""
MIN_CONTRAST: Final = 0.45
"""How clearly each bit must be one tone rather than the other, on average (1 = clean; noise: about 0.25)."""

_FILTER_SECONDS: Final = 0.010
_CUTOFF_HZ: Final = 170.0
_BIT_WINDOW: Final = 0.65  # share of each bit that is summed, around its middle
_SPEED_ERROR: Final = 0.06  # speed hypotheses: nominal +- this, in _SPEEDS steps
_SPEEDS: Final = 7
_SPEED_MEMORY: Final = 0.8  # how much of the previous characters' evidence for a speed is kept
_STEADY_LEVEL: Final = 0.3  # no bit of a character may be weaker than this share of the character's average
_RIVALS: Final = 4  # start-bit candidates within one bit that are compared
_EDGE_RATIO: Final = 0.15  # in-band share needed around a start-bit candidate before it is examined
_BLOCK: Final = 8192  # longer inputs are filtered in blocks of this many samples

_Floats = npt.NDArray[np.float64]


def _band_filters(sample_rate: int, mark_hz: float, space_hz: float) -> _Floats:
    """Columns: real and imaginary taps for mark, then for space; a tone of amplitude A comes out as |A|."""
    taps = round(_FILTER_SECONDS * sample_rate) | 1
    k = np.arange(taps) - (taps - 1) / 2
    lowpass = np.sinc(2 * _CUTOFF_HZ * k / sample_rate) * np.blackman(taps)
    lowpass *= 2 / lowpass.sum()
    columns = []
    for hz in (mark_hz, space_hz):
        phase = 2 * np.pi * hz * k / sample_rate
        columns += [lowpass * np.cos(phase), lowpass * np.sin(phase)]
    return np.ascontiguousarray(np.stack(columns, axis=1)[::-1])


def _running_sum(values: _Floats) -> _Floats:
    """Prefix sums with a leading zero: sum(values[a:b]) == result[b] - result[a]."""
    out = np.empty(len(values) + 1)
    out[0] = 0.0
    np.cumsum(values, out=out[1:])
    return out


class BaudotDecoder:
    r"""Feed audio in chunks of any size; each call returns the characters completed so far.

    Output uses "\r" and "\n" for CR and LF and "\a" for BELL. `mute_until` drops characters whose start
    bit begins before a given sample time, so the receiver does not print the echo of what we send.
    With `unshift_on_space`, a space also selects letters, as some receivers do.
    """

    def __init__(
        self,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        *,
        baud: float = BAUD,
        mark_hz: float = MARK_HZ,
        space_hz: float = SPACE_HZ,
        min_level_dbfs: float = MIN_LEVEL_DBFS,
        unshift_on_space: bool = False,
    ) -> None:
        self.sample_rate = sample_rate
        self.unshift_on_space = unshift_on_space
        self._filters = _band_filters(sample_rate, mark_hz, space_hz)
        taps = len(self._filters)
        self._delay = (taps - 1) // 2
        self._history = np.zeros(taps - 1)
        bit = sample_rate / baud
        self._bit = bit
        self._smooth = max(1, round(bit / 4))  # half-width of the start-edge window
        self._gate = max(1, round(bit / 2))  # half-width of the in-band window around an edge
        # Per speed hypothesis (rows): the middle of the start bit, each data bit and the first stop bit.
        bits = bit / (1 + np.linspace(-_SPEED_ERROR, _SPEED_ERROR, _SPEEDS))
        centres = (np.arange(2 + DATA_BITS) + 0.5) * bits[:, None]
        self._lo = np.round(centres - bits[:, None] * _BIT_WINDOW / 2).astype(np.intp)
        self._hi = np.round(centres + bits[:, None] * _BIT_WINDOW / 2).astype(np.intp)
        self._resumes = np.round((1.5 + DATA_BITS) * bits).astype(np.intp)  # no start bit comes sooner
        self._reach = int(self._hi.max())
        self._speed_score = np.zeros(len(bits))
        self._weights = 1 << np.arange(DATA_BITS)
        # A tone of amplitude A gives band power A^2; a full-scale sine has power 32767^2 / 2.
        self._min_power = 32767.0**2 * 10 ** (min_level_dbfs / 10)
        self._time = 0  # input samples fed so far
        self._start = 0  # filter-output index of the first buffered value (= input index it ends at)
        self._search = 0  # filter-output index where the next start bit may begin
        self._diff: _Floats = np.zeros(0)  # mark power minus space power
        self._band: _Floats = np.zeros(0)  # mark power plus space power
        self._line: _Floats = np.zeros(0)  # twice the input power, over the filters' window
        self._shift = LTRS
        self._muted_until = 0

    @property
    def time(self) -> int:
        """Samples fed so far: the sample time of the next sample."""
        return self._time

    def mute_until(self, sample_time: int) -> None:
        """Drop characters whose start bit begins before `sample_time` (counted like `time`)."""
        self._muted_until = max(self._muted_until, sample_time)

    def mute(self, duration_samples: int) -> None:
        """Drop characters that start within the next `duration_samples` samples."""
        self.mute_until(self._time + duration_samples)

    def feed(self, samples: npt.ArrayLike) -> str:
        """Take the next chunk of 16-bit audio (any length); return newly decoded text."""
        chunk = np.asarray(samples, dtype=np.float64).ravel()
        return "".join(self._feed(chunk[i : i + _BLOCK]) for i in range(0, chunk.size, _BLOCK))

    def flush(self) -> str:
        """Finish the characters still in the filters (call at the end of a recording)."""
        return self.feed(np.zeros(self._reach + self._gate + len(self._filters) + 1))

    def _feed(self, chunk: _Floats) -> str:
        taps = len(self._filters)
        signal = np.concatenate([self._history, chunk])
        self._history = signal[chunk.size :]
        self._time += chunk.size
        step = signal.strides[0]
        windows = np.lib.stride_tricks.as_strided(signal, (chunk.size, taps), (step, step), writeable=False)
        out = windows @ self._filters
        squares = out * out
        mark = squares[:, 0] + squares[:, 1]
        space = squares[:, 2] + squares[:, 3]
        energy = _running_sum(signal * signal)
        line = (energy[taps:] - energy[:-taps]) * (2 / taps)
        self._diff = np.concatenate([self._diff, mark - space])
        self._band = np.concatenate([self._band, mark + space])
        self._line = np.concatenate([self._line, line])
        return self._scan()

    def _scan(self) -> str:
        """Decode every character that is complete in the buffer, then drop what is no longer needed."""
        n = len(self._diff)
        h, g = self._smooth, self._gate
        first = max(self._search - self._start, h + 1, g)
        last = n - max(h, g)  # the edge windows need this much look-ahead
        text: list[str] = []
        if last > first:
            # Edges first, from a running sum over just the new stretch; the rest only if there are some.
            base = first - 1 - h
            local = _running_sum(self._diff[base : last + h])
            at = np.arange(first - 1, last) - base
            spacing = local[at + h] - local[at - h] < 0
            edges = (at[1:] + base)[spacing[1:] & ~spacing[:-1]]  # mark-to-space changes
            waiting = None
            if edges.size:
                band = _running_sum(self._band)
                line = _running_sum(self._line)
                in_band = band[edges + g] - band[edges - g]
                carrier = (in_band > 2 * g * self._min_power) & (
                    in_band > _EDGE_RATIO * (line[edges + g] - line[edges - g])
                )
                if carrier.any():
                    diff = _running_sum(self._diff)
                    text, waiting = self._characters(edges[carrier].tolist(), diff, band, line)
            self._search = max(self._search, self._start + (last if waiting is None else waiting))
        keep = max(0, min(self._search - self._start, n) - max(h, g) - 1)
        if keep:
            self._start += keep
            self._diff = self._diff[keep:]
            self._band = self._band[keep:]
            self._line = self._line[keep:]
        return "".join(text)

    def _characters(
        self, edges: list[int], diff: _Floats, band: _Floats, line: _Floats
    ) -> tuple[list[str], int | None]:
        """Text from the frames at these start-bit candidates, and the candidate still waiting for samples."""
        text: list[str] = []
        for i, edge in enumerate(edges):
            if edge < self._search - self._start:
                continue  # inside the character already read
            # A noise dip can look like a start bit: of the candidates within one bit, read the clearest.
            rivals = [e for e in edges[i : i + _RIVALS] if e - edge < self._bit]
            if rivals[-1] + self._reach > len(self._diff):
                return text, edge
            frames = [f for f in (self._frame(e, diff, band, line) for e in rivals) if f is not None]
            if not frames:
                continue
            _, start, code, resume, score = max(frames, key=lambda frame: frame[0])
            self._speed_score = score
            self._search = self._start + start + resume
            if self._start + start - self._delay >= self._muted_until:
                text.append(self._character(code))
        return text, None

    def _frame(
        self, edge: int, diff: _Floats, band: _Floats, line: _Floats
    ) -> tuple[float, int, int, int, _Floats] | None:
        """For a character starting at `edge`: how clear it is, `edge`, its code, where the next may start,
        and the updated evidence for each speed; None if it is not a character."""
        sums = diff[edge + self._hi] - diff[edge + self._lo]
        power = band[edge + self._hi] - band[edge + self._lo]
        contrast = np.abs(sums).sum(axis=1) / np.maximum(power.sum(axis=1), 1e-9)
        score = self._speed_score * _SPEED_MEMORY + contrast
        best = int(np.argmax(score))
        bits, power = sums[best], power[best]
        if bits[0] >= 0 or bits[-1] <= 0 or contrast[best] < MIN_CONTRAST:
            return None  # no start bit, no stop bit, or no clear tones: not a character
        if power.min() < _STEADY_LEVEL * power.mean():
            return None  # the tones started or stopped during the character
        total = line[edge + self._hi[best]] - line[edge + self._lo[best]]
        if (
            power[:3].sum() < IN_BAND_RATIO * total[:3].sum()
            or power[3:].sum() < IN_BAND_RATIO * total[3:].sum()
        ):
            return None  # the carrier began after the start bit or ended before the stop bit
        code = int(self._weights @ (bits[1:-1] > 0))
        return float(contrast[best]), edge, code, int(self._resumes[best]), score

    def _character(self, code: int) -> str:
        if code in (LTRS, FIGS):
            self._shift = code
            return ""
        if code == SPACE_CODE and self.unshift_on_space:
            self._shift = LTRS
        return (LETTERS if self._shift == LTRS else FIGURES)[code]


def decode(
    samples: npt.ArrayLike, sample_rate: int = DEFAULT_SAMPLE_RATE, *, unshift_on_space: bool = False
) -> str:
    """All the text in a recording."""
    decoder = BaudotDecoder(sample_rate, unshift_on_space=unshift_on_space)
    return decoder.feed(samples) + decoder.flush()


class TtyModem:
    """One call's TTY modem: `send` returns audio to play and mutes the receiver until that audio (plus a
    guard time for the echo to die down) has gone out; `receive` decodes the caller's audio."""

    def __init__(
        self,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        *,
        stop_bits: float = DEFAULT_STOP_BITS,
        echo_guard_seconds: float = ECHO_GUARD_SECONDS,
        unshift_on_space: bool = False,
    ) -> None:
        self.sample_rate = sample_rate
        self.stop_bits = stop_bits
        self.decoder = BaudotDecoder(sample_rate, unshift_on_space=unshift_on_space)
        self._guard = math.ceil(echo_guard_seconds * sample_rate)
        self._sending_until = 0

    def send(self, text: str) -> npt.NDArray[np.int16]:
        """Audio for `text`, to be played right after anything sent before; mutes the receiver meanwhile."""
        audio = encode(text, self.sample_rate, stop_bits=self.stop_bits)
        if audio.size:
            self._sending_until = max(self._sending_until, self.decoder.time) + audio.size
            self.decoder.mute_until(self._sending_until + self._guard)
        return audio

    def receive(self, samples: npt.ArrayLike) -> str:
        """Decode the next chunk of the caller's audio."""
        return self.decoder.feed(samples)
