"""The domain's records: what the account data and the sign-in checks give the handlers. Plain values,
stdlib only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from ivr.core.values import Money

# The most characters of a calling number the service keeps, wherever it keeps one: the caller id a channel
# gives (ivr.twilio.ids), the audit trail's column and the phone on file (ivr.adapters.sql.models). A SIP
# caller id can be this long; every column that holds a calling number is as wide.
CALLING_NUMBER_CHARS = 32


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
class PinOnFile:
    """A participant's PIN as one read found it, for one sign-in: ``facts`` for the throttle, and what the
    check needs, so the PIN the throttle counts is the PIN that is checked. ``stored`` is the PIN's hash
    (None: no such participant, or no PIN set); ``issued``, ``used`` and ``used_by`` (which call used it,
    as the account data keeps a call) matter for a temporary PIN only."""

    participant: int | None
    facts: PinFacts
    stored: str | None = field(repr=False)
    temporary: bool
    issued: dt.datetime | None
    used: dt.datetime | None
    used_by: str | None


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
    """A court hearing ("hearing") or an appointment at the agency ("appointment"). Its place and what it
    is about are words callers hear: each is given in the languages it was written in, by language code."""

    kind: str
    starts_at: dt.datetime  # aware, in UTC
    place: Mapping[str, str]
    description: Mapping[str, str]


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


@dataclass(frozen=True, slots=True)
class EventSource:
    """Where an audited event came from: the channel, the calling number, and the call and turn that
    caused it. ``turn`` (CallState.turn_name) is the same when a turn that was not kept is answered
    again, and never the same in another turn of the call."""

    channel: str
    calling_number: str | None
    call_id: str
    turn: str


class AuditEvent(StrEnum):
    """What the audit trail records: who did what, through which channel, from which number."""

    SIGN_IN = "sign_in"
    TEMPORARY_PIN_USED = "temporary_pin_used"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_BLOCKED = "sign_in_blocked"
    LOCKOUT = "lockout"  # the attempt that reached the consecutive-failure cap
    PIN_CHANGED = "pin_changed"
    PIN_REQUESTED = "pin_requested"
    PHONE_UPDATED = "phone_updated"
