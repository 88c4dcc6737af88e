"""The US TTY (TIA-825-A) Baudot character set, what text a TTY can show, and the FSK encoder.

Timing: 45.45 baud; mark (1) is 1400 Hz, space (0) is 1800 Hz. A character is one start bit (space), five
data bits sent least significant first, then stop bits (mark): two unless told otherwise (the standard asks
for at least 1.5, and some receivers misframe fewer than two). Each burst starts with 150 ms of mark tone
so the far end's receiver can lock on before the first start bit, and ends with 50 ms more of it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import numpy as np
import numpy.typing as npt

BAUD: Final = 45.45
MARK_HZ: Final = 1400.0
SPACE_HZ: Final = 1800.0
DATA_BITS: Final = 5
DEFAULT_SAMPLE_RATE: Final = 8000
DEFAULT_STOP_BITS: Final = 2.0
LEAD_IN_SECONDS: Final = 0.150
HANGOVER_SECONDS: Final = 0.050
DEFAULT_AMPLITUDE: Final = 0.25
"""Peak amplitude as a fraction of full scale: -12 dBFS, where a full-scale sine is 0 dBFS."""

LTRS: Final = 0x1F
FIGS: Final = 0x1B
SPACE_CODE: Final = 0x04
SHIFT_REPEAT_CHARACTERS: Final = 72
"""The current shift is sent again after this many characters without one."""

# Index = 5-bit code. "" = no character (blank) or a shift code.
LETTERS: Final[tuple[str, ...]] = (
    "", "E", "\n", "A", " ", "S", "I", "U", "\r", "D", "R", "J", "N", "F", "C", "K",
    "T", "Z", "L", "W", "H", "Y", "P", "Q", "O", "B", "G", "", "M", "X", "V", "",
)  # fmt: skip
FIGURES: Final[tuple[str, ...]] = (
    "", "3", "\n", "-", " ", "\a", "8", "7", "\r", "$", "4", "'", ",", "!", ":", "(",
    "5", '"', ")", "2", "=", "6", "0", "1", "9", "?", "+", "", ".", "/", ";", "",
)  # fmt: skip

_BOTH_CASES: Final = frozenset({"\n", "\r", " "})
_LETTER_CODES: Final = {ch: code for code, ch in enumerate(LETTERS) if ch and ch not in _BOTH_CASES}
_FIGURE_CODES: Final = {ch: code for code, ch in enumerate(FIGURES) if ch and ch not in _BOTH_CASES}
_CASELESS_CODES: Final = {"\n": 0x02, "\r": 0x08, " ": SPACE_CODE}
TTY_CHARACTERS: Final = frozenset(_LETTER_CODES) | frozenset(_FIGURE_CODES) | frozenset(_CASELESS_CODES)
"""Every character a US TTY shows; `\\a` is BELL."""

# Mapped on purpose before accents are folded; anything not in TTY_CHARACTERS afterwards is dropped.
# Characters a TTY cannot show get one it can, as spandsp's V.18 transmitter does, except where its
# choice would mislead on this line ("#" is "$" there: a case number must not read as money).
_SUBSTITUTES: Final = {
    "&": "+", "*": ".", "%": "/100", "@": "(AT)", "#": "NO.", "\\": "/", "|": "/", "^": "'", "~": " ",
    "\u2022": "-", "\u00b7": "-", "\u00d7": "X", "\u00f7": "/", "\u20ac": "EUR", "\u00a3": "GBP",
    "\u00a9": "(C)", "\u00ae": "(R)",
    "\t": " ",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "_": "-", "[": "(", "]": ")", "{": "(", "}": ")", "<": "(", ">": ")",
    "\u00bf": "?", "\u00a1": "!",
    "\u00c6": "AE", "\u00e6": "AE", "\u0152": "OE", "\u0153": "OE", "\u00d8": "O", "\u00f8": "O",
    "\u0141": "L", "\u0142": "L", "\u0110": "D", "\u0111": "D", "\u0131": "I", "\u00df": "SS",
}  # fmt: skip
_LINE_BREAK: Final = re.compile("\r\n|[\r\n\v\f\x85\u2028\u2029]")


def tty_text(text: str) -> str:
    """What a TTY will show for `text`: upper case, accents folded, line breaks as CR LF, characters it
    cannot show replaced by ones it can (`# & % @ *` and others, see docs/tty.md), the rest dropped."""
    pieces = []
    for line in _LINE_BREAK.split(text):
        mapped = "".join(_SUBSTITUTES.get(ch, ch) for ch in line)
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", mapped) if not unicodedata.combining(ch))
        pieces.append("".join(ch for ch in folded.upper() if ch in TTY_CHARACTERS))
    return "\r\n".join(pieces)


def to_codes(text: str) -> list[int]:
    """The 5-bit codes for one burst of `text`, with LTRS/FIGS shifts.

    A shift goes before the burst's first letter or figure, before every letter or figure that follows a
    space, CR or LF (some receivers fall back to letters there, TIA-825-A's advice), and again after 72
    characters without one.
    """
    codes: list[int] = []
    shift: int | None = None
    since_shift = 0
    for ch in tty_text(text):
        if ch in _CASELESS_CODES:
            code = _CASELESS_CODES[ch]
        else:
            wanted = LTRS if ch in _LETTER_CODES else FIGS
            code = _LETTER_CODES[ch] if wanted == LTRS else _FIGURE_CODES[ch]
            if wanted != shift or since_shift >= SHIFT_REPEAT_CHARACTERS:
                codes.append(wanted)
                shift, since_shift = wanted, 0
        codes.append(code)
        since_shift += 1
        if ch in _CASELESS_CODES:
            shift = None
    return codes


def _frame_starts(count: int, stop_bits: float, baud: float) -> npt.NDArray[np.float64]:
    return np.asarray(
        LEAD_IN_SECONDS + np.arange(count) * (1 + DATA_BITS + stop_bits) / baud, dtype=np.float64
    )


def frame_offsets(
    count: int,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    *,
    stop_bits: float = DEFAULT_STOP_BITS,
    baud: float = BAUD,
) -> npt.NDArray[np.int64]:
    """Where, in `modulate`'s audio for `count` codes, each code's start bit begins (in samples); one more
    value at the end: where the last code's stop bits end (the hangover follows)."""
    starts = _frame_starts(count + 1, stop_bits, baud)
    offsets: npt.NDArray[np.int64] = np.round(starts * sample_rate).astype(np.int64)
    return offsets


def modulate(
    codes: list[int],
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    *,
    stop_bits: float = DEFAULT_STOP_BITS,
    baud: float = BAUD,
    mark_hz: float = MARK_HZ,
    space_hz: float = SPACE_HZ,
    amplitude: float = DEFAULT_AMPLITUDE,
) -> npt.NDArray[np.int16]:
    """Continuous-phase FSK audio for `codes`: lead-in mark, the framed characters, a short mark hangover."""
    if not codes:
        return np.zeros(0, dtype=np.int16)
    if stop_bits < 1:
        raise ValueError("a character needs at least one stop bit")
    words = np.asarray(codes, dtype=np.int64)
    # Per frame: start bit (space = 0), five data bits, then the stop bits (mark = 1) until the next frame.
    tones = np.ones((len(words), 2 + DATA_BITS), dtype=bool)
    tones[:, 0] = False
    tones[:, 1 : 1 + DATA_BITS] = (words[:, None] >> np.arange(DATA_BITS)) & 1
    frame_starts = _frame_starts(len(words), stop_bits, baud)
    boundaries = (frame_starts[:, None] + np.arange(2 + DATA_BITS) / baud) * sample_rate
    total = frame_starts[-1] + (1 + DATA_BITS + stop_bits) / baud + HANGOVER_SECONDS
    segment = np.searchsorted(boundaries.ravel(), np.arange(round(total * sample_rate)), side="right") - 1
    is_mark = np.where(segment < 0, True, tones.ravel()[np.maximum(segment, 0)])
    freq = np.where(is_mark, mark_hz, space_hz)
    phase = 2 * np.pi * (np.cumsum(freq) - freq[0]) / sample_rate
    audio: npt.NDArray[np.int16] = np.round(amplitude * 32767 * np.sin(phase)).astype(np.int16)
    return audio


def encode(
    text: str, sample_rate: int = DEFAULT_SAMPLE_RATE, *, stop_bits: float = DEFAULT_STOP_BITS
) -> npt.NDArray[np.int16]:
    """Baudot TTY audio (16-bit PCM, mono) for `text` as `tty_text` maps it; empty if nothing is left."""
    return modulate(to_codes(text), sample_rate, stop_bits=stop_bits)
