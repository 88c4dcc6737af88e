"""The ports one set of handlers is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ivr.ports import AccountDirectory, AttemptLimiter, AuditLog, ContactBook, PinManager


@dataclass(frozen=True)
class HandlerPorts:
    accounts: AccountDirectory
    pins: PinManager
    contacts: ContactBook
    audit: AuditLog
    limiter: AttemptLimiter
    zone: ZoneInfo  # the agency's time zone: dates and times are said there
