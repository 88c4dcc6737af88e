"""A PIN checked as the sign-in checks it: read once, then verified against what was read."""

from __future__ import annotations

import datetime as dt

from ivr.adapters.sql.directory import SqlAccountDirectory
from ivr.core.records import PinCheck


def check_pin(
    directory: SqlAccountDirectory, who: int | None, pin: str, now: dt.datetime, call: str = "CA-check"
) -> PinCheck:
    """``call``: the call the PIN is checked for (a temporary PIN is used up by the call that used it)."""
    return directory.verify_pin(directory.pin_on_file(who, None), pin, now, call)
