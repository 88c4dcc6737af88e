"""The audit trail on the real database: one row an event, never more than its columns hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from ivr.adapters.sql.audit import SqlAuditLog
from ivr.adapters.sql.database import make_engine
from ivr.adapters.sql.models import CALLING_NUMBER_CHARS
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.core.records import AuditEvent


@pytest.fixture
def engine(seeded_database: str) -> Iterator[Engine]:
    engine = make_engine(seeded_database)
    yield engine
    engine.dispose()


def test_a_calling_number_longer_than_its_column_is_cut_not_refused(engine: Engine) -> None:
    """SQLite ignores a column's width, PostgreSQL refuses the row: the log cuts the number itself, so a
    channel that passes a longer one (a SIP address) never fails the sign-in it records."""
    sip = "sip:" + "a" * 40 + "@example.org"
    SqlAuditLog(engine).record(AuditEvent.SIGN_IN_FAILED, None, "voice", sip)
    SqlAuditLog(engine).record(AuditEvent.SIGN_IN_FAILED, None, "voice", None)
    with engine.connect() as connection:
        numbers = connection.scalars(select(AuditRow.calling_number).order_by(AuditRow.id)).all()
    assert numbers[-2:] == [sip[:CALLING_NUMBER_CHARS], None]


def test_only_known_events_are_recorded(engine: Engine) -> None:
    with pytest.raises(ValueError, match="is not a valid AuditEvent"):
        SqlAuditLog(engine).record("pin_was_1234", None, "voice", None)  # type: ignore[arg-type]
    with engine.connect() as connection:
        assert connection.scalar(select(AuditRow.id).where(AuditRow.event == "pin_was_1234")) is None
