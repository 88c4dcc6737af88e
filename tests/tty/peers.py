"""Independent TTY modems to test ours against: minimodem's `tdd` mode and spandsp's V.18 parts.

Test support, not a test: a TTY caller's audio made by another implementation (`caller_audio`), what
another implementation's receiver prints for our audio (`minimodem_read`, `spandsp_read`), and the line
in between (`through_line`: noise, level, frequency offset, then G.711 mu-law as a Media Stream carries
it). Whole-call tests over the WebSocket use the same helpers for the caller's side.

The two ways senders treat a space ("shift conventions", see ivr/tty/shifts.py):
- "minimodem": minimodem 0.24 (Debian package minimodem) unshifts on space: after a space it sends no
  LTRS before letters;
- "spandsp": spandsp's own V.18 encoder (`v18_encode_baudot`, Debian's libspandsp-dev) keeps its shift:
  it sends a shift only when the case changes, so figures after a space come without FIGS;
- "spandsp-usos": spandsp's modulator sending the codes of a sender that unshifts on space
  (`sender_codes`), so both conventions come from both peers.

spandsp's parts are reached through a small C program (tests/tty/spandsp_tty.c) compiled on first use
into a temporary folder; scripts/system-packages.sh installs the library and the compiler.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ivr.media.tty.baudot import FIGS, FIGURES, LETTERS, LTRS, tty_text
from ivr.media.tty.demodulator import TtyModem
from ivr.media.tty.shifts import Accepts, choose
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.media.wav import read_wav, write_wav

RATE: Final = 8000
INTEROP_TEXTS: Final = (
    "MY ID IS 1000000002 GA",
    "PIN 1357 GA",
    "CALL (555) 010-4477 AT 5:30 OR TYPE YES. OK? GA",
    "PAY $1,234.56 BY 12/25 GA\n",
)
"""What the interoperability tests and bench send. minimodem's figures table has "#" and "&" where TTYs
have "=" and "+": the texts avoid those two."""
PEERS: Final = ("minimodem", "spandsp", "spandsp-usos")
"""Callers by name: which implementation sends, and whether it unshifts on space."""
UNSHIFTS_ON_SPACE: Final = {"minimodem": True, "spandsp": False, "spandsp-usos": True}
_HARNESS: Final = Path(__file__).with_name("spandsp_tty.c")
_TIMEOUT: Final = 120
_CASELESS: Final = {"\n": 0x02, "\r": 0x08, " ": 0x04}
_LETTER: Final = {ch: code for code, ch in enumerate(LETTERS) if ch and ch not in _CASELESS}
_FIGURE: Final = {ch: code for code, ch in enumerate(FIGURES) if ch and ch not in _CASELESS}

Pcm = npt.NDArray[np.int16]


def minimodem_missing() -> str | None:
    """Why minimodem cannot be used here, or None."""
    return None if shutil.which("minimodem") else "minimodem is not installed (Debian package minimodem)"


@cache
def _spandsp_tool() -> tuple[Path | None, str]:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None, "no C compiler to build the spandsp harness (Debian package gcc)"
    flags = ["-lspandsp"]
    pkg_config = shutil.which("pkg-config")
    if pkg_config:
        found = subprocess.run(
            [pkg_config, "--cflags", "--libs", "spandsp"], capture_output=True, text=True, check=False
        )
        if found.returncode == 0:
            flags = found.stdout.split()
    folder = Path(tempfile.mkdtemp(prefix="spandsp-tty-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    tool = folder / "spandsp_tty"
    built = subprocess.run(
        [compiler, "-O1", "-o", str(tool), str(_HARNESS), *flags],
        capture_output=True,
        text=True,
        check=False,
        timeout=_TIMEOUT,
    )
    if built.returncode != 0:
        first = (built.stderr.strip().splitlines() or ["no message"])[0]
        return None, f"spandsp harness does not build (Debian package libspandsp-dev): {first}"
    return tool, ""


def spandsp_missing() -> str | None:
    """Why spandsp's V.18 cannot be used here, or None (builds the harness on first call)."""
    tool, reason = _spandsp_tool()
    return None if tool else reason


def _spandsp(mode: str, data: bytes) -> bytes:
    tool, reason = _spandsp_tool()
    if tool is None:
        raise RuntimeError(reason)
    done = subprocess.run([str(tool), mode], input=data, capture_output=True, timeout=_TIMEOUT, check=True)
    return done.stdout


def _minimodem(*args: str, stdin: bytes = b"") -> bytes:
    tool = shutil.which("minimodem")
    if tool is None:
        raise RuntimeError(minimodem_missing())
    done = subprocess.run([tool, *args], input=stdin, capture_output=True, timeout=_TIMEOUT, check=True)
    return done.stdout


