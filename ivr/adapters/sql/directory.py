"""SqlAccountDirectory: the AccountDirectory port on SQLAlchemy Core.

Every method is one unit of work on a connection of its own: single statements in autocommit (one round
trip each), run once more when the server had dropped the connection (ivr.adapters.sql.database).

The statements are built once, here, on the tables' columns with bound parameters: building a statement
from the mapped classes on every call cost more CPU than executing it (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Connection, Engine, and_, bindparam, func, or_, select, update

from ivr.adapters.sql.database import in_autocommit
from ivr.adapters.sql.models import Case, CourtEvent, CourtEventText, Participant, call_mark
from ivr.adapters.sql.models import Payment as PaymentRow
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.core.records import CaseInfo, CourtDate, Payment, PaymentSummary, PinCheck, PinFacts, PinOnFile, Role
from ivr.core.values import Money

T = TypeVar("T")

_PARTICIPANTS = Participant.__table__.c
_CASES = Case.__table__.c
_PAYMENTS = PaymentRow.__table__.c
_COURT_EVENTS = CourtEvent.__table__.c
_COURT_EVENT_TEXTS = CourtEventText.__table__.c
# The cases on which the participant pays or receives support.
_PARTY_TO = or_(_CASES.payer_id == bindparam("participant"), _CASES.receiver_id == bindparam("participant"))

_BY_NUMBER = select(_PARTICIPANTS.id).where(_PARTICIPANTS.participant_number == bindparam("number"))
_BY_SSN = select(_PARTICIPANTS.id).where(_PARTICIPANTS.ssn_digest == bindparam("digest"))
# A participant's PIN, read once for a sign-in: what the throttle keys on and what the check needs.
_PIN_ON_FILE = select(
    _PARTICIPANTS.pin_hash,
    _PARTICIPANTS.phone,
    _PARTICIPANTS.pin_is_temporary,
    _PARTICIPANTS.pin_changed_at,
    _PARTICIPANTS.temporary_pin_used_at,
    _PARTICIPANTS.temporary_pin_used_by,
).where(_PARTICIPANTS.id == bindparam("participant"))
# A temporary PIN is used up by the call that uses it: only a request that marks it used by its own call, or
# finds it so marked within TEMPORARY_PIN_CALL_MINUTES, may sign in with it. The first use's time stays.
_USE_TEMPORARY = (
    update(Participant)
    .where(
        _PARTICIPANTS.id == bindparam("participant"),
        _PARTICIPANTS.pin_hash == bindparam("stored"),
        _PARTICIPANTS.pin_is_temporary.is_(True),
        or_(
            _PARTICIPANTS.temporary_pin_used_at.is_(None),
            and_(
                _PARTICIPANTS.temporary_pin_used_by == bindparam("call"),
                _PARTICIPANTS.temporary_pin_used_at > bindparam("since"),
            ),
        ),
    )
    .values(
        temporary_pin_used_at=func.coalesce(
            _PARTICIPANTS.temporary_pin_used_at,
            bindparam("now", type_=_PARTICIPANTS.temporary_pin_used_at.type),  # coalesce gives it no type
        ),
        temporary_pin_used_by=bindparam("call"),
    )
)
# How long the call that used a temporary PIN may take it again. A turn that signed in with it may never
# have been kept (it ended past its time budget, or a concurrent answer for the call won; the caller hears
# the PIN question again), so the call's next answer with it must still sign in; no other call ever may.
TEMPORARY_PIN_CALL_MINUTES = 10
NOBODY = -1  # the id a statement looks up for "no participant", so that it costs what a real one costs
MIN_PHONE_DIGITS = 7
_REHASH = (
    update(Participant)
    .where(_PARTICIPANTS.id == bindparam("participant"), _PARTICIPANTS.pin_hash == bindparam("stored"))
    .values(pin_hash=bindparam("renewed"))
)
_CASES_WITH_ROLE = select(
    _CASES.id, _CASES.balance, (_CASES.payer_id == bindparam("participant")).label("pays")
).where(_PARTY_TO)
_PAYMENTS_PAGE = (
    select(_PAYMENTS.paid_on, _PAYMENTS.amount)
    .where(_PAYMENTS.case_id.in_(bindparam("cases", expanding=True)))
    .order_by(_PAYMENTS.paid_on.desc(), _PAYMENTS.id.desc())
    .offset(bindparam("skip"))
    .limit(bindparam("latest"))
)
# The next events, then their texts in every language: one round trip, a row per event and language.
_NEXT_EVENTS = (
    select(_COURT_EVENTS.id, _COURT_EVENTS.kind, _COURT_EVENTS.starts_at)
    .join(Case.__table__, _CASES.id == _COURT_EVENTS.case_id)
    .where(_PARTY_TO, _COURT_EVENTS.starts_at >= bindparam("after"))
    .order_by(_COURT_EVENTS.starts_at, _COURT_EVENTS.id)
    .limit(bindparam("limit"))
    .subquery()
)
_COURT_DATES = (
    select(
        _NEXT_EVENTS.c.id,
        _NEXT_EVENTS.c.kind,
        _NEXT_EVENTS.c.starts_at,
        _COURT_EVENT_TEXTS.language,
        _COURT_EVENT_TEXTS.place,
        _COURT_EVENT_TEXTS.description,
    )
    .select_from(
        _NEXT_EVENTS.outerjoin(
            CourtEventText.__table__, _COURT_EVENT_TEXTS.court_event_id == _NEXT_EVENTS.c.id
        )
    )
    .order_by(_NEXT_EVENTS.c.starts_at, _NEXT_EVENTS.c.id, _COURT_EVENT_TEXTS.language)
)
_CASE_INFO = (
    select(_CASES.case_number, _CASES.county, _CASES.status, _CASES.office_phone)
    .where(_PARTY_TO)
    .order_by(_CASES.case_number)
)


class SqlAccountDirectory:
    def __init__(
        self, engine: Engine, pins: PinHasher, ssns: SsnDigester, temporary_pin_days: int = 30
    ) -> None:
        self._engine = engine
        self._pins = pins
        self._ssns = ssns
        self._temporary_pin_lifetime = dt.timedelta(days=temporary_pin_days)

    def _run(self, work: Callable[[Connection], T]) -> T:
        return in_autocommit(self._engine, work)

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        if participant_number is not None:
            query, parameters = _BY_NUMBER, {"number": participant_number}
        elif ssn is not None:
            query, parameters = _BY_SSN, {"digest": self._ssns.digest(ssn)}
        else:
            return None
        return self._run(lambda connection: connection.scalar(query, parameters))

    def pin_on_file(self, participant: int | None, calling_number: str | None) -> PinOnFile:
        wanted = {"participant": NOBODY if participant is None else participant}
        row = self._run(lambda connection: connection.execute(_PIN_ON_FILE, wanted).first())
        if row is None:
            return PinOnFile(participant, _facts(None, None, calling_number), None, False, None, None, None)
        return PinOnFile(
            participant,
            _facts(row.pin_hash, row.phone, calling_number),
            row.pin_hash,
            bool(row.pin_is_temporary),
            row.pin_changed_at,
            row.temporary_pin_used_at,
            row.temporary_pin_used_by,
        )

    def verify_pin(self, on_file: PinOnFile | None, pin: str, now: dt.datetime, call_id: str) -> PinCheck:
        stored = on_file.stored if on_file is not None else None
        if not self._pins.verify(stored, pin) or on_file is None or stored is None:
            return PinCheck.WRONG
        if on_file.temporary:
            return self._use_temporary(on_file, stored, call_mark(call_id), now)
        if self._pins.needs_rehash(stored):
            self._rehash(on_file.participant, stored, pin)
        return PinCheck.OK

    def _use_temporary(self, on_file: PinOnFile, stored: str, call: str, now: dt.datetime) -> PinCheck:
        """A right temporary PIN signs in one call, within its lifetime; the check uses it up for every
        other call (TEMPORARY_PIN_CALL_MINUTES: how long its own call may take it again)."""
        issued, used = on_file.issued, on_file.used
        if issued is None or now >= issued + self._temporary_pin_lifetime:
            return PinCheck.WRONG
        since = now - dt.timedelta(minutes=TEMPORARY_PIN_CALL_MINUTES)
        if used is not None and (on_file.used_by != call or used <= since):
            return PinCheck.WRONG
        parameters = {
            "participant": on_file.participant,
            "stored": stored,
            "call": call,
            "now": now,
            "since": since,
        }
        marked = self._run(lambda connection: connection.execute(_USE_TEMPORARY, parameters).rowcount)
        return PinCheck.TEMPORARY if marked == 1 else PinCheck.WRONG

    def _rehash(self, participant: int | None, stored: str, pin: str) -> None:
        """Store the PIN hashed with today's parameters, unless it changed since it was read."""
        parameters = {"participant": participant, "stored": stored, "renewed": self._pins.hash(pin)}
        self._run(lambda connection: connection.execute(_REHASH, parameters))

    def payment_summary(
        self, participant: int, latest: int, role: Role | None = None, skip: int = 0
    ) -> PaymentSummary | None:
        def read(connection: Connection) -> PaymentSummary | None:
            by_role: dict[Role, list[tuple[int, Decimal]]] = {}
            for case_id, balance, pays in connection.execute(_CASES_WITH_ROLE, {"participant": participant}):
                by_role.setdefault(Role.PAYER if pays else Role.RECEIVER, []).append((case_id, balance))
            chosen = role or next((r for r in (Role.PAYER, Role.RECEIVER) if r in by_role), None)
            cases = by_role.get(chosen) if chosen else None
            if chosen is None or not cases:
                return None
            page = {"cases": [case_id for case_id, _ in cases], "skip": skip, "latest": latest}
            rows = connection.execute(_PAYMENTS_PAGE, page)
            return PaymentSummary(
                role=chosen,
                balance=Money.from_decimal(sum((balance for _, balance in cases), start=Decimal(0))),
                latest=tuple(Payment(paid_on, Money.from_decimal(amount)) for paid_on, amount in rows),
                roles=frozenset(by_role),
            )

        return self._run(read)

    def court_dates(self, participant: int, after: dt.datetime, limit: int) -> tuple[CourtDate, ...]:
        parameters = {"participant": participant, "after": after, "limit": limit}
        rows = self._run(lambda connection: connection.execute(_COURT_DATES, parameters).all())
        events: dict[int, tuple[str, dt.datetime, dict[str, str], dict[str, str]]] = {}
        for row in rows:  # in order of time, so the dictionary is too
            _, _, places, descriptions = events.setdefault(row.id, (row.kind, row.starts_at, {}, {}))
            if row.language is not None:  # None: an event with no text in any language
                places[row.language], descriptions[row.language] = row.place, row.description
        return tuple(
            CourtDate(kind=kind, starts_at=starts_at, place=places, description=descriptions)
            for kind, starts_at, places, descriptions in events.values()
        )

    def cases(self, participant: int) -> tuple[CaseInfo, ...]:
        rows = self._run(
            lambda connection: connection.execute(_CASE_INFO, {"participant": participant}).all()
        )
        return tuple(CaseInfo(*row) for row in rows)


def _facts(stored: str | None, phone: str | None, calling_number: str | None) -> PinFacts:
    """The throttle's key: a digest of the PIN's hash (never the hash), and whether the call comes from the
    phone on file."""
    version = hashlib.sha256((stored or "").encode()).hexdigest()[:16]
    digits = _digits(phone)
    return PinFacts(version, len(digits) >= MIN_PHONE_DIGITS and digits == _digits(calling_number))


def _digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())
