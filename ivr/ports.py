"""The ports through which handlers reach the outside world. Adapters live in ivr/accounts and ivr/web."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from ivr.sign_in_policy import ThrottlePolicy
from ivr.values import Money


class PinCheck(Enum):
    OK = "ok"
    TEMPORARY = "temporary"  # right, and temporary: used up by this check
    WRONG = "wrong"  # wrong, or a temporary PIN that is used up or expired


@dataclass(frozen=True, slots=True)
class PinFacts:
    """What the throttle needs to know before a PIN is checked. ``version`` changes with every new PIN (a
    digest of its hash, never the hash); ``phone_on_file`` says the calling number is the participant's."""

    version: str
    phone_on_file: bool


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """One PIN about to be checked: for whom (None: an ID that names no one), against which PIN, whether
    from the participant's own phone as the carrier vouches for it, and from which calling number."""

    participant: int | None
    pin_version: str
    owner_line: bool
    number: str | None


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a PIN may be checked now. ``refused_by`` names the limit that said no (for the audit trail);
    ``last_before_cap``: if this PIN is wrong, the participant's PIN takes no more guesses from this line."""

    admitted: bool
    refused_by: str = ""
    last_before_cap: bool = False


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
    roles: frozenset[Role] = frozenset()  # every role the participant has, on one case or another


@dataclass(frozen=True, slots=True)
class CourtDate:
    """A court hearing ("hearing") or an appointment at the agency ("appointment")."""

    kind: str
    starts_at: dt.datetime  # aware, in UTC
    place: str
    description: dict[str, str]  # by language code


@dataclass(frozen=True, slots=True)
class CaseInfo:
    case_number: str
    county: str
    status: str  # "open" or "closed"
    office_phone: str


class PinRule(Enum):
    """Why a new PIN is refused."""

    LENGTH = "length"
    SAME_DIGITS = "same_digits"
    SEQUENCE = "sequence"
    CURRENT_PIN = "current_pin"
    SSN_DIGITS = "ssn_digits"


class AccountDirectory(Protocol):
    """What the sign-in and account handlers may ask of the account data."""

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        """The internal id of the participant with this participant ID or SSN, or None."""

    def pin_facts(self, participant: int | None, calling_number: str | None) -> PinFacts:
        """What the throttle keys a PIN check by. Costs the same for ``None``, so timing reveals nothing."""

    def verify_pin(self, participant: int | None, pin: str, now: dt.datetime) -> PinCheck:
        """Check a PIN; a temporary PIN is used up by a right check and expires. Runs a full verification
        even for ``None`` so that timing reveals nothing."""

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
        """The second entry: if it matches the held one, it becomes the PIN (no longer temporary)."""

    def request_pin_by_mail(self, participant: int, channel: str, now: dt.datetime) -> bool:
        """Queue a new PIN in the mail outbox, if a valid address is on file and none was queued in the
        last days. Returns whether a request was queued."""


class ContactBook(Protocol):
    def set_phone(self, participant: int, number: str) -> None: ...


class AuditLog(Protocol):
    def record(self, event: str, participant: int | None, channel: str, calling_number: str | None) -> None:
        """Note a sign-in, failure, lockout, PIN change or PIN request. Never a PIN or an SSN."""


class SignInThrottle(Protocol):
    """How many PINs may be checked, per participant, calling number and service, across calls, channels
    and servers (the policy: ivr.sign_in_policy)."""

    policy: ThrottlePolicy

    def admit(self, attempt: SignInAttempt) -> Admission:
        """Reserve one PIN check, atomically, counted as a failure until ``succeeded`` says otherwise."""

    def succeeded(self, attempt: SignInAttempt) -> None:
        """The PIN was right: the participant's count for this line starts afresh."""


class TurnObserver(Protocol):
    """Told about every turn, for metrics. Never given digits, speech or values."""

    def turn(self, channel: str, event: str, visited: tuple[str, ...], seconds: float) -> None: ...

    def handler_failed(self, handler: str) -> None: ...


@dataclass(frozen=True, slots=True)
class JourneyStep:
    """One turn of one call as the funnel counts it: nodes and outcomes, never what was typed or said.

    ``answer`` is what became of the caller's answer at ``waiting_at``: "start" (the call began: there was no
    answer), "taken", "no_input" or "no_match". ``ending`` is "hangup" or "transfer" when the flow ended the
    call in this turn."""

    call_id: str
    channel: str
    flow_version: str
    language: str
    waiting_at: str | None
    answer: str
    visited: tuple[str, ...]
    ending: str | None
    at: dt.datetime


class CallJournal(Protocol):
    """Told where every call goes, for the operators' funnel (ivr.analytics). Never given digits, speech,
    caller ids or account ids; an implementation must not let a failure of its own reach the call."""

    def step(self, step: JourneyStep) -> None: ...

    def caller_left(self, call_id: str, language: str, node: str, at: dt.datetime) -> None:
        """The caller hung up while the flow was waiting at ``node``."""


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
