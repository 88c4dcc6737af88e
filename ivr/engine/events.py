"""What can happen to a call, as frozen values. Channels turn their input into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ivr.core.values import Values
from ivr.engine.sign_in import SignInChange


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A new call (or text session) reached the service."""

    call_id: str
    language: str | None = None
    number_verified: bool = False  # the carrier vouched for the calling number (kept for the whole call)


PHONE_KEYS: Final = frozenset("0123456789*#")  # every key a telephone can send


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """The caller pressed keys. ``digits`` may include ``*`` and ``#``; the finish key is already removed."""

    digits: str

    def __repr__(self) -> str:  # digits may be a PIN or an SSN: never let them reach a log
        return f"DigitsEntered(<{len(self.digits)} keys>)"


@dataclass(frozen=True, slots=True)
class SpeechHeard:
    """The recogniser (or a text caller) produced words."""

    text: str
    confidence: float | None = None

    def __repr__(self) -> str:
        return f"SpeechHeard(<{len(self.text)} chars>)"


@dataclass(frozen=True, slots=True)
class NoInput:
    """The caller was silent until the prompt timed out."""


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The caller hung up or the channel closed."""


@dataclass(frozen=True, slots=True)
class HandlerFinished:
    """A handler named by an action node came back with an outcome.

    ``sign_in`` reports what happened to the call's sign-in (an ID entered, a PIN accepted or refused, a
    PIN changed), with internal account ids only; the engine decides what it means (ivr.engine.sign_in).
    ``counters`` are small named counts the flow keeps about the signed-in participant (payments paging).
    """

    outcome: str
    values: Values = field(default_factory=dict)
    sign_in: SignInChange | None = None
    counters: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class TransferEnded:
    """A transfer came back to the flow: ``outcome`` is busy, no_answer, failed (nobody took the call) or
    completed (the representative took it and hung up first)."""

    outcome: str


Event = CallStarted | DigitsEntered | SpeechHeard | NoInput | CallEnded | HandlerFinished | TransferEnded
