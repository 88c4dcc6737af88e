"""The ports through which handlers reach the outside world. Adapters live in ivr/accounts and ivr/web."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from ivr.values import Money


class PinCheck(Enum):
    OK = "ok"
    TEMPORARY = "temporary"
    WRONG = "wrong"


class Role(Enum):
    PAYER = "payer"
    RECEIVER = "receiver"


@dataclass(frozen=True, slots=True)
class Payment:
    paid_on: dt.date
    amount: Money


@dataclass(frozen=True, slots=True)
class PaymentSummary:
    role: Role
    balance: Money
    latest: tuple[Payment, ...]


class AccountDirectory(Protocol):
    """What the sign-in and account handlers may ask of the account data."""

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        """The internal id of the participant with this participant ID or SSN, or None."""

    def verify_pin(self, participant: int | None, pin: str) -> PinCheck:
        """Check a PIN. Runs a full verification even for ``None`` so that timing reveals nothing."""

    def payment_summary(self, participant: int, latest: int) -> PaymentSummary | None:
        """Balance and the ``latest`` payments, newest first; None when the participant has no case."""


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one moment: for trying out hours of operation and for tests (IVR_FIXED_TIME)."""

    moment: dt.datetime

    def now(self) -> dt.datetime:
        return self.moment
