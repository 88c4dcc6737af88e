"""What the audio tools need to know about a prompt's text: its hash, its values, its length rule."""

from __future__ import annotations

import hashlib

from ivr.flow.placeholders import values_in

# The length rule: a recording may last this long per word of its text, plus a margin for pauses and
# numbers read digit by digit, and never longer than MAX_SECONDS. Shorter than MIN_SECONDS_PER_WORD per
# word is probably the wrong file or one cut off. Both only warn: the recording is still played.
SECONDS_PER_WORD = 0.6  # 100 words a minute, slower than any prompt voice
MARGIN_SECONDS = 2.0
MAX_SECONDS = 90.0
MIN_SECONDS_PER_WORD = 0.12  # 500 words a minute


def text_hash(text: str) -> str:
    """Of the text as the flow holds it (whitespace already folded), so re-wrapping YAML changes nothing."""
    return hashlib.sha256(text.encode()).hexdigest()


def has_values(text: str) -> bool:
    """A prompt with {values} (an amount, a date) is always spoken: a recording cannot hold them."""
    try:
        return bool(values_in(text))
    except ValueError:  # a lone brace: treat it as a value, as the renderer cannot trust the text
        return True


def words(text: str) -> int:
    return len(text.split())


def longest_seconds(text: str) -> float:
    return min(SECONDS_PER_WORD * words(text) + MARGIN_SECONDS, MAX_SECONDS)


def length_warning(text: str, seconds: float) -> str | None:
    count = words(text)
    limit = longest_seconds(text)
    if seconds > limit:
        return f"too long: {seconds:.1f} s for {count} words (the limit is {limit:.1f} s)"
    if seconds < MIN_SECONDS_PER_WORD * count:
        return f"too short: {seconds:.1f} s for {count} words; is it the right recording, and complete?"
    return None
