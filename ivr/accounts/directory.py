"""SqlAccountDirectory: the AccountDirectory port on SQLAlchemy Core.

Every method is one unit of work on a connection of its own: single statements in autocommit (one round
trip each), run once more when the server had dropped the connection (ivr.accounts.database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, or_, select, update

from ivr.accounts.database import in_autocommit
from ivr.accounts.models import Case, CourtEvent, Participant
from ivr.accounts.models import Payment as PaymentRow
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.ports import CaseInfo, CourtDate, Payment, PaymentSummary, PinCheck, Role
from ivr.values import Money

T = TypeVar("T")


class SqlAccountDirectory:
    def __init__(self, engine: Engine, pins: PinHasher, ssns: SsnDigester) -> None:
        self._engine = engine
        self._pins = pins
        self._ssns = ssns

    def _run(self, work: Callable[[Connection], T]) -> T:
        return in_autocommit(self._engine, work)

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        if participant_number is not None:
            clause = Participant.participant_number == participant_number
        elif ssn is not None:
            clause = Participant.ssn_digest == self._ssns.digest(ssn)
        else:
            return None
        query = select(Participant.id).where(clause)
        return self._run(lambda connection: connection.scalar(query))

    def verify_pin(self, participant: int | None, pin: str) -> PinCheck:
        stored: str | None = None
        temporary = False
        if participant is not None:
            query = select(Participant.pin_hash, Participant.pin_is_temporary).where(
                Participant.id == participant
            )
            row = self._run(lambda connection: connection.execute(query).first())
            if row is not None:
                stored, temporary = row.pin_hash, row.pin_is_temporary
        if not self._pins.verify(stored, pin):
            return PinCheck.WRONG
        if stored is not None and self._pins.needs_rehash(stored):
            self._rehash(participant, stored, pin)
        return PinCheck.TEMPORARY if temporary else PinCheck.OK

    def _rehash(self, participant: int | None, stored: str, pin: str) -> None:
        """Store the PIN hashed with today's parameters, unless it changed since it was read."""
        renewed = (
            update(Participant)
            .where(Participant.id == participant, Participant.pin_hash == stored)
            .values(pin_hash=self._pins.hash(pin))
        )
        self._run(lambda connection: connection.execute(renewed))

    def payment_summary(
        self, participant: int, latest: int, role: Role | None = None, skip: int = 0
    ) -> PaymentSummary | None:
        cases_query = select(Case.id, Case.balance, Case.payer_id == participant).where(
            _party_to(participant)
        )

        def read(connection: Connection) -> PaymentSummary | None:
            by_role: dict[Role, list[tuple[int, Decimal]]] = {}
            for case_id, balance, pays in connection.execute(cases_query):
                by_role.setdefault(Role.PAYER if pays else Role.RECEIVER, []).append((case_id, balance))
            chosen = role or next((r for r in (Role.PAYER, Role.RECEIVER) if r in by_role), None)
            cases = by_role.get(chosen) if chosen else None
            if chosen is None or not cases:
                return None
            rows = connection.execute(
                select(PaymentRow.paid_on, PaymentRow.amount)
                .where(PaymentRow.case_id.in_([case_id for case_id, _ in cases]))
                .order_by(PaymentRow.paid_on.desc(), PaymentRow.id.desc())
                .offset(skip)
                .limit(latest)
            )
            return PaymentSummary(
                role=chosen,
                balance=Money.from_decimal(sum((balance for _, balance in cases), start=Decimal(0))),
                latest=tuple(Payment(paid_on, Money.from_decimal(amount)) for paid_on, amount in rows),
                roles=frozenset(by_role),
            )

        return self._run(read)

    def court_dates(self, participant: int, after: dt.datetime, limit: int) -> tuple[CourtDate, ...]:
        query = (
            select(
                CourtEvent.kind,
                CourtEvent.starts_at,
                CourtEvent.place,
                CourtEvent.description_en,
                CourtEvent.description_es,
            )
            .join(Case, Case.id == CourtEvent.case_id)
            .where(_party_to(participant))
            .where(CourtEvent.starts_at >= _stored(after))
            .order_by(CourtEvent.starts_at, CourtEvent.id)
            .limit(limit)
        )
        rows = self._run(lambda connection: connection.execute(query).all())
        return tuple(
            CourtDate(
                kind=row.kind,
                starts_at=_aware(row.starts_at),
                place=row.place,
                description={"en": row.description_en, "es": row.description_es},
            )
            for row in rows
        )

    def cases(self, participant: int) -> tuple[CaseInfo, ...]:
        query = (
            select(Case.case_number, Case.county, Case.status, Case.office_phone)
            .where(_party_to(participant))
            .order_by(Case.case_number)
        )
        rows = self._run(lambda connection: connection.execute(query).all())
        return tuple(CaseInfo(*row) for row in rows)


def _party_to(participant: int) -> ColumnElement[bool]:
    """The cases on which the participant pays or receives support."""
    return or_(Case.payer_id == participant, Case.receiver_id == participant)


def _stored(moment: dt.datetime) -> dt.datetime:
    """Times are kept in UTC; SQLite keeps no offset, so compare in UTC without one there."""
    return moment.astimezone(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
