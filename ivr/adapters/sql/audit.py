"""SqlAuditLog and SqlContactBook: the audit trail and contact details, on the account database."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.database import in_autocommit, in_transaction
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Participant, call_mark, turn_mark
from ivr.core.clock import Clock, SystemClock
from ivr.core.errors import IvrError
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent, EventSource

# Built once (as the directory's statements); each record binds its values. A row whose turn already
# recorded the same event is skipped by the unique index on (turn_mark, event), in the same statement:
# PostgreSQL's and SQLite's INSERT ... ON CONFLICT DO NOTHING, the two databases the service runs on.
_TURN_EVENT = ["turn_mark", "event"]
_AUDIT_ROW = {  # RETURNING tells whether the row went in (SQLite has it since 3.35)
    "postgresql": postgresql.insert(AuditRow)
    .on_conflict_do_nothing(index_elements=_TURN_EVENT)
    .returning(AuditRow.id),
    "sqlite": sqlite.insert(AuditRow)
    .on_conflict_do_nothing(index_elements=_TURN_EVENT)
    .returning(AuditRow.id),
}


class UnsupportedDatabase(IvrError, ValueError):
    hint = "DATABASE_URL must name PostgreSQL (postgresql://) or SQLite (sqlite:///)"


class SqlAuditLog:
    """One row an event a turn caused, inserted and committed in one round trip."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        statement = _AUDIT_ROW.get(engine.dialect.name)
        if statement is None:
            raise UnsupportedDatabase(f"the audit trail cannot be kept on {engine.dialect.name}")
        self._insert = statement

    def record(self, event: AuditEvent, participant: int | None, source: EventSource) -> bool:
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
        inserted = in_autocommit(
            self._engine, lambda connection: connection.execute(self._insert, row).first()
        )
        return inserted is not None


class SqlContactBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def set_phone(self, participant: int, number: str) -> None:
        def save(session: Session) -> None:
            row = session.get(Participant, participant)
            if row is not None:
                row.phone = number

        in_transaction(self._sessions, save)
