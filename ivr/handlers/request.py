"""What a handler is given: the call's state and, for one request only, the digits just entered."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.engine.state import CallState


@dataclass(frozen=True, slots=True)
class HandlerRequest:
    state: CallState
    digits: str | None
    channel: str
    caller: str | None

    def __repr__(self) -> str:  # digits may be a PIN or an SSN
        return f"HandlerRequest(node={self.state.node!r}, channel={self.channel!r}, digits=<hidden>)"
