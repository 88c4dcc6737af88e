"""What can happen to a call, as frozen values. Channels turn their input into these.

Each event checks itself when it is made (InvalidEvent): keys a telephone cannot send, overlong speech, a
confidence outside 0 to 1 or an outcome that is no name never reach the engine. The channels clean what
callers send before they make events, so a check that fails is a channel's bug, not a caller's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from ivr.core.errors import IvrError
from ivr.core.values import Values
from ivr.engine.sign_in import SignInChange

MAX_KEYS: Final = 32  # keys in one answer (Twilio's <Gather numDigits> is smaller for every question here)
MAX_SPEECH_CHARS: Final = 300  # what a recogniser or a typed line may hand over in one answer
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class InvalidEvent(IvrError, ValueError):
    """An event that no channel should make."""

    hint = "the channel must clean what callers send before it makes an event"


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A new call (or text session) reached the service."""

    call_id: str
    language: str | None = None
    number_verified: bool = False  # the carrier vouched for the calling number (kept for the whole call)
    epoch: str = ""  # names this start of the call's state (CallState.epoch); the runtime draws it

    def __post_init__(self) -> None:
        if not self.call_id:
            raise InvalidEvent("a call needs an id")


PHONE_KEYS: Final = frozenset("0123456789*#")  # every key a telephone can send


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """The caller pressed keys. ``digits`` may include ``*`` and ``#``; the finish key is already removed."""

    digits: str

    def __post_init__(self) -> None:
        if not 0 < len(self.digits) <= MAX_KEYS or not set(self.digits) <= PHONE_KEYS:
            raise InvalidEvent(f"{len(self.digits)} keys that a telephone cannot send together")

    def __repr__(self) -> str:  # digits may be a PIN or an SSN: never let them reach a log
        return f"DigitsEntered(<{len(self.digits)} keys>)"


@dataclass(frozen=True, slots=True)
class SpeechHeard:
    """The recogniser (or a text caller) produced words."""

    text: str
    confidence: float | None = None

    def __post_init__(self) -> None:
        if len(self.text) > MAX_SPEECH_CHARS:
            raise InvalidEvent(f"{len(self.text)} characters of speech; at most {MAX_SPEECH_CHARS}")
        if self.confidence is not None and not 0.0 <= self.confidence <= 1.0:
            raise InvalidEvent("a recogniser's confidence lies between 0 and 1")

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

    def __post_init__(self) -> None:
        if not _NAME.match(self.outcome):
            raise InvalidEvent(f"a handler's outcome is a name in lower case, not {self.outcome!r}")


@dataclass(frozen=True, slots=True)
class TransferEnded:
    """A transfer came back to the flow: ``outcome`` is busy, no_answer, failed (nobody took the call) or
    completed (the representative took it and hung up first)."""

    outcome: str


Event = CallStarted | DigitsEntered | SpeechHeard | NoInput | CallEnded | HandlerFinished | TransferEnded
