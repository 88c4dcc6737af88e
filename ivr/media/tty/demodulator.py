"""Streaming Baudot TTY receiver, and a duplex modem that keeps the receiver deaf to its own transmission.

Each tone (1400 Hz mark, 1800 Hz space) has a complex band-pass filter, 10 ms long: a Blackman-windowed
sinc low-pass shifted to the tone, wide enough that tones 5% off still pass. Its output is only needed
every millisecond (a bit is 22 ms), so it is computed at 1 kHz, straight from the input samples. The
discriminator is mark power minus space power. A start bit is a mark-to-space change of the
discriminator (averaged over half a bit). From each candidate the character's seven bits (start, five
data, first stop) are read by summing the discriminator over the middle 65% of each bit, under seven
bit-length hypotheses (nominal +-6%); the hypothesis that has fitted the recent characters best is used.
Timing restarts at every start bit, so any number of stop bits from one up is read. A frame counts only
if its start bit is space and its stop bit mark, its bits are clearly one tone or the other, every bit
carries tone (so a frame cannot straddle the start or end of a burst) save one short dropout inside the
burst (a lost packet), and the two tone bands hold a fifth of the line's power: silence, hiss and
telephone-band noise give no characters.

Audio is buffered and decoded a tenth of a second at a time (`PROCESS_SECONDS`), since numpy's cost per
call, not per sample, is what a 20 ms frame pays; but once a start bit has been seen, the audio is
decoded as soon as the character is complete, so characters come out as promptly as before.
The codes go through a `ShiftReader` (ivr.media.tty.shifts), which keeps both readings where the case is in
doubt.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from ivr.media.tty.baudot import (
    BAUD,
    DATA_BITS,
    DEFAULT_SAMPLE_RATE,
    DEFAULT_STOP_BITS,
    FIGS,
    LTRS,
    MARK_HZ,
    SPACE_HZ,
    encode,
)
from ivr.media.tty.shifts import Segment, ShiftReader

ECHO_GUARD_SECONDS: Final = 0.300
MIN_LEVEL_DBFS: Final = -50.0
"""Tones weaker than this (power relative to a full-scale sine) are taken for silence."""
IN_BAND_RATIO: Final = 0.2
"""Share of the line's power that must sit in the two tone bands, in each half of a character."""
MIN_CONTRAST: Final = 0.45
"""How clearly each bit must be one tone rather than the other, on average (1 = clean; noise: about 0.25)."""
PROCESS_SECONDS: Final = 0.1
"""Audio is decoded once this much has been fed (`flush` decodes the rest)."""

_FILTER_SECONDS: Final = 0.010
_CUTOFF_HZ: Final = 170.0
_OUTPUT_HZ: Final = 1000  # the filters' output rate
_BIT_WINDOW: Final = 0.65  # share of each bit that is summed, around its middle
_SPEED_ERROR: Final = 0.06  # speed hypotheses: nominal +- this, in _SPEEDS steps
_SPEEDS: Final = 7
_SPEED_MEMORY: Final = 0.8  # how much of the previous characters' evidence for a speed is kept
_STEADY_LEVEL: Final = 0.3  # no bit of a character may be weaker than this share of the character's average
_RIVALS: Final = 4  # start-bit candidates within one bit that are compared
_EDGE_RATIO: Final = 0.15  # in-band share needed around a start-bit candidate before it is examined
_FRAME_BITS: Final = 2 + DATA_BITS  # start, data, first stop
_REBASE: Final = 1e12  # prefix sums are restarted from zero past this

_Floats = npt.NDArray[np.float64]


class Received(NamedTuple):
    """One character as the receiver framed it, before any shift is applied: `start` is the input sample
    time at which its start bit began (counted like `BaudotDecoder.time`), `code` its five data bits, and
    `maybe_shift` True when a damaged bit leaves it possibly LTRS or FIGS."""

    start: int
    code: int
    maybe_shift: bool


def band_filters(sample_rate: int, mark_hz: float, space_hz: float) -> _Floats:
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


# Squared filter outputs (mark re, mark im, space re, space im) to (mark - space, mark + space).
_COMBINE: Final = np.array([[1.0, 1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]])


