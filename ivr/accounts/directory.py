"""SqlAccountDirectory: the AccountDirectory port on SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ivr.accounts.models import Case, CourtEvent, Participant
from ivr.accounts.models import Payment as PaymentRow
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.ports import CaseInfo, CourtDate, Payment, PaymentSummary, PinCheck, Role
from ivr.values import Money


class SqlAccountDirectory:
    def __init__(self, sessions: sessionmaker[Session], pins: PinHasher, ssns: SsnDigester) -> None:
        self._sessions = sessions
        self._pins = pins
        self._ssns = ssns

    def identify(self, participant_number: str | None = None, ssn: str | None = None) -> int | None:
        if participant_number is not None:
            clause = Participant.participant_number == participant_number
        elif ssn is not None:
            clause = Participant.ssn_digest == self._ssns.digest(ssn)
        else:
            return None
        with self._sessions() as session:
            return session.scalar(select(Participant.id).where(clause))

    def verify_pin(self, participant: int | None, pin: str) -> PinCheck:
        stored: str | None = None
        temporary = False
        if participant is not None:
            with self._sessions() as session:
                row = session.execute(
                    select(Participant.pin_hash, Participant.pin_is_temporary).where(
                        Participant.id == participant
                    )
                ).first()
            if row is not None:
                stored, temporary = row.pin_hash, row.pin_is_temporary
        if not self._pins.verify(stored, pin):
            return PinCheck.WRONG
        return PinCheck.TEMPORARY if temporary else PinCheck.OK

    def roles(self, participant: int) -> frozenset[Role]:
        with self._sessions() as session:
            pays = session.scalar(select(Case.id).where(Case.payer_id == participant).limit(1))
            receives = session.scalar(select(Case.id).where(Case.receiver_id == participant).limit(1))
        return frozenset(
            role for role, present in ((Role.PAYER, pays), (Role.RECEIVER, receives)) if present is not None
        )

    def payment_summary(
        self, participant: int, latest: int, role: Role | None = None, skip: int = 0
    ) -> PaymentSummary | None:
        roles = [role] if role is not None else [Role.PAYER, Role.RECEIVER]
        with self._sessions() as session:
            for candidate in roles:
                column = Case.payer_id if candidate is Role.PAYER else Case.receiver_id
                cases = session.scalars(select(Case).where(column == participant)).all()
                if not cases:
                    continue
                rows = session.scalars(
                    select(PaymentRow)
                    .where(PaymentRow.case_id.in_([case.id for case in cases]))
                    .order_by(PaymentRow.paid_on.desc(), PaymentRow.id.desc())
                    .offset(skip)
                    .limit(latest)
                ).all()
                return PaymentSummary(
                    role=candidate,
                    balance=Money.from_decimal(sum((case.balance for case in cases), start=Decimal(0))),
                    latest=tuple(Payment(row.paid_on, Money.from_decimal(row.amount)) for row in rows),
                )
        return None

    def _case_ids(self, session: Session, participant: int) -> list[int]:
        return list(
            session.scalars(
                select(Case.id).where(or_(Case.payer_id == participant, Case.receiver_id == participant))
            )
        )

    def court_dates(self, participant: int, after: dt.datetime, limit: int) -> tuple[CourtDate, ...]:
        with self._sessions() as session:
            rows = session.scalars(
                select(CourtEvent)
                .where(CourtEvent.case_id.in_(self._case_ids(session, participant)))
                .where(CourtEvent.starts_at >= _stored(after))
                .order_by(CourtEvent.starts_at, CourtEvent.id)
                .limit(limit)
            ).all()
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
        with self._sessions() as session:
            rows = session.scalars(
                select(Case)
                .where(or_(Case.payer_id == participant, Case.receiver_id == participant))
                .order_by(Case.case_number)
            ).all()
            return tuple(CaseInfo(row.case_number, row.county, row.status, row.office_phone) for row in rows)


def _stored(moment: dt.datetime) -> dt.datetime:
    """Times are kept in UTC; SQLite keeps no offset, so compare in UTC without one there."""
    return moment.astimezone(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
