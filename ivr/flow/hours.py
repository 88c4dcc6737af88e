"""Hours of operation: weekly opening times in a time zone, minus holidays. Pure: the caller passes 'now'."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


def parse_range(text: str) -> tuple[dt.time, dt.time | None]:
    """'08:00-17:00' -> (08:00, 17:00); an end of 24:00 is returned as None (midnight)."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a time range like 08:00-17:00")
    start = dt.time(int(match[1]), int(match[2]))
    end = None if match[3] == "24" else dt.time(int(match[3]), int(match[4]))
    if match[3] == "24" and match[4] != "00":
        raise ValueError(f"'{text}' ends after midnight")
    if end is not None and end <= start:
        raise ValueError(f"'{text}' ends before it starts")
    return start, end


def _as_ranges(value: Any) -> Any:
    if isinstance(value, str):
        return (value,)
    return value


Ranges = Annotated[tuple[str, ...], BeforeValidator(_as_ranges)]


class Hours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(description="An IANA time zone, e.g. America/Los_Angeles")
    weekly: dict[Weekday, Ranges] = Field(
        description="Opening times per day, e.g. mon: 08:00-17:00 (a day left out is closed)"
    )
    holidays: tuple[dt.date, ...] = Field(default=(), description="Dates the office is closed (YYYY-MM-DD)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone name such as America/Los_Angeles") from None
        return value

    @field_validator("weekly")
    @classmethod
    def _ranges_parse(cls, value: dict[Weekday, tuple[str, ...]]) -> dict[Weekday, tuple[str, ...]]:
        for ranges in value.values():
            for text in ranges:
                parse_range(text)
        return value

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)) if moment.tzinfo else moment
        if local.date() in self.holidays:
            return False
        clock = local.time().replace(tzinfo=None)
        for text in self.weekly.get(WEEKDAYS[local.weekday()], ()):
            start, end = parse_range(text)
            if start <= clock and (end is None or clock < end):
                return True
        return False
