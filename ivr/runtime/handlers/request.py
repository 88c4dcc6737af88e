"""What a handler is given: the call's state, the time, and, for one request only, the digits just entered.

Who the call is about is read here, from the engine's sign-in state, and nowhere else: ``account_holder``
for handlers that read or change an account, ``pin_changer`` for the steps that choose a new PIN, and
``claimed`` for the PIN check itself. Each raises NotSignedIn rather than act for the wrong participant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ivr.core.errors import IvrError
from ivr.core.records import EventSource
from ivr.engine.sign_in import Claimed, SignedIn
from ivr.engine.state import CallState


class NotSignedIn(IvrError, RuntimeError):
    """A handler ran for a call that has not signed in as far as it needs; the flow is wired wrongly.
    The runtime answers it like any failing handler: the node's on_error."""

    hint = "lead callers to this step only through sign-in; `ivr validate` shows the path that skips it"


@dataclass(frozen=True, slots=True)
class HandlerRequest:
    state: CallState
    digits: str | None
    channel: str
    caller: str | None
    now: dt.datetime
    caller_verified: bool = False  # the carrier vouched for the calling number (SHAKEN/STIR "A")
    default_language: str = "en"  # the flow's: what a caller hears when data has no text in theirs

    def __repr__(self) -> str:  # digits may be a PIN or an SSN
        return f"HandlerRequest(node={self.state.node!r}, channel={self.channel!r}, digits=<hidden>)"

    @property
    def source(self) -> EventSource:
        """Where what this request does comes from, for the audit trail: this turn of this call."""
        return EventSource(self.channel, self.caller, self.state.call_id, self.state.turn_name)

    @property
    def claimed(self) -> int | None:
        """The participant whose ID was just entered and whose PIN is asked for, if it named one."""
        sign_in = self.state.sign_in
        return sign_in.participant if isinstance(sign_in, Claimed) else None

    def account_holder(self) -> int:
        """The participant signed in by PIN in this call, who may hear and change their account."""
        sign_in = self.state.sign_in
        if isinstance(sign_in, SignedIn) and not sign_in.must_change_pin:
            return sign_in.participant
        raise NotSignedIn(self.state.node)

    def pin_changer(self) -> int:
        """Who may choose a new PIN now: the participant signed in by PIN in this call, temporary or not."""
        sign_in = self.state.sign_in
        if isinstance(sign_in, SignedIn):
            return sign_in.participant
        raise NotSignedIn(self.state.node)
