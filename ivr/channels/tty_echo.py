"""The line's echo of our own text, measured on the call, and which received characters are that echo.

The line returns what we send, some time later: at once on a short path, 0.6 to 0.8 s later on a long
one. Rather than mute the receiver for a guessed time, each call measures its own echo:

1. The session hears every sample the caller's side sends (`hear`), and knows from the marks when each
   burst of ours began to play (ivr.channels.tty_transmitter).
2. About a second after a burst's first seconds have played, `measure` correlates them with what came
   back (`ivr.media.tty.echo.estimate_echo`, delays 0 to 1 s): the echo's delay, or that the line was silent
   meanwhile (no echo to fear), or neither (something else was on the line: the last finding stands).
3. Every character the receiver frames is then judged (`is_echo`): it is our echo when one of our codes,
   the same code, began to play that delay before it (within 40 ms). Until the first measurement the
   delay may be anything from 0 to 1 s.

So an echo 0.8 s late is dropped character by character however late it is, while the caller's own
characters are kept even when they arrive during our text or its echo: a reply typed right after our
GA keeps its first character, and typing over our text is heard (the session then stops sending).
Shift codes in the echo are dropped too, so they never change the case of the caller's text.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from enum import Enum
from typing import Final

import numpy as np

from ivr.channels.stream_frames import SAMPLE_RATE, Pcm
from ivr.media.tty.baudot import BAUD, DATA_BITS, DEFAULT_STOP_BITS
from ivr.media.tty.demodulator import MIN_LEVEL_DBFS, Received
from ivr.media.tty.echo import MAX_DELAY_SECONDS, EchoEstimate, estimate_echo

log = logging.getLogger(__name__)

TOLERANCE_SECONDS: Final = 0.040
PROBE_SECONDS: Final = 3.0  # how much of a burst is compared with what came back
KEEP_SECONDS: Final = PROBE_SECONDS + MAX_DELAY_SECONDS + 2.0
_SILENT_POWER: Final = 32767.0**2 / 2 * 10 ** (MIN_LEVEL_DBFS / 10)  # below the receiver's threshold


class EchoFinding(Enum):
    UNKNOWN = "unknown"
    """Not measured yet, or never clearly: our echo may come back at any delay up to the bound."""
    MEASURED = "measured"
    """Our echo comes back `delay` samples after we play."""
    SILENT = "silent"
    """Nothing came back while we played: no echo."""


class LineEcho:
    """One call's echo: what came back lately, what was found, and the judgement of characters."""

    def __init__(
        self, sample_rate: int = SAMPLE_RATE, *, max_delay_seconds: float = MAX_DELAY_SECONDS
    ) -> None:
        self._rate = sample_rate
        self._max_delay = round(max_delay_seconds * sample_rate)
        self._tolerance = round(TOLERANCE_SECONDS * sample_rate)
        self._keep = round(KEEP_SECONDS * sample_rate)
        self._character = round((1 + DATA_BITS + DEFAULT_STOP_BITS) / BAUD * sample_rate)
        self._heard: deque[tuple[int, Pcm]] = deque()  # (sample time of its first sample, audio)
        self._heard_samples = 0
        self.finding = EchoFinding.UNKNOWN
        self.estimate: EchoEstimate | None = None

    @property
    def probe_samples(self) -> int:
        return round(PROBE_SECONDS * self._rate)

    def hear(self, pcm: Pcm, at: int) -> None:
        """Audio from the caller's side, starting at sample time `at`."""
        self._heard.append((at, pcm))
        self._heard_samples += pcm.size
        while self._heard and self._heard_samples - self._heard[0][1].size >= self._keep:
            self._heard_samples -= self._heard.popleft()[1].size

    def ready(self, sent: Pcm, played_at: int, now: int) -> bool:
        """Whether the echo of `sent` (played from `played_at`) has had time to come back."""
        return now >= played_at + min(sent.size, self.probe_samples) + self._max_delay + 2 * self._tolerance

    def measure(self, sent: Pcm, played_at: int) -> None:
        """Compare the first seconds of `sent`, which began to play at `played_at`, with what came back."""
        ours = sent[: self.probe_samples]
        if not self._heard or ours.size < self._rate // 4:
            return
        # A mark says when a piece has played to within one message (20 ms): look from a little before.
        early = played_at - self._tolerance
        first = self._heard[0][0]
        received = np.concatenate([pcm for _, pcm in self._heard])
        begin = max(0, early - first)
        end = max(0, early - first + ours.size + self._max_delay + self._tolerance)
        window = received[begin:end].astype(np.float64)
        if window.size < ours.size:
            return  # what came back then is no longer kept
        bound = (self._max_delay + self._tolerance) / self._rate
        found = estimate_echo(
            ours, early, window, first + begin, sample_rate=self._rate, max_delay_seconds=bound
        )
        if found is not None:
            found = EchoEstimate(found.delay_samples - self._tolerance, found.level_db, found.correlation)
            self.finding, self.estimate = EchoFinding.MEASURED, found
            log.info(
                "tty echo measured",
                extra={
                    "delay_ms": round(found.delay_samples * 1000 / self._rate),
                    "level_db": round(found.level_db),
                },
            )
        elif float(np.mean(window * window)) < _SILENT_POWER:
            self.finding, self.estimate = EchoFinding.SILENT, None

    def delays(self) -> tuple[int, int] | None:
        """The delays (samples) at which our echo may arrive; None when there is none."""
        if self.finding is EchoFinding.SILENT:
            return None
        if self.finding is EchoFinding.MEASURED and self.estimate is not None:
            delay = self.estimate.delay_samples
            return delay - self._tolerance, delay + self._tolerance
        return -self._tolerance, self._max_delay + self._tolerance

    def is_echo(self, character: Received, played: Iterable[tuple[int, int]]) -> bool:
        """Whether `character` is one of ours coming back (`played`: when each of our codes began)."""
        window = self.delays()
        if window is None:
            return False
        low, high = window
        return any(
            code == character.code and low <= character.start - began <= high for began, code in played
        )

    def expected(self, at: int, played: Iterable[tuple[int, int]]) -> bool:
        """Whether the echo of one of our characters may be on the line at sample time `at`."""
        window = self.delays()
        if window is None:
            return False
        low, high = window
        return any(low <= at - began <= high + self._character for began, _ in played)
