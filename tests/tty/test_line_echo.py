"""A call's echo (ivr.channels.tty_echo): measured from what came back after our audio played, then used to
tell each received character of ours from the caller's. Driven by hand; whole calls are in test_session.py."""

from __future__ import annotations

import numpy as np

from ivr.channels.tty_echo import EchoFinding, LineEcho
from ivr.media.tty.baudot import frame_offsets, modulate, to_codes
from ivr.media.tty.demodulator import BaudotDecoder, Received

RATE = 8000
TEXT = "ENTER YOUR PARTICIPANT ID OR SSN"
PLAYED_AT = 16_000  # when our audio began to play, in samples of the caller's stream


def line_back(echo_delay: int | None, level_db: float = -10.0) -> tuple[np.ndarray, np.ndarray]:
    ours = modulate(to_codes(TEXT))
    line = np.zeros(PLAYED_AT + ours.size + 2 * RATE)
    if echo_delay is not None:
        start = PLAYED_AT + echo_delay
        line[start : start + ours.size] += ours * 10 ** (level_db / 20)
    return ours, np.round(line).astype(np.int16)


def measured(echo: LineEcho, ours: np.ndarray, line: np.ndarray) -> None:
    """Hear the line 20 ms at a time and measure as soon as the echo has had time to come back, as the
    session does."""
    for at in range(0, line.size, 160):
        echo.hear(line[at : at + 160], at)
        if echo.ready(ours, PLAYED_AT, at + 160):
            echo.measure(ours, PLAYED_AT)
            return
    raise AssertionError("never ready")


def played() -> list[tuple[int, int]]:
    codes = to_codes(TEXT)
    return [(PLAYED_AT + int(o), c) for o, c in zip(frame_offsets(len(codes)).tolist(), codes, strict=False)]


def test_a_late_echo_is_measured_and_its_characters_are_ours() -> None:
    echo = LineEcho()
    ours, line = line_back(6400)
    measured(echo, ours, line)
    assert echo.finding is EchoFinding.MEASURED and echo.estimate is not None
    assert abs(echo.estimate.delay_samples - 6400) <= 8 and abs(echo.estimate.level_db + 10) < 1
    decoder = BaudotDecoder()
    received = decoder.feed_characters(line) + decoder.flush_characters()
    assert len(received) == len(to_codes(TEXT))
    assert all(echo.is_echo(character, played()) for character in received)
    # The same codes at another time, or another code at that time, are the caller's.
    first = received[0]
    assert not echo.is_echo(Received(first.start - 2400, first.code, False), played())
    assert not echo.is_echo(Received(first.start, first.code ^ 1, False), played())
    assert echo.expected(first.start, played())
    assert not echo.expected(first.start - RATE, played())


def test_a_silent_line_has_no_echo_and_before_measuring_any_delay_up_to_a_second_may_be_one() -> None:
    unknown = LineEcho()
    first_code = played()[0]
    assert unknown.finding is EchoFinding.UNKNOWN
    assert unknown.is_echo(Received(first_code[0] + 7000, first_code[1], False), played())
    assert not unknown.is_echo(Received(first_code[0] + 9000, first_code[1], False), played())
    silent = LineEcho()
    ours, line = line_back(None)
    measured(silent, ours, line)
    assert silent.finding is EchoFinding.SILENT and silent.delays() is None
    assert not silent.is_echo(Received(first_code[0], first_code[1], False), played())
