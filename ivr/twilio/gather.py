"""What Twilio posts at a <Gather>, as engine events (https://www.twilio.com/docs/voice/twiml/gather#action:
Digits, FinishedOnKey, SpeechResult, Confidence)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from ivr.engine import PHONE_KEYS, DigitsEntered, Event, NoInput, SpeechHeard
from ivr.engine.events import MAX_KEYS, MAX_SPEECH_CHARS


def event_from_twilio(form: Mapping[str, str]) -> Event:
    """Turn a Gather result (or the redirect after a silent Gather) into an engine event."""
    digits = (form.get("Digits") or "").strip()
    if digits:
        if len(digits) > MAX_KEYS or not set(digits) <= PHONE_KEYS:
            return SpeechHeard("")  # keys no telephone can send: treated as an answer we don't understand
        return DigitsEntered(digits)
    speech = "".join(
        ch for ch in (form.get("SpeechResult") or "")[:MAX_SPEECH_CHARS] if unicodedata.category(ch)[0] != "C"
    ).strip()
    if speech:
        return SpeechHeard(speech, _confidence(form.get("Confidence")))
    return NoInput()


def _confidence(raw: str | None) -> float | None:
    """Twilio's Confidence, a number between 0.0 and 1.0; anything else is unknown."""
    try:
        confidence = float(raw or "")
    except ValueError:
        return None
    return confidence if 0.0 <= confidence <= 1.0 else None  # also NaN
