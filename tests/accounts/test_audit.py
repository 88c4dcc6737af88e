"""The audit trail on the real database: one row an event, never more than its columns hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from ivr.adapters.sql.audit import SqlAuditLog, SqlContactBook
from ivr.adapters.sql.database import make_engine, make_session_factory
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Participant
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent
from ivr.twilio.ids import calling_number


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


def test_the_longest_calling_number_kept_is_saved_as_the_phone_on_file(engine: Engine) -> None:
    """The caller ids a channel keeps (ivr.twilio.ids cuts them to CALLING_NUMBER_CHARS) fit the phone on file:
    a SIP caller id of that length was refused by PostgreSQL's 20-character column."""
    sip = calling_number("sip:+15555550123;ext=77@pbx-7.agency.example.org")
    assert sip is not None and len(sip) == CALLING_NUMBER_CHARS
    with engine.connect() as connection:
        who = connection.scalar(select(Participant.id).where(Participant.participant_number == "1000000002"))
    assert who is not None
    SqlContactBook(make_session_factory(engine)).set_phone(who, sip)
    with engine.connect() as connection:
        assert connection.scalar(select(Participant.phone).where(Participant.id == who)) == sip
