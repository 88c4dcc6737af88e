"""Every moment the service keeps is written in UTC and read back aware, on SQLite as on PostgreSQL: the
column type (ivr.adapters.sql.columns.UtcDateTime) does it, not each writer and reader by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import DateTime, Engine, select, text
from sqlalchemy.exc import StatementError

import ivr.adapters.sql.console_tables  # noqa: F401 - the operator console's tables are part of the schema
from ivr.adapters.sql.audit import SqlAuditLog
from ivr.adapters.sql.columns import NaiveTime, UtcDateTime
from ivr.adapters.sql.database import make_engine
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import Base
from ivr.core.clock import FixedClock
from ivr.core.records import AuditEvent, EventSource

PACIFIC = dt.timezone(dt.timedelta(hours=-8))
MOMENT = dt.datetime(2026, 11, 24, 9, 30, tzinfo=PACIFIC)  # 17:30 UTC
SOURCE = EventSource("voice", None, "CA" + "9" * 32, "e:2")


@pytest.fixture
def engine(seeded_database: str) -> Iterator[Engine]:
    engine = make_engine(seeded_database)
    yield engine
    engine.dispose()


def test_every_time_column_of_the_schema_keeps_utc() -> None:
    """A column added with a plain DateTime would again leave the zone to every writer and reader."""
    times = [
        column
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime | UtcDateTime)
    ]
    assert len(times) >= 9 and all(isinstance(column.type, UtcDateTime) for column in times), times


def test_a_time_in_another_zone_is_kept_in_utc_and_read_back_as_the_same_moment(engine: Engine) -> None:
    SqlAuditLog(engine, FixedClock(MOMENT)).record(AuditEvent.SIGN_IN, None, SOURCE)
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT occurred_at FROM audit_events ORDER BY id DESC LIMIT 1"))
        read = connection.scalar(select(AuditRow.occurred_at).order_by(AuditRow.id.desc()).limit(1))
    if engine.dialect.name == "sqlite":  # text, without an offset: it must be UTC's wall-clock time
        assert stored == "2026-11-24 17:30:00.000000"
    else:
        assert stored == MOMENT
    assert read == MOMENT and read is not None and read.tzinfo is dt.UTC


def test_a_time_without_a_zone_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with engine.connect() as connection:
        before = connection.scalar(text("SELECT count(*) FROM audit_events"))
    naive = FixedClock(MOMENT.replace(tzinfo=None))
    with pytest.raises(StatementError) as refused:
        SqlAuditLog(engine, naive).record(AuditEvent.SIGN_IN, None, SOURCE)
    assert isinstance(refused.value.orig, NaiveTime)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM audit_events")) == before


def test_an_interval_added_to_a_stored_moment_is_bound_as_an_interval(engine: Engine) -> None:
    """``column + timedelta`` compares a moment with a moment; the interval itself has no zone and must not
    be refused as a time without one."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no interval arithmetic on stored times")
    later = AuditRow.occurred_at + dt.timedelta(minutes=5)
    SqlAuditLog(engine, FixedClock(MOMENT)).record(AuditEvent.SIGN_IN, None, SOURCE)
    with engine.connect() as connection:
        found = connection.scalar(select(later).where(later > MOMENT).order_by(AuditRow.id.desc()).limit(1))
    assert found == MOMENT + dt.timedelta(minutes=5)