class BaudotDecoder:
    r"""Feed audio in chunks of any size; each call returns the characters completed so far.

    Output uses "\r" and "\n" for CR and LF and "\a" for BELL. `mute_until` drops characters whose start
    bit begins before a given sample time, so the receiver does not print the echo of what we send.

    `feed` returns text as a receiver that keeps its shift prints it; `feed_segments` returns the same
    text as `Segment`s, with both readings where the case is in doubt (see ivr.media.tty.shifts). With
    `unshift_on_space` True a space also selects letters, with False it never does; with None (the
    default) both readings are kept.
    """

    def __init__(
        self,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        *,
        baud: float = BAUD,
        mark_hz: float = MARK_HZ,
        space_hz: float = SPACE_HZ,
        min_level_dbfs: float = MIN_LEVEL_DBFS,
        unshift_on_space: bool | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.reader = ShiftReader(unshift_on_space=unshift_on_space)
        self._filters = band_filters(sample_rate, mark_hz, space_hz)
        self._taps = taps = len(self._filters)
        self._step = step = max(1, round(sample_rate / _OUTPUT_HZ))  # input samples per filter output
        self._delay = (taps - 1) // 2
        self._history = np.zeros(taps - 1)
        self._ones = np.full(step, 2 / step)  # a block's energy, scaled to the band power of a tone
        self._pending: list[_Floats] = []
        self._pending_size = 0
        self._batch = max(1, round(PROCESS_SECONDS * sample_rate))
        bit = sample_rate / baud / step  # in filter outputs
        self._bit = bit
        self._smooth = max(1, round(bit / 4))  # half-width of the start-edge window
        self._gate = max(1, round(bit / 2))  # half-width of the in-band window around an edge
        # Per speed hypothesis (rows): the middle of the start bit, each data bit and the first stop bit.
        bits = bit / (1 + np.linspace(-_SPEED_ERROR, _SPEED_ERROR, _SPEEDS))
        centres = (np.arange(_FRAME_BITS) + 0.5) * bits[:, None]
        self._lo = np.round(centres - bits[:, None] * _BIT_WINDOW / 2).astype(np.intp)
        self._hi = np.round(centres + bits[:, None] * _BIT_WINDOW / 2).astype(np.intp)
        edges = np.arange(_FRAME_BITS + 1) * bits[:, None]  # each bit's whole length, for a damaged one
        self._whole_lo = np.round(edges[:, :-1]).astype(np.intp)
        self._whole_hi = np.round(edges[:, 1:]).astype(np.intp)
        self._resumes = np.round((1.5 + DATA_BITS) * bits).astype(np.intp)  # no start bit comes sooner
        self._reach = int(max(self._hi.max(), self._whole_hi.max() + self._gate))
        self._speed_score = np.zeros(len(bits))
        self._weights = 1 << np.arange(DATA_BITS)
        # A tone of amplitude A gives band power A^2; a full-scale sine has power 32767^2 / 2.
        self._min_power = 32767.0**2 * 10 ** (min_level_dbfs / 10)
        self._time = 0  # input samples fed so far
        self._filtered = 0  # input samples through the filters
        self._start = 0  # filter-output index of the first buffered value
        self._search = 0  # filter-output index where the next start bit may begin
        # Prefix sums over the buffered filter outputs of: mark - space power, mark + space power, and
        # twice the input power over the filters' window. Row i sums outputs [_start, _start + i).
        self._sums: _Floats = np.zeros((1, 3))
        self._muted_until = 0
        # While characters are coming: the input sample time by which the next one can be read.
        self._due: int | None = None

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
        return "".join(segment.text for segment in self.feed_segments(samples))

    def feed_segments(self, samples: npt.ArrayLike) -> list[Segment]:
        """Take the next chunk of 16-bit audio (any length); return newly decoded text as `Segment`s."""
        return self._read(self.feed_characters(samples))

    def feed_characters(self, samples: npt.ArrayLike) -> list[Received]:
        """Take the next chunk of 16-bit audio (any length); return the characters framed so far, with the
        time each began, muted or not, and without reading them through `reader`: for a caller that
        judges each character itself (the TTY session tells the line's echo of our own text from the
        caller's typing this way) and keeps its own `ShiftReader`."""
        chunk = np.asarray(samples, dtype=np.float64).ravel()
        self._time += chunk.size
        self._pending.append(chunk)
        self._pending_size += chunk.size
        if self._time < self._due if self._due is not None else self._pending_size < self._batch:
            return []
        return self._decode_pending()

    def flush(self) -> str:
        """Finish the characters still in the filters (call at the end of a recording)."""
        return "".join(segment.text for segment in self.flush_segments())

    def flush_segments(self) -> list[Segment]:
        """`flush`, as `Segment`s."""
        return self._read(self.flush_characters())

    def flush_characters(self) -> list[Received]:
        """`flush`, as `Received` characters (see `feed_characters`)."""
        tail = (self._reach + self._gate + 2) * self._step + self._taps
        self._pending.append(np.zeros(tail))
        self._pending_size += tail
        self._time += tail
        return self._decode_pending()

    def _read(self, characters: list[Received]) -> list[Segment]:
        """The characters that are not muted, through `reader`."""
        segments = []
        for character in characters:
            if character.start < self._muted_until:
                continue
            segment = self.reader.push(character.code, maybe_shift=character.maybe_shift)
            if segment is not None:
                segments.append(segment)
        return segments

    def _decode_pending(self) -> list[Received]:
        chunk = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending)
        self._pending, self._pending_size = [], 0
        self._filter(chunk)
        return self._scan()

    def _filter(self, chunk: _Floats) -> None:
        """Run the filters over `chunk` at every `_step`-th input sample, appending to the prefix sums."""
        taps, step, first = self._taps, self._step, self._filtered
        signal = np.concatenate((self._history, chunk))  # signal[j] is input sample first - taps + 1 + j
        self._history = signal[chunk.size :]
        self._filtered += chunk.size
        k0 = -(-first // step)  # the first output ending at or after `first`
        count = (first + chunk.size - 1) // step - k0 + 1
        if count <= 0:
            return
        offset = k0 * step - first
        itemsize = signal.itemsize
        windows: _Floats = np.ndarray(
            (count, taps), np.float64, signal, offset * itemsize, (step * itemsize, itemsize)
        )
        out = windows @ self._filters
        # The line's energy over the `step` input samples centred like each filter output's window.
        begin = offset + taps - 1 - self._delay - step // 2
        block = signal[begin : begin + count * step].reshape(count, step)
        values = np.empty((count, 3))
        values[:, :2] = (out * out) @ _COMBINE
        values[:, 2] = (block * block) @ self._ones
        sums = values.cumsum(axis=0)
        sums += self._sums[-1]
        self._sums = np.concatenate((self._sums, sums))
        if sums[-1, 2] > _REBASE:  # keep the prefix sums small enough to subtract exactly
            self._sums = self._sums - self._sums[0]

    def _scan(self) -> list[Received]:
        """Every character complete in the buffer; then drop what is no longer needed."""
        sums = self._sums
        n = len(sums) - 1
        h, g = self._smooth, self._gate
        first = max(self._search - self._start, h + 1, g)
        last = n - max(h, g)  # the edge windows need this much look-ahead
        codes: list[Received] = []
        self._due = None
        if last > first:
            # Edges first, from the discriminator's half-bit sums; the rest only if there are some.
            smooth = sums[first - 1 + h : last + h, 0] - sums[first - 1 - h : last - h, 0]
            spacing = smooth < 0
            edges = (spacing[1:] > spacing[:-1]).nonzero()[0] + first  # mark-to-space changes
            waiting = None
            if edges.size:
                around = sums[edges + g] - sums[edges - g]
                carrier = (around[:, 1] > 2 * g * self._min_power) & (
                    around[:, 1] > _EDGE_RATIO * around[:, 2]
                )
                if carrier.any():
                    codes, waiting = self._characters(edges[carrier].tolist())
            self._search = max(self._search, self._start + (last if waiting is None else waiting))
        keep = max(0, min(self._search - self._start, n) - max(h, g) - 1)
        if keep:
            self._start += keep
            self._sums = self._sums[keep:]
        return codes

    def _characters(self, edges: list[int]) -> tuple[list[Received], int | None]:
        """The frames at these start-bit candidates, and the candidate still waiting for samples."""
        codes: list[Received] = []
        n = len(self._sums) - 1
        for i, edge in enumerate(edges):
            if edge < self._search - self._start:
                continue  # inside the character already read
            # A noise dip can look like a start bit: of the candidates within one bit, read the clearest.
            rivals = [e for e in edges[i : i + _RIVALS] if e - edge < self._bit]
            if rivals[-1] + self._reach > n:
                self._due = self._ready(self._start + rivals[-1])
                return codes, edge
            rivals += self._after_dropout(edge)
            frames = [f for f in (self._frame(e) for e in rivals) if f is not None]
            if not frames:
                continue
            _, start, code, resume, score, maybe_shift = max(frames, key=lambda frame: frame[0])
            self._speed_score = score
            self._search = self._start + start + resume
            self._due = self._ready(self._search)  # when the next character, if it follows at once, is read
            codes.append(Received((self._start + start) * self._step - self._delay, code, maybe_shift))
        return codes, None

    def _after_dropout(self, edge: int) -> list[int]:
        """Earlier start-bit candidates, when the tones were lost just before this one: a lost packet may
        have hidden the start bit's beginning, and the edge found is where the tone came back."""
        bit, quarter = round(self._bit), max(1, round(self._bit / 4))
        low = max(self._search - self._start, bit + 1)
        if edge - bit < low:
            return []
        sums = self._sums
        before = sums[edge, 1] - sums[edge - bit, 1]
        after = sums[edge + bit, 1] - sums[edge, 1]
        if before >= 0.5 * after:
            return []
        return [e for e in range(edge - quarter, edge - bit - 1, -quarter) if e >= low]

    def _ready(self, start: int) -> int:
        """The input sample time by which a character starting at filter output `start` can be read."""
        return (start + self._reach + max(self._smooth, self._gate) + 2) * self._step

    def _frame(self, edge: int) -> tuple[float, int, int, int, _Floats, bool] | None:
        """For a character starting at `edge`: how clear it is, `edge`, its code, where the next may start,
        the updated evidence for each speed, and whether a damaged bit leaves it maybe a shift; None if it
        is not a character."""
        window = self._sums[edge + self._hi] - self._sums[edge + self._lo]
        sums, power, total = window[..., 0], window[..., 1], window[..., 2]
        contrast = np.abs(sums).sum(axis=1) / np.maximum(power.sum(axis=1), 1e-9)
        score = self._speed_score * _SPEED_MEMORY + contrast
        best = int(np.argmax(score))
        bits, power, total = sums[best], power[best], total[best]
        typical = np.sort(power)[_FRAME_BITS // 2]
        weak = power < _STEADY_LEVEL * typical
        clarity = float(contrast[best])
        maybe_shift = False
        if weak.any():
            # A dropout (a lost packet) inside a burst leaves a bit or two weak with tone on both sides; at
            # a burst's start or end, it is the first or last bits that are weak.
            lost = weak.nonzero()[0]
            if len(lost) > 2 or lost[-1] - lost[0] >= len(lost):
                return None  # the tones started or stopped during the character
            # Tone expected over half a bit next to the frame, as for a bit of it.
            near = _STEADY_LEVEL * typical * self._gate / (self._hi[best, 0] - self._lo[best, 0])
            if lost[-1] == _FRAME_BITS - 1:
                after = edge + self._whole_hi[best, -1]
                if self._sums[after + self._gate, 1] - self._sums[after, 1] < near:
                    return None  # the burst ended during the character
            # Read the weak bits over their whole length, where what is left of their tone is.
            span = (
                self._sums[edge + self._whole_hi[best, lost]] - self._sums[edge + self._whole_lo[best, lost]]
            )
            bits = bits.copy()
            bits[lost] = span[:, 0]
            if lost[-1] == _FRAME_BITS - 1:
                bits[-1] = max(bits[-1], 1.0)  # the stop bit's tone was lost: take it as read
            if lost[0] == 0:
                # The start bit's tone was lost: there must have been tone just before it (the previous
                # character's stop bits), else this is the start of a burst, not a dropout.
                if edge < self._gate or self._sums[edge, 1] - self._sums[edge - self._gate, 1] < near:
                    return None
                bits[0] = min(bits[0], -1.0)
            unsure = lost[(np.abs(span[:, 0]) < MIN_CONTRAST * span[:, 1]) & (lost > 0) & (lost <= DATA_BITS)]
            if unsure.size:
                code = int(self._weights @ (bits[1:-1] > 0))
                free = int(self._weights[unsure - 1].sum())
                maybe_shift = any((code & ~free) == (shift & ~free) for shift in (LTRS, FIGS))
            strong = ~weak
            clarity = float(np.abs(sums[best][strong]).sum() / max(power[strong].sum(), 1e-9))
        if bits[0] >= 0 or bits[-1] <= 0 or clarity < MIN_CONTRAST:
            return None  # no start bit, no stop bit, or no clear tones: not a character
        if (
            power[:3].sum() < IN_BAND_RATIO * total[:3].sum()
            or power[3:].sum() < IN_BAND_RATIO * total[3:].sum()
        ):
            return None  # the carrier began after the start bit or ended before the stop bit
        code = int(self._weights @ (bits[1:-1] > 0))
        return clarity, edge, code, int(self._resumes[best]), score, maybe_shift


def decode(
    samples: npt.ArrayLike, sample_rate: int = DEFAULT_SAMPLE_RATE, *, unshift_on_space: bool | None = None
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
        unshift_on_space: bool | None = None,
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
        """Decode the next chunk of the caller's audio, as a receiver that keeps its shift prints it."""
        return self.decoder.feed(samples)

    def receive_segments(self, samples: npt.ArrayLike) -> list[Segment]:
        """Decode the next chunk of the caller's audio, with both readings where the case is in doubt:
        gather a line's segments, then `ivr.media.tty.shifts.choose` them (see docs/tty.md)."""
        return self.decoder.feed_segments(samples)
