"""Who a call is about: sign-in as a typed state that only the engine changes.

A call starts ``Anonymous``. Entering a participant ID or SSN makes it ``Claimed`` (the participant the
digits name, or nobody: the caller is never told which); a right PIN for that claim makes it ``SignedIn``,
with ``must_change_pin`` when the PIN was temporary. Handlers never set these states: they report what
happened (``SignInChange``) and ``apply`` decides, refusing every transition that would let one caller act
for a participant they did not sign in as. Every change of who the call is about also forgets what was
tied to the earlier participant (the engine clears the flow's counters and the "back" history with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.core.errors import IvrError
from ivr.flow.handler_rules import Level


@dataclass(frozen=True, slots=True)
class Anonymous:
    """Nobody has been named in this call (or the last sign-in failed)."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """An ID was entered. ``participant`` is None when it names no one; the caller still hears the PIN
    question, so that nobody learns which IDs exist."""

    participant: int | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The PIN for the claimed participant was right. ``must_change_pin``: it was a temporary PIN, which
    was used up by this sign-in; the caller may only choose a new PIN before anything else."""

    participant: int
    must_change_pin: bool = False


SignIn = Anonymous | Claimed | SignedIn


@dataclass(frozen=True, slots=True)
class IdEntered:
    """The caller entered an ID (``participant`` None: it is not valid or names no one)."""

    participant: int | None


@dataclass(frozen=True, slots=True)
class PinAccepted:
    """The PIN was right for ``participant``; ``temporary``: it was a temporary PIN."""

    participant: int
    temporary: bool = False


@dataclass(frozen=True, slots=True)
class PinRefused:
    """The PIN was wrong, or it could not be checked now."""


@dataclass(frozen=True, slots=True)
class PinChanged:
    """A new PIN replaced ``participant``'s PIN."""

    participant: int


SignInChange = IdEntered | PinAccepted | PinRefused | PinChanged


class SignInViolation(IvrError, ValueError):
    """A handler reported a change that the call's sign-in state does not allow."""

    hint = "a handler reported a sign-in for someone the call is not about: the handler is wrong"


def apply(current: SignIn, change: SignInChange) -> SignIn:
    """The sign-in state after ``change``; raises SignInViolation for a transition that is not allowed."""
    if isinstance(change, IdEntered):
        return Claimed(change.participant)
    if isinstance(change, PinRefused):
        return Anonymous()
    if isinstance(change, PinAccepted):
        if isinstance(current, Claimed) and current.participant == change.participant:
            return SignedIn(change.participant, must_change_pin=change.temporary)
        raise SignInViolation("a PIN was accepted for a participant this call did not claim")
    if isinstance(current, SignedIn) and current.participant == change.participant:
        return SignedIn(change.participant)
    raise SignInViolation("a PIN was changed for a participant this call is not signed in as")


def level(state: SignIn) -> Level:
    """How far the call is signed in, as the flow's handler rules measure it."""
    if isinstance(state, SignedIn):
        return Level.MUST_CHANGE_PIN if state.must_change_pin else Level.SIGNED_IN
    return Level.NONE


def participant_of(state: SignIn) -> int | None:
    """The participant the call is about, in any state (for "main menu" and the like, never for data)."""
    return state.participant if isinstance(state, Claimed | SignedIn) else None


def to_json(state: SignIn) -> Any:
    if isinstance(state, Claimed):
        return {"claimed": state.participant}
    if isinstance(state, SignedIn):
        return {"signed_in": state.participant, "must_change_pin": state.must_change_pin}
    return None


def from_json(data: Any) -> SignIn:
    """The state written by ``to_json``; anything else reads as Anonymous (it fails closed)."""
    if isinstance(data, dict):
        if "signed_in" in data and isinstance(data["signed_in"], int):
            return SignedIn(data["signed_in"], bool(data.get("must_change_pin", False)))
        if "claimed" in data and (data["claimed"] is None or isinstance(data["claimed"], int)):
            return Claimed(data["claimed"])
    return Anonymous()
