"""The ports the runtime reaches the outside through: Protocols only. Their adapters live in ivr/adapters
(Redis, SQL, metrics) and the records they pass in ivr/core/records.py."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ivr.core.errors import IvrError
from ivr.core.records import (
    Admission,
    AuditEvent,
    CaseInfo,
    CourtDate,
    EventSource,
    JourneyStep,
    PaymentSummary,
    PinCheck,
    PinOnFile,
    PinRule,
    Role,
    SignInAttempt,
)
from ivr.core.sign_in_policy import ThrottlePolicy
from ivr.engine.state import CallState


class AccountDirectory(Protocol):
    """What the sign-in and account handlers may ask of the account data."""

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        """The internal id of the participant with this participant ID or SSN, or None."""

    def pin_on_file(self, participant: int | None, calling_number: str | None) -> PinOnFile:
        """The participant's PIN in one read: what the throttle keys the check by, and what the check
        needs. Costs the same for ``None`` or an unknown participant, so timing reveals nothing."""

    def verify_pin(self, on_file: PinOnFile | None, pin: str, now: dt.datetime, call_id: str) -> PinCheck:
        """Check a PIN against what ``pin_on_file`` read, for the call ``call_id``. A temporary PIN expires,
        and a right check uses it up for every other call (unless another call used it, or it changed,
        since the read); the call that used it may take it again for a few minutes, since the turn that
        signed in with it may never have been kept. A permanent PIN changed after the read is checked as it
        was read: the window is this turn's throttle round trip and the verification, about a millisecond.
        Runs a full verification even for ``None`` (against a decoy), so that timing reveals nothing."""

    def payment_summary(
        self, participant: int, latest: int, role: Role | None = None, skip: int = 0
    ) -> PaymentSummary | None:
        """Balance and ``latest`` payments after the newest ``skip``, newest first, for ``role`` (or, when
        None, the participant's role: paying if they both pay and receive); None when the participant has
        no case in that role. ``roles`` tells whether they pay support, receive it, or both."""

    def court_dates(self, participant: int, after: dt.datetime, limit: int) -> tuple[CourtDate, ...]:
        """Hearings and appointments on the participant's cases from ``after`` on, soonest first."""

    def cases(self, participant: int) -> tuple[CaseInfo, ...]:
        """The participant's cases, as payer or receiver."""


class PinManager(Protocol):
    """The PIN lifecycle: choosing a new PIN (entered twice) and asking for one by mail."""

    def pin_problem(self, participant: int, new_pin: str) -> PinRule | None:
        """Why ``new_pin`` may not be used (current or temporary PIN, the SSN's last four digits), if so."""

    def hold_new_pin(self, participant: int, new_pin: str, now: dt.datetime) -> None:
        """Keep the first entry of a new PIN (hashed) until it is entered again, for a few minutes."""

    def confirm_new_pin(self, participant: int, pin: str, now: dt.datetime) -> bool:
        """The second entry: if it matches the held one, it becomes the PIN (no longer temporary). Given
        again minutes after it did (the turn that confirmed it was not kept), it still confirms."""

    def request_pin_by_mail(self, participant: int, channel: str, now: dt.datetime) -> bool:
        """Queue a new PIN in the mail outbox, if a valid address is on file and none was queued in the
        last days. Returns whether a request was queued."""


class ContactBook(Protocol):
    def set_phone(self, participant: int, number: str) -> None: ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent, participant: int | None, source: EventSource) -> None:
        """Note a sign-in, failure, lockout, PIN change or PIN request, with the call and turn it came
        from. Never a PIN or an SSN."""


class SignInThrottle(Protocol):
    """How many PINs may be checked, per participant, calling number and service, across calls, channels
    and servers (the policy: ivr.core.sign_in_policy)."""

    policy: ThrottlePolicy

    def admit(self, attempt: SignInAttempt) -> Admission:
        """Reserve one PIN check, atomically, counted as a failure until ``succeeded`` says otherwise."""

    def succeeded(self, attempt: SignInAttempt) -> None:
        """The PIN was right: the participant's count for this line starts afresh."""


class TurnObserver(Protocol):
    """Told about every turn, for metrics. Never given digits, speech or values."""

    def turn(self, channel: str, event: str, visited: tuple[str, ...], seconds: float) -> None: ...

    def handler_failed(self, handler: str) -> None: ...


class CallJournal(Protocol):
    """Told where every call goes, for the operators' funnel (ivr.core.journey). Never given digits, speech,
    caller ids or account ids; an implementation must not let a failure of its own reach the call. A turn's
    step comes from the call store that kept it (CallStore); a hang-up from the Conversation."""

    def step(self, step: JourneyStep) -> None: ...

    def caller_left(self, call_id: str, language: str, node: str, at: dt.datetime) -> None:
        """The caller hung up while the flow was waiting at ``node``."""


class CallStore(Protocol):
    """Where a call's state is kept, and so where a turn is counted: a store given the funnel's journal
    records a write's ``journey`` with it, and only when the state was written."""

    def load(self, call_id: str) -> CallState | None: ...
    def begin(self, state: CallState, journey: JourneyStep | None = None) -> bool:
        """Store a call's first state if the call has none; whether it was stored."""

    def restart(self, state: CallState, journey: JourneyStep | None = None) -> None:
        """Store a call's first state over whatever it had (which the caller can no longer use)."""

    def save(self, state: CallState, read: CallState, journey: JourneyStep | None = None) -> bool:
        """Store ``state`` only if the stored state is still the turn ``read`` was, of the same start of the
        call (``CallState.turn_name``); whether it was stored."""

    def delete(self, call_id: str) -> None: ...


class StaleWrite(IvrError, RuntimeError):
    """Another request for the same call changed its state first."""
