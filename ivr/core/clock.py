"""The time a call is answered at: the system clock, or one stopped at a moment (IVR_FIXED_TIME, tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


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
