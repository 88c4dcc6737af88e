"""The echo estimator: synthetic echoes of our own TTY audio at 0 to 800 ms, and lines with no echo."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from ivr.media.tty.baudot import encode
from ivr.media.tty.echo import EchoEstimate, estimate_echo
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode

RATE = 8000
PROMPT = "ENTER YOUR PARTICIPANT ID, THEN GA"


def line_with_echo(
    ours: npt.NDArray[np.int16],
    delay: int,
    level_db: float,
    *,
    extra: npt.ArrayLike | None = None,
    seed: int = 0,
) -> npt.NDArray[np.int16]:
    """What comes back while `ours` plays from sample 0: its echo `delay` samples late, hiss at -50 dBFS,
    anything `extra` the caller sends, through mu-law; a second longer than our audio."""
    line = np.zeros(ours.size + RATE + 2000)
    line[delay : delay + ours.size] += ours * 10 ** (level_db / 20)
    if extra is not None:
        more = np.asarray(extra, dtype=np.float64)
        line[: more.size] += more
    line += np.random.default_rng(seed).normal(0, 30, line.size)
    return ulaw_decode(ulaw_encode(np.round(line)))


@pytest.mark.parametrize("delay_ms", [0, 40, 125, 300, 450.5, 600, 700, 800])
@pytest.mark.parametrize("level_db", [-6.0, -20.0, -35.0])
def test_the_echo_is_found_at_its_delay_and_level(delay_ms: float, level_db: float) -> None:
    ours = encode(PROMPT)
    delay = round(delay_ms * RATE / 1000)
    found = estimate_echo(ours, 48_000, line_with_echo(ours, delay, level_db), 48_000)
    assert found is not None
    assert abs(found.delay_samples - delay) <= 8  # a millisecond
    assert abs(found.level_db - level_db) < 1.0
    assert found.correlation > 0.9
    assert found.ends_at(48_000, ours.size) == 48_000 + ours.size + found.delay_samples


def test_sample_times_of_the_two_streams_are_lined_up() -> None:
    ours = encode(PROMPT)
    line = line_with_echo(ours, 2400, -12)
    # The received audio starts 0.5 s before ours was sent; the same echo is 300 ms after the sending.
    early = np.concatenate([np.zeros(4000, np.int16), line])
    found = estimate_echo(ours, 10_000, early, 6_000)
    assert found is not None and abs(found.delay_samples - 2400) <= 8
    # ... and when it starts after it (its first 0.1 s was not kept): still 300 ms.
    found = estimate_echo(ours, 10_000, line[800:], 10_800)
    assert found is not None and abs(found.delay_samples - 2400) <= 8


def test_no_echo_is_none() -> None:
    ours = encode(PROMPT)
    rng = np.random.default_rng(3)
    silence = ulaw_decode(ulaw_encode(np.round(rng.normal(0, 30, ours.size + RATE))))
    hiss = ulaw_decode(ulaw_encode(np.round(rng.normal(0, 3000, ours.size + RATE))))
    assert estimate_echo(ours, 0, silence, 0) is None
    assert estimate_echo(ours, 0, hiss, 0) is None
    # The caller typing (another text) while we send is not an echo of ours.
    typing = np.concatenate([np.zeros(3000, np.int16), encode("1000000002 GA 1357 GA")])
    assert estimate_echo(ours, 0, line_with_echo(ours, 0, -99, extra=typing), 0) is None


def test_an_echo_under_the_callers_typing_is_still_found() -> None:
    ours = encode(PROMPT)
    typing = encode("Q GA") * 0.5
    found = estimate_echo(ours, 0, line_with_echo(ours, 5600, -10, extra=typing), 0)
    assert isinstance(found, EchoEstimate) and abs(found.delay_samples - 5600) <= 8


def test_a_delay_beyond_the_bound_is_not_reported() -> None:
    ours = encode(PROMPT)
    line = line_with_echo(ours, 9600, -10)  # 1.2 s
    assert estimate_echo(ours, 0, line, 0) is None
    found = estimate_echo(ours, 0, line, 0, max_delay_seconds=1.5)
    assert found is not None and abs(found.delay_samples - 9600) <= 8


def test_nothing_sent_or_received_is_none() -> None:
    assert estimate_echo(np.zeros(0), 0, np.zeros(8000), 0) is None
    assert estimate_echo(encode(PROMPT), 0, np.zeros(10), 0) is None
