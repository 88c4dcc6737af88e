"""Column types the schema shares. ``UtcDateTime``: every moment is kept in UTC and read back aware.

SQLite keeps a time as text without its offset: an aware time written as it came would keep its wall-clock
reading in its own zone, and come back naive. Rather than every writer converting to UTC and every reader
putting the offset back, the column type does both, on PostgreSQL and SQLite alike; a time without a zone
is refused, since nothing could tell which instant it meant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ivr.core.errors import IvrError


class NaiveTime(IvrError, ValueError):
    """A time without a zone was about to be written."""

    hint = "write times from the service's clock (ivr.core.clock), which are aware"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment: written in UTC, read back aware and in UTC, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        """Only a moment is bound as one: in ``column + timedelta`` the interval is bound as an interval."""
        return self if isinstance(value, dt.datetime) else self.impl_instance.coerce_compared_value(op, value)

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise NaiveTime(f"a time to store needs a zone: {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
