"""SqlAuditLog and SqlContactBook: the audit trail and contact details, on the account database."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.database import in_autocommit, in_transaction
from ivr.adapters.sql.models import RECORD_KEY_CHARS, Participant, call_mark, turn_mark
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.core.clock import Clock, SystemClock
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent, EventSource

# Built once; each record binds its values (as the directory's statements). A row whose key is there
# already is the same row sent again: INSERT ... ON CONFLICT (record_key) DO NOTHING, on both databases.
_AUDIT_ROW: dict[str, Insert] = {
    "postgresql": postgresql.insert(AuditRow).on_conflict_do_nothing(index_elements=[AuditRow.record_key]),
    "sqlite": sqlite.insert(AuditRow).on_conflict_do_nothing(index_elements=[AuditRow.record_key]),
}


class SqlAuditLog:
    """One row per event, inserted and committed in one round trip, naming the call and turn it came from;
    written once, even when its INSERT is sent again after the connection dropped (``retry_if_dropped``),
    by the key drawn for it before its first try."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        self._insert = _AUDIT_ROW[engine.dialect.name]

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
            "record_key": secrets.token_hex(RECORD_KEY_CHARS // 2),
        }
        in_autocommit(self._engine, lambda connection: connection.execute(self._insert, row))


class SqlContactBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def set_phone(self, participant: int, number: str) -> None:
        def save(session: Session) -> None:
            row = session.get(Participant, participant)
            if row is not None:
                row.phone = number

        in_transaction(self._sessions, save)
