"""Values that prompts carry from handlers to channels.

Handlers produce them, the engine passes them through untouched, and each channel decides how to say
them: the voice channel speaks words ("one dollar"), a text channel writes figures ("$1.00").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in whole cents, so that no float rounding ever reaches a caller."""

    cents: int
    currency: str = "USD"

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str = "USD") -> Money:
        return cls(int((amount * 100).to_integral_value()), currency)

    @property
    def units(self) -> int:
        return abs(self.cents) // 100

    @property
    def subunits(self) -> int:
        return abs(self.cents) % 100


@dataclass(frozen=True, slots=True)
class DigitString:
    """An identifier such as a case number: always read one digit at a time, never as a number."""

    digits: str


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A telephone number, as stored (E.164, or national in the flow's country): always said and written in
    groups ("1 8 0 0, 5 5 5, 0 1 0 0"; "1-800-555-0100"), never as one long run of digits."""

    number: str


@dataclass(frozen=True, slots=True)
class PromptRef:
    """A value that is itself a prompt: said as that prompt's text in the caller's language.

    Handlers use it for words that depend on data ("hearing" or "appointment", "open" or "closed"),
    so that the words stay in prompts/ with everything else callers hear.
    """

    prompt: str


Scalar = str | int | Money | DigitString | PhoneNumber | PromptRef | dt.date | dt.datetime | dt.time
Value = Scalar | tuple[Mapping[str, Scalar], ...]
Values = Mapping[str, Value]
