"""SqlAuditLog and SqlContactBook: the audit trail and contact details, on the account database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.database import in_autocommit, in_transaction
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Participant
from ivr.core.clock import Clock, SystemClock
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent

_AUDIT_ROW = insert(AuditRow)  # built once; each record binds its values (as the directory's statements)


class SqlAuditLog:
    """One row per event, inserted and committed in one round trip."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()

    def record(
        self, event: AuditEvent, participant: int | None, channel: str, calling_number: str | None
    ) -> None:
        row = {
            "occurred_at": self._clock.now().astimezone(dt.UTC),
            "event": AuditEvent(event).value,  # refuses anything that is not an audit event
            "participant_id": participant,
            "channel": channel,
            # cut to the column's width: a longer number must never fail a sign-in
            "calling_number": calling_number[:CALLING_NUMBER_CHARS] if calling_number else None,
        }
        in_autocommit(self._engine, lambda connection: connection.execute(_AUDIT_ROW, row))


class SqlContactBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def set_phone(self, participant: int, number: str) -> None:
        def save(session: Session) -> None:
            row = session.get(Participant, participant)
            if row is not None:
                row.phone = number

        in_transaction(self._sessions, save)
