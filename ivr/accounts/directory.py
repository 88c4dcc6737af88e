"""SqlAccountDirectory: the AccountDirectory port on SQLAlchemy."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.accounts.models import Case, Participant
from ivr.accounts.models import Payment as PaymentRow
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.ports import Payment, PaymentSummary, PinCheck, Role
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

    def payment_summary(self, participant: int, latest: int) -> PaymentSummary | None:
        with self._sessions() as session:
            for role, column in ((Role.PAYER, Case.payer_id), (Role.RECEIVER, Case.receiver_id)):
                cases = session.scalars(select(Case).where(column == participant)).all()
                if not cases:
                    continue
                rows = session.scalars(
                    select(PaymentRow)
                    .where(PaymentRow.case_id.in_([case.id for case in cases]))
                    .order_by(PaymentRow.paid_on.desc(), PaymentRow.id.desc())
                    .limit(latest)
                ).all()
                return PaymentSummary(
                    role=role,
                    balance=Money.from_decimal(sum((case.balance for case in cases), start=Decimal(0))),
                    latest=tuple(Payment(row.paid_on, Money.from_decimal(row.amount)) for row in rows),
                )
        return None