def sender_codes(text: str, *, unshifts_on_space: bool) -> list[int]:
    """The codes a TTY sends for `text` (as `tty_text` shows it) when it sends a shift only when its case
    changes; with `unshifts_on_space`, it considers itself in letters after every space."""
    codes: list[int] = []
    shift: int | None = None
    for ch in tty_text(text):
        if ch in _CASELESS:
            codes.append(_CASELESS[ch])
            if ch == " " and unshifts_on_space:
                shift = LTRS
            continue
        wanted = LTRS if ch in _LETTER else FIGS
        if wanted != shift:
            codes.append(wanted)
            shift = wanted
        codes.append(_LETTER[ch] if wanted == LTRS else _FIGURE[ch])
    return codes


def minimodem_audio(text: str) -> Pcm:
    """minimodem's `tdd` audio for `text` (8 kHz): a sender that unshifts on space."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tx.wav"
        _minimodem("--tx", "-R", str(RATE), "-f", str(path), "tdd", stdin=text.encode("ascii"))
        samples, _ = read_wav(path)
    return samples


def minimodem_read(audio: npt.ArrayLike) -> str:
    """What minimodem's `tdd` receiver (which unshifts on space) prints for 8 kHz audio."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rx.wav"
        write_wav(path, np.asarray(audio, dtype=np.int16), RATE)
        return _minimodem("--rx", "-q", "-R", str(RATE), "-f", str(path), "tdd").decode("ascii", "replace")


def spandsp_audio(text: str, *, unshifts_on_space: bool = False) -> Pcm:
    """spandsp's audio for `text`: its V.18 encoder (keeps its shift), or with `unshifts_on_space` the codes
    of a sender that unshifts on space, through spandsp's modulator."""
    if unshifts_on_space:
        data = _spandsp("tx-codes", bytes(sender_codes(text, unshifts_on_space=True)))
    else:
        data = _spandsp("tx", text.encode("ascii"))
    return np.frombuffer(data, dtype=np.int16).copy()


def spandsp_read(audio: npt.ArrayLike) -> str:
    """What spandsp's V.18 receiver (which keeps its shift) prints for 8 kHz audio."""
    data = np.asarray(audio, dtype=np.int16).tobytes()
    return _spandsp("rx", data).decode("ascii", "replace")


def caller_audio(peer: str, text: str) -> Pcm:
    """A TTY caller's audio for `text`, made by `peer` (one of `PEERS`)."""
    if peer == "minimodem":
        return minimodem_audio(text)
    if peer in ("spandsp", "spandsp-usos"):
        return spandsp_audio(text, unshifts_on_space=peer == "spandsp-usos")
    raise ValueError(f"unknown TTY peer {peer!r}")


def our_reading(audio: npt.ArrayLike, accepts: Accepts = Accepts.TEXT) -> tuple[str, TtyModem]:
    """What our receiver reads in `audio`, fed 20 ms frames as the Media Stream does, chosen with
    `choose`; and the modem, to ask what the sender has shown."""
    samples = np.asarray(audio, dtype=np.int16)
    modem = TtyModem()
    segments = [s for i in range(0, samples.size, 160) for s in modem.receive_segments(samples[i : i + 160])]
    segments += modem.decoder.flush_segments()
    reading = choose(segments, accepts, unshifts_on_space=modem.decoder.reader.sender_unshifts_on_space)
    return reading, modem


def shift_frequency(audio: npt.ArrayLike, hz: float) -> npt.NDArray[np.float64]:
    """Every frequency in `audio` moved by `hz`, as a mistuned carrier system does (single sideband)."""
    samples = np.asarray(audio, dtype=np.float64)
    spectrum = np.fft.fft(samples)
    spectrum[len(samples) // 2 + 1 :] = 0  # the analytic signal: positive frequencies only
    spectrum[1 : (len(samples) + 1) // 2] *= 2
    analytic = np.fft.ifft(spectrum)
    turn = np.exp(2j * np.pi * hz * np.arange(len(samples)) / RATE)
    return np.real(analytic * turn)


def through_line(
    audio: npt.ArrayLike,
    *,
    snr_db: float | None = None,
    level_db: float = 0.0,
    offset_hz: float = 0.0,
    seed: int = 0,
    pad_seconds: float = 0.5,
) -> Pcm:
    """`audio` as it arrives over a telephone line and a Media Stream: moved `offset_hz`, `level_db` louder
    or quieter, white noise at `snr_db` below the signal's average power, `pad_seconds` of line before and
    after, then G.711 mu-law."""
    samples = np.asarray(audio, dtype=np.float64)
    if offset_hz:
        samples = shift_frequency(samples, offset_hz)
    samples = samples * 10 ** (level_db / 20)
    pad = np.zeros(round(pad_seconds * RATE))
    line = np.concatenate([pad, samples, pad])
    if snr_db is not None:
        power = float(np.mean(samples**2))
        noise = np.random.default_rng(seed).normal(0, np.sqrt(power / 10 ** (snr_db / 10)), line.size)
        line = line + noise
    pcm = np.clip(np.round(line), -32768, 32767).astype(np.int16)
    return ulaw_decode(ulaw_encode(pcm))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions that turn `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def character_error_rate(got: str, expected: str) -> float:
    """Edit distance over the expected length: 0 is exact."""
    return edit_distance(got, expected) / max(1, len(expected))
