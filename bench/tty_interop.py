"""Character error rates between our TTY modem and two independent ones, over an impaired line.

Run: PYTHONPATH=. .venv/bin/python bench/tty_interop.py [--seeds N]
Needs minimodem and spandsp's V.18 (scripts/system-packages.sh installs both; tests/tty/peers.py builds
the spandsp harness). The numbers are written down in docs/tty.md.

Directions: a caller's TTY (minimodem, which unshifts on space; spandsp's V.18 encoder, which keeps its
shift; spandsp's modulator sending as a TTY that unshifts on space) to our receiver, fed 20 ms frames
and read with `choose`; and our transmitter to minimodem's and spandsp's receivers. Every signal goes
through the line of `through_line`: the impairment, then G.711 mu-law. The character error rate is the
edit distance over the expected length, summed over the texts and seeds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ivr.media.tty.baudot import encode
from tests.tty.peers import (
    INTEROP_TEXTS,
    PEERS,
    caller_audio,
    edit_distance,
    minimodem_missing,
    minimodem_read,
    our_reading,
    spandsp_missing,
    spandsp_read,
    through_line,
)

CONDITIONS: tuple[tuple[str, dict[str, float]], ...] = (
    ("clean", {}),
    ("SNR 10 dB", {"snr_db": 10}),
    ("SNR 3 dB", {"snr_db": 3}),
    ("SNR 0 dB", {"snr_db": 0}),
    ("SNR -3 dB", {"snr_db": -3}),
    ("level -30 dB (-42 dBFS)", {"level_db": -30}),
    ("offset +30 Hz", {"offset_hz": 30}),
    ("offset -30 Hz", {"offset_hz": -30}),
    ("offset +60 Hz", {"offset_hz": 60}),
    ("offset -60 Hz", {"offset_hz": -60}),
    ("offset +80 Hz", {"offset_hz": 80}),
    ("offset -80 Hz", {"offset_hz": -80}),
    ("offset +40 Hz, SNR 10 dB", {"offset_hz": 40, "snr_db": 10}),
)


def ours(audio: npt.NDArray[np.int16]) -> str:
    return our_reading(audio)[0]


def normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def cer(
    send: Callable[[str], npt.NDArray[np.int16]],
    read: Callable[[npt.NDArray[np.int16]], str],
    line: dict[str, float],
    seeds: int,
) -> float:
    errors = total = 0
    for seed in range(seeds):
        for text in INTEROP_TEXTS:
            got = read(through_line(send(text), seed=seed, **line))
            errors += edit_distance(normal(got), normal(text))
            total += len(text)
    return errors / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=5, help="noise seeds per condition")
    args = parser.parse_args()
    for missing in (minimodem_missing(), spandsp_missing()):
        if missing:
            raise SystemExit(missing)
    links: list[
        tuple[str, Callable[[str], npt.NDArray[np.int16]], Callable[[npt.NDArray[np.int16]], str]]
    ] = [(f"{peer} -> ours", lambda text, peer=peer: caller_audio(peer, text), ours) for peer in PEERS]
    links += [("ours -> minimodem", encode, minimodem_read), ("ours -> spandsp", encode, spandsp_read)]
    print("| condition | " + " | ".join(name for name, _, _ in links) + " |")
    print("| --- |" + " --- |" * len(links))
    for name, line in CONDITIONS:
        seeds = args.seeds if "snr_db" in line else 1
        rates = [cer(send, read, line, seeds) for _, send, read in links]
        print(f"| {name} | " + " | ".join(f"{rate:.1%}" for rate in rates) + " |", flush=True)


if __name__ == "__main__":
    main()
