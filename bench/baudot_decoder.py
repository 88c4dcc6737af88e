"""How fast the Baudot TTY decoder runs, and how much noise it takes.

Run: PYTHONPATH=. .venv/bin/python bench/baudot_decoder.py [--seeds N]
The numbers are written down in docs/tty.md. Goal: decoding at least 1,000 times faster than real time on
one core, fed 20 ms (160-sample) frames as a Twilio Media Stream delivers them. Speed is measured in this
process's CPU time, with numpy's BLAS held to one thread, best of three runs.

Lost frames: a text is sent once for every 20 ms frame it spans, with that frame zeroed (a lost packet),
at three offsets of the audio within the frames; the table counts the runs read exactly, and the runs
that lost more than one character (edit distance above 1), by our receiver (its `choose` reading) and,
when it is installed, by minimodem.

Noise: white Gaussian noise over the whole 0-4 kHz band, SNR = the TTY signal's average power over the
noise power. A 60-character menu line is sent with one second of noise before and after; it "decodes"
when the text comes out exactly, with nothing missing or added. The sweep reports, per condition, the
lowest SNR at which every seed decoded, and at every higher SNR too.
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread the filter's matrix product over threads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402 - the thread limits above must be set before numpy loads
import time  # noqa: E402 - as above
from collections.abc import Callable  # noqa: E402 - as above

import numpy as np  # noqa: E402 - as above
import numpy.typing as npt  # noqa: E402 - as above

from ivr.media.tty.baudot import BAUD, MARK_HZ, SPACE_HZ, encode, modulate, to_codes  # noqa: E402 - as above
from ivr.media.tty.demodulator import BaudotDecoder  # noqa: E402 - as above
from ivr.media.tty.shifts import choose  # noqa: E402 - as above
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode  # noqa: E402 - as above
from tests.tty.peers import edit_distance, minimodem_missing, minimodem_read  # noqa: E402 - as above

MENU = "PRESS 1 OR TYPE YES. PRESS 2 OR TYPE NO. PRESS 7 OR TYPE NONE"
RATE = 8000
FRAME = 160

Audio = npt.NDArray[np.float64]


def run_decoder(audio: npt.ArrayLike, chunk: int) -> str:
    samples = np.asarray(audio)
    decoder = BaudotDecoder(RATE)
    out = [decoder.feed(samples[i : i + chunk]) for i in range(0, len(samples), chunk)]
    return "".join(out) + decoder.flush()


def speed(name: str, audio: npt.NDArray[np.int16], chunk: int, expected: str | None) -> None:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        text = run_decoder(audio, chunk)
        best = min(best, time.process_time() - started)
    if expected is not None:
        assert text == expected, "the speed run must also decode correctly"
    else:
        assert text == "", "noise alone must give nothing"
    seconds = len(audio) / RATE
    print(f"{name:44} {chunk:6} {seconds:8.0f} {seconds / best:10.0f}x")


def speed_table() -> None:
    rng = np.random.default_rng(0)
    burst = modulate(to_codes(MENU + "\r\n"), RATE).astype(np.float64)
    talk = np.concatenate([np.concatenate([burst, np.zeros(RATE)]) for _ in range(10)])
    noisy = np.clip(np.round(talk + rng.normal(0, 300, talk.size)), -32768, 32767).astype(np.int16)
    noise = np.clip(np.round(rng.normal(0, 3000, 120 * RATE)), -32768, 32767).astype(np.int16)
    print(f"{'input':44} {'chunk':>6} {'seconds':>8} {'real time':>11}")
    for chunk in (FRAME, 8000):
        speed("10 menu lines, a second apart, SNR 26 dB", noisy, chunk, (MENU + "\r\n") * 10)
    for chunk in (FRAME, 8000):
        speed("white noise only (-18 dBFS)", noise, chunk, None)


def with_noise(audio: Audio, snr_db: float, seed: int, mulaw: bool) -> npt.NDArray[np.int16]:
    padded = np.concatenate([np.zeros(RATE), audio, np.zeros(RATE)])
    sigma = np.sqrt(np.mean(audio**2) / 10 ** (snr_db / 10))
    noisy = np.clip(
        np.round(padded + np.random.default_rng(seed).normal(0, sigma, padded.size)), -32768, 32767
    )
    pcm = noisy.astype(np.int16)
    return ulaw_decode(ulaw_encode(pcm)) if mulaw else pcm


def lowest_clean_snr(make: Callable[[], Audio], seeds: int, mulaw: bool = False) -> tuple[float, str]:
    audio = make()
    lowest, rows = float("nan"), []
    for snr in np.arange(2.0, -8.01, -0.5):
        good = sum(run_decoder(with_noise(audio, snr, seed, mulaw), FRAME) == MENU for seed in range(seeds))
        rows.append(f"{snr:+.1f}:{good}")
        if good < seeds:
            break
        lowest = float(snr)
    return lowest, " ".join(rows[-4:])


def snr_table(seeds: int) -> None:
    codes = to_codes(MENU)

    def plain(
        mark: float = MARK_HZ, space: float = SPACE_HZ, baud: float = BAUD, stop_bits: float = 2.0
    ) -> Callable[[], Audio]:
        return lambda: modulate(
            codes, RATE, mark_hz=mark, space_hz=space, baud=baud, stop_bits=stop_bits
        ).astype(np.float64)

    conditions: list[tuple[str, Callable[[], Audio], bool]] = [
        ("nominal (2 stop bits)", plain(), False),
        ("nominal, G.711 mu-law", plain(), True),
        ("1 stop bit", plain(stop_bits=1.0), False),
        ("tones +5%", plain(MARK_HZ * 1.05, SPACE_HZ * 1.05), False),
        ("tones -5%", plain(MARK_HZ * 0.95, SPACE_HZ * 0.95), False),
        ("speed +5%", plain(baud=BAUD * 1.05), False),
        ("speed -5%", plain(baud=BAUD * 0.95), False),
        ("speed -5%, 1 stop bit", plain(baud=BAUD * 0.95, stop_bits=1.0), False),
    ]
    print(f"\nlowest SNR with every one of {seeds} seeds exact (60-character menu line, 20 ms frames)")
    print(f"{'condition':28} {'SNR dB':>7}   last steps (SNR:seeds exact)")
    for name, make, mulaw in conditions:
        lowest, steps = lowest_clean_snr(make, seeds, mulaw)
        print(f"{name:28} {lowest:+7.1f}   {steps}")


LOST_FRAME_TEXTS = ("PIN 1357 GA CALL 555-0134 AT 5:30 OR TYPE YES GA", "1000000002 GA", MENU)


def ours_choose(audio: npt.NDArray[np.int16]) -> str:
    decoder = BaudotDecoder(RATE)
    segments = [s for i in range(0, audio.size, FRAME) for s in decoder.feed_segments(audio[i : i + FRAME])]
    return choose(segments + decoder.flush_segments())


def lost_frame_table(with_minimodem: bool) -> None:
    readers: list[tuple[str, Callable[[npt.NDArray[np.int16]], str]]] = [("ours", ours_choose)]
    if with_minimodem and minimodem_missing() is None:
        readers.append(("minimodem", minimodem_read))
    print("\none 20 ms frame lost (zeroed), at every frame of the text and three offsets")
    print(f"{'text':52} {'reader':10} {'runs':>5} {'exact':>7} {'>1 char':>8}")
    for text in LOST_FRAME_TEXTS:
        runs: dict[str, list[str]] = {name: [] for name, _ in readers}
        for offset in (0, 53, 107):
            audio = np.concatenate([np.zeros(800 + offset, np.int16), encode(text), np.zeros(800, np.int16)])
            for start in range(800, audio.size - 800, FRAME):
                damaged = audio.copy()
                frame = start - start % FRAME
                damaged[frame : frame + FRAME] = 0
                for name, read in readers:
                    runs[name].append(read(damaged).replace("\r\n", "\n").strip())
        for name, got in runs.items():
            exact = sum(g == text for g in got) / len(got)
            worse = sum(edit_distance(g, text) > 1 for g in got) / len(got)
            print(f"{text[:50]:52} {name:10} {len(got):5} {exact:7.1%} {worse:8.1%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=10, help="noise seeds per SNR step")
    parser.add_argument("--no-minimodem", action="store_true", help="lost frames: our receiver only")
    args = parser.parse_args()
    speed_table()
    lost_frame_table(not args.no_minimodem)
    snr_table(args.seeds)


if __name__ == "__main__":
    main()
