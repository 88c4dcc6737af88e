"""What Twilio posts at a <Gather>, as engine events (https://www.twilio.com/docs/voice/twiml/gather#action:
Digits, FinishedOnKey, SpeechResult, Confidence)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from ivr.engine import (
    PHONE_KEYS,
    DigitsEntered,
    Event,
    NoInput,
    SpeechHeard,
)

MAX_DIGITS = 32


MAX_SPEECH_CHARS = 300


def event_from_twilio(form: Mapping[str, str]) -> Event:
    """Turn a Gather result (or the redirect after a silent Gather) into an engine event."""
    digits = (form.get("Digits") or "").strip()
    if digits:
        if len(digits) > MAX_DIGITS or not set(digits) <= PHONE_KEYS:
            return SpeechHeard("")  # keys no telephone can send: treated as an answer we don't understand
        return DigitsEntered(digits)
    speech = "".join(
        ch for ch in (form.get("SpeechResult") or "")[:MAX_SPEECH_CHARS] if unicodedata.category(ch)[0] != "C"
    ).strip()
    if speech:
        try:
            confidence: float | None = float(form.get("Confidence") or "")
        except ValueError:
            confidence = None
        return SpeechHeard(speech, confidence)
    return NoInput()
