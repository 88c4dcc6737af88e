"""What a handler is given: the call's state, the time, and, for one request only, the digits just entered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ivr.engine.state import CallState

# Set by authenticate when the PIN was right but temporary: the caller may only choose a new PIN.
TEMPORARY_PIN = "temporary_pin"


@dataclass(frozen=True, slots=True)
class HandlerRequest:
    state: CallState
    digits: str | None
    channel: str
    caller: str | None
    now: dt.datetime

    def __repr__(self) -> str:  # digits may be a PIN or an SSN
        return f"HandlerRequest(node={self.state.node!r}, channel={self.channel!r}, digits=<hidden>)"

    @property
    def participant(self) -> int | None:
        """The signed-in participant."""
        return self.state.participant

    @property
    def pin_changer(self) -> int | None:
        """Who may choose a new PIN now: the signed-in participant, or one whose temporary PIN was right."""
        if self.state.participant is not None:
            return self.state.participant
        return self.state.claimed if self.state.counter(TEMPORARY_PIN) else None
