"""The audit trail on the real database: one row an event, never more than its columns hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from ivr.adapters.sql.audit import SqlAuditLog
from ivr.adapters.sql.database import make_engine
from ivr.adapters.sql.models import CALLING_NUMBER_CHARS, AuditEvent


@pytest.fixture
def engine(seeded_database: str) -> Iterator[Engine]:
    engine = make_engine(seeded_database)
    yield engine
    engine.dispose()


def test_a_calling_number_longer_than_its_column_is_cut_not_refused(engine: Engine) -> None:
    """SQLite ignores a column's width, PostgreSQL refuses the row: the log cuts the number itself, so a
    channel that passes a longer one (a SIP address) never fails the sign-in it records."""
    sip = "sip:" + "a" * 40 + "@example.org"
    SqlAuditLog(engine).record("sign_in_failed", None, "voice", sip)
    SqlAuditLog(engine).record("sign_in_failed", None, "voice", None)
    with engine.connect() as connection:
        numbers = connection.scalars(select(AuditEvent.calling_number).order_by(AuditEvent.id)).all()
    assert numbers[-2:] == [sip[:CALLING_NUMBER_CHARS], None]


def test_only_known_events_are_recorded(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown audit event"):
        SqlAuditLog(engine).record("pin_was_1234", None, "voice", None)
    with engine.connect() as connection:
        assert connection.scalar(select(AuditEvent.id).where(AuditEvent.event == "pin_was_1234")) is None
