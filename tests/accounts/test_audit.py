"""The audit trail on the real database: one row an event a turn caused, never more than its columns hold."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, create_mock_engine, select

from ivr.adapters.metrics import CountingAuditLog
from ivr.adapters.sql.audit import SqlAuditLog, SqlContactBook, UnsupportedDatabase
from ivr.adapters.sql.database import make_engine, make_session_factory
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Participant, call_mark
from ivr.core.records import CALLING_NUMBER_CHARS, AuditEvent, EventSource
from ivr.twilio.ids import calling_number

SOURCE = EventSource("voice", "+15555550143", "CA" + "4" * 32, "3f9a1c2e:4")


@pytest.fixture
def engine(seeded_database: str) -> Iterator[Engine]:
    engine = make_engine(seeded_database)
    yield engine
    engine.dispose()


def test_a_calling_number_longer_than_its_column_is_cut_not_refused(engine: Engine) -> None:
    """SQLite ignores a column's width, PostgreSQL refuses the row: the log cuts the number itself, so a
    channel that passes a longer one (a SIP address) never fails the sign-in it records."""
    sip = "sip:" + "a" * 40 + "@example.org"
    SqlAuditLog(engine).record(AuditEvent.SIGN_IN_FAILED, None, EventSource("voice", sip, "CA1", "e:1"))
    SqlAuditLog(engine).record(AuditEvent.SIGN_IN_FAILED, None, EventSource("voice", None, "CA1", "e:2"))
    with engine.connect() as connection:
        numbers = connection.scalars(select(AuditRow.calling_number).order_by(AuditRow.id)).all()
    assert numbers[-2:] == [sip[:CALLING_NUMBER_CHARS], None]


def test_only_known_events_are_recorded(engine: Engine) -> None:
    with pytest.raises(ValueError, match="is not a valid AuditEvent"):
        SqlAuditLog(engine).record("pin_was_1234", None, SOURCE)  # type: ignore[arg-type]
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


def _events_of(engine: Engine, call_id: str) -> list[tuple[str, str | None]]:
    """The call's events in order, each with its turn's mark."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditRow.event, AuditRow.turn_mark)
            .where(AuditRow.call_mark == call_mark(call_id))
            .order_by(AuditRow.id)
        ).all()
    return [(event, mark) for event, mark in rows]


def test_a_turn_records_an_event_once_however_often_it_is_run(engine: Engine) -> None:
    """A turn not kept is answered again: the same turn, and its event is recorded once. The next turn,
    another event of the same turn, and the same turn number after the call's state began again are
    each recorded: the row names the call (call_mark) and the turn (turn_mark)."""
    log = SqlAuditLog(engine)
    assert log.record(AuditEvent.SIGN_IN, 2, SOURCE)
    assert not log.record(AuditEvent.SIGN_IN, 2, SOURCE)  # the same turn, run again
    assert log.record(AuditEvent.PIN_CHANGED, 2, SOURCE)  # another event of that turn
    assert log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, turn="3f9a1c2e:5"))  # the next turn
    assert log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, turn="0b7d44a1:4"))  # its state began again
    assert log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, call_id="CA" + "5" * 32))  # another call
    events = _events_of(engine, SOURCE.call_id)
    assert [event for event, _ in events] == ["sign_in", "pin_changed", "sign_in", "sign_in"]
    assert events[0][1] == events[1][1] and len({mark for _, mark in events}) == 3


def test_the_metrics_count_an_event_once_a_turn_as_the_trail_records_it(engine: Engine) -> None:
    log = CountingAuditLog(SqlAuditLog(engine))
    source = replace(SOURCE, call_id="CA" + "6" * 32)

    def counted() -> float:
        return REGISTRY.get_sample_value("ivr_account_events_total", {"event": "pin_changed"}) or 0.0

    before = counted()
    assert log.record(AuditEvent.PIN_CHANGED, 2, source)
    assert not log.record(AuditEvent.PIN_CHANGED, 2, source)
    assert counted() == before + 1


def test_a_database_the_trail_cannot_keep_once_a_turn_is_refused_at_start() -> None:
    """Keeping an event once a turn needs INSERT ... ON CONFLICT, as PostgreSQL and SQLite write it: the
    service refuses to start on another database rather than record every run of a turn. (A mock engine:
    no other database's driver is installed.)"""
    other = create_mock_engine("mysql://", lambda *_args, **_kwargs: None)
    with pytest.raises(UnsupportedDatabase, match="PostgreSQL"):
        SqlAuditLog(other)  # type: ignore[arg-type]
