"""SqlPinManager: choosing a new PIN (entered twice) and the outbox of PINs to mail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.database import in_transaction
from ivr.adapters.sql.models import Participant, PinMailRequest
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.core.records import PinRule

# How long the first entry of a new PIN waits for the second.
PENDING_PIN_MINUTES = 10
# A PIN is mailed at most once in this many days.
MAIL_REQUEST_DAYS = 10


class SqlPinManager:
    def __init__(self, sessions: sessionmaker[Session], pins: PinHasher, ssns: SsnDigester) -> None:
        self._sessions = sessions
        self._pins = pins
        self._ssns = ssns

    def pin_problem(self, participant: int, new_pin: str) -> PinRule | None:
        found = in_transaction(
            self._sessions,
            lambda session: session.execute(
                select(Participant.pin_hash, Participant.ssn_last4_digest).where(
                    Participant.id == participant
                )
            ).first(),
        )
        if found is None:
            return PinRule.LENGTH
        current, last4 = found
        if current is not None and self._pins.verify(current, new_pin):
            return PinRule.CURRENT_PIN
        if last4 is not None and len(new_pin) == 4 and self._ssns.digest_last4(new_pin) == last4:
            return PinRule.SSN_DIGITS
        return None

    def hold_new_pin(self, participant: int, new_pin: str, now: dt.datetime) -> None:
        held = self._pins.hash(new_pin)
        expires = now + dt.timedelta(minutes=PENDING_PIN_MINUTES)

        def hold(session: Session) -> None:
            row = session.get(Participant, participant)
            if row is not None:
                row.pending_pin_hash, row.pending_pin_expires_at = held, expires

        in_transaction(self._sessions, hold)

    def confirm_new_pin(self, participant: int, pin: str, now: dt.datetime) -> bool:
        def confirm(session: Session) -> bool:
            row = session.get(Participant, participant)
            if row is None:
                return False
            if row.pending_pin_hash is None or row.pending_pin_expires_at is None:
                return self._just_changed_to(row, pin, now)
            matches = row.pending_pin_expires_at > now and self._pins.verify(row.pending_pin_hash, pin)
            row.pending_pin_hash, row.pending_pin_expires_at = None, None
            if matches:
                row.pin_hash = self._pins.hash(pin)
                row.pin_is_temporary = False
                row.temporary_pin_used_at, row.temporary_pin_used_by = None, None
                row.pin_changed_at = now
            return matches

        return in_transaction(self._sessions, confirm)

    def _just_changed_to(self, row: Participant, pin: str, now: dt.datetime) -> bool:
        """The second entry, given again after it made ``pin`` the PIN: the turn that confirmed it may never
        have been kept (it ended past its time budget), so the caller hears that question again and gives
        the same answer, which must still confirm the PIN rather than be told it does not match. Within the
        minutes a held PIN waits, and only while it is the PIN on file."""
        if row.pin_hash is None or row.pin_is_temporary or row.pin_changed_at is None:
            return False
        recent = row.pin_changed_at > now - dt.timedelta(minutes=PENDING_PIN_MINUTES)
        return recent and self._pins.verify(row.pin_hash, pin)

    def request_pin_by_mail(self, participant: int, channel: str, now: dt.datetime) -> bool:
        since = now - dt.timedelta(days=MAIL_REQUEST_DAYS)

        def request(session: Session) -> bool:
            row = session.get(Participant, participant)
            if row is None or not row.address_valid or not row.address_line1:
                return False
            recent = session.scalar(
                select(PinMailRequest.id)
                .where(PinMailRequest.participant_id == participant)
                .where(PinMailRequest.requested_at >= since)
                .limit(1)
            )
            if recent is not None:
                return False
            session.add(PinMailRequest(participant_id=participant, requested_at=now, channel=channel))
            return True

        return in_transaction(self._sessions, request)
