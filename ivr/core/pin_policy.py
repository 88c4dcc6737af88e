"""Which new PINs are refused whatever the account: wrong length, one digit repeated, a straight run."""

from __future__ import annotations

from itertools import pairwise

from ivr.core.records import PinRule

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 6


def weak_pin(pin: str) -> PinRule | None:
    if not pin.isdigit() or not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        return PinRule.LENGTH
    if len(set(pin)) == 1:
        return PinRule.SAME_DIGITS
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    if steps in ({1}, {-1}):
        return PinRule.SEQUENCE
    return None
