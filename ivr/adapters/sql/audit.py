"""SqlAuditLog and SqlContactBook: the audit trail and contact details, on the account database."""

from __future__ import annotations

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.database import in_autocommit, in_transaction
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Participant, call_mark, turn_mark
from ivr.core.clock import Clock, SystemClock
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent, EventSource

_AUDIT_ROW = insert(AuditRow)  # built once; each record binds its values (as the directory's statements)


class SqlAuditLog:
    """One row per event, inserted and committed in one round trip, naming the call and turn it came from."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()

    def record(self, event: AuditEvent, participant: int | None, source: EventSource) -> None:
        number = source.calling_number
        row = {
            "occurred_at": self._clock.now(),
            "event": AuditEvent(event).value,  # refuses anything that is not an audit event
            "participant_id": participant,
            "channel": source.channel,
            # cut to the column's width: a longer number must never fail a sign-in
            "calling_number": number[:CALLING_NUMBER_CHARS] if number else None,
            "call_mark": call_mark(source.call_id),
            "turn_mark": turn_mark(source.call_id, source.turn),
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
