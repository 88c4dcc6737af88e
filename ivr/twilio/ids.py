"""Twilio's ids and caller ids, checked once before they become Redis keys, log fields or numbers on file."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.core.records import CALLING_NUMBER_CHARS
from ivr.runtime.conversation import Caller

MAX_CALLING_NUMBER = CALLING_NUMBER_CHARS  # a calling number is cut to what every column keeps


MAX_SID = 64  # characters of a Twilio id (CallSid, StreamSid: 34 today)


# What carriers and Twilio put in From when the caller withheld their number: words, and the same words
# spelt on a keypad (ANONYMOUS, RESTRICTED, UNAVAILABLE, BLOCKED, UNKNOWN). None of them is a number:
# callers who withhold theirs must never share one (a count of failed sign-ins, a phone on file).
WITHHELD = frozenset(
    {
        "anonymous",
        "restricted",
        "unavailable",
        "unknown",
        "private",
        "blocked",
        "withheld",
        "+266696687",
        "+7378742833",
        "+86282452253",
        "+2562533",
        "+8656696",
    }
)


_WITHHELD_FOLDED = frozenset(marker.lstrip("+") for marker in WITHHELD)


def calling_number(raw: object) -> str | None:
    """A caller id as the channel gave it, made worth keeping: printable, at most 32 characters, or None
    (withheld)."""
    number = "".join(ch for ch in str(raw or "") if ch.isprintable()).strip()[:MAX_CALLING_NUMBER]
    if number.lower().lstrip("+") in _WITHHELD_FOLDED:
        return None
    return number or None


def twilio_sid(raw: object) -> str | None:
    """A Twilio id (a CallSid, a StreamSid) if it is one: ASCII letters and digits, at most 64 of them;
    else None. It becomes a Redis key and a log field, so nothing else may pass."""
    text = str(raw or "")
    return text if text.isascii() and text.isalnum() and len(text) <= MAX_SID else None


# Twilio's SHAKEN/STIR result for the calling number, sent as StirVerstat on incoming call webhooks
# (https://www.twilio.com/docs/voice/trusted-calling-with-shakenstir): "A" attestation means the
# originating carrier knows the caller and that they may use the number.
FULL_ATTESTATION = "TN-Validation-Passed-A"


def caller_from_form(form: Mapping[str, str], channel: str) -> Caller | None:
    """The caller of a Twilio call webhook: its CallSid (None if missing or malformed), From, and whether
    the carrier vouched for From."""
    call_id = twilio_sid(form.get("CallSid", "").strip())
    if call_id is None:
        return None
    return Caller(
        call_id=call_id,
        channel=channel,
        number=calling_number(form.get("From")),
        verified=form.get("StirVerstat", "") == FULL_ATTESTATION,
    )
