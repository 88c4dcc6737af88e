"""The ports one set of handlers is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ivr.runtime.ports import AccountDirectory, AuditLog, ContactBook, PinManager, SignInThrottle


@dataclass(frozen=True)
class HandlerPorts:
    accounts: AccountDirectory
    pins: PinManager
    contacts: ContactBook
    audit: AuditLog
    throttle: SignInThrottle
    zone: ZoneInfo  # the agency's time zone: dates and times are said there
    accounts_by_text: bool = True  # whether SMS callers may sign in (IVR_SMS_ACCOUNT_ACCESS)
