"""Our side of a TTY call (ivr.channels.tty_transmitter): pieces that end at character boundaries, a few
seconds ahead of playback, a timeline from the marks, and a cut at the end of the character in progress.
Driven by hand here (time is samples of the caller's audio); whole calls are in test_session.py."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ivr.channels.stream_frames import ClearAudio, PlayAudio, PlayMark
from ivr.channels.tty_transmitter import Transmitter
from ivr.media.tty.baudot import frame_offsets, modulate, to_codes

RATE = 8000
TEXT = "BY PHONE 24 HOURS, 7 DAYS. OFFICES OPEN MON-FRI, 8 AM TO 5 PM PACIFIC."


def pieces(frames: Sequence[object]) -> list[tuple[int, str]]:
    """(samples of audio, the mark after it) for each piece sent."""
    out, size = [], 0
    for frame in frames:
        if isinstance(frame, PlayAudio):
            size += frame.pcm.size
        elif isinstance(frame, PlayMark):
            out.append((size, frame.name))
            size = 0
    return out


def test_a_burst_goes_out_a_few_seconds_ahead_in_pieces_that_end_between_characters() -> None:
    tx = Transmitter()
    first = pieces(tx.send(TEXT, 0))
    sent = sum(size for size, _ in first)
    assert 2 * RATE <= sent <= 2.7 * RATE  # the lead, and the piece that crosses it
    codes = to_codes(TEXT)
    boundaries = set(frame_offsets(len(codes)).tolist())
    ends = np.cumsum([size for size, _ in first])
    assert set(ends.tolist()) <= boundaries  # every piece ends where a character does
    assert tx.played(first[0][1], first[0][0]) != []  # one piece played: the next goes
    assert tx.played("not ours", 10) == []


def test_the_timeline_comes_from_the_marks() -> None:
    tx = Transmitter()
    first = pieces(tx.send(TEXT, 1000))
    tx.played(first[0][1], 1000 + first[0][0] + 400)  # the line took 400 samples more than the audio
    began = [when for when, _ in tx.characters()]
    codes = to_codes(TEXT)
    offsets = frame_offsets(len(codes))
    assert began[0] == 1400 + offsets[0]  # the first character began 400 samples after it was sent
    assert began[1] - began[0] == offsets[1] - offsets[0]


def test_a_cut_ends_at_the_character_in_progress() -> None:
    tx = Transmitter()
    first = pieces(tx.send(TEXT, 0))
    tx.played(first[0][1], first[0][0])
    now = first[0][0] + 500  # 500 samples into the second piece
    frames = tx.interrupt(now)
    assert isinstance(frames[0], ClearAudio)
    rest = frames[1]
    assert isinstance(rest, PlayAudio) and isinstance(frames[2], PlayMark)
    offsets = frame_offsets(len(to_codes(TEXT)))
    position = now  # no delay on this line
    boundary = offsets[np.searchsorted(offsets, position, side="right")]
    assert rest.pcm.size == boundary - position
    assert np.array_equal(rest.pcm, modulate(to_codes(TEXT))[position:boundary])
    assert tx.interrupt(now + 10) == []  # cut once
    assert tx.busy
    tx.played(frames[2].name, now + rest.pcm.size)
    assert not tx.busy and tx.played_at == now + rest.pcm.size


def test_marks_that_never_come_back_are_given_up_on() -> None:
    tx = Transmitter()
    sent = sum(size for size, _ in pieces(tx.send("GA", 0)))
    assert tx.poll(sent + 4 * RATE) == [] and tx.busy
    tx.poll(sent + 5 * RATE + 1)
    assert not tx.busy
