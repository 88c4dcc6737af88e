"""The handlers' ports on the account database, the attempt limiter and the agency's time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ivr.adapters.sql.audit import SqlAuditLog, SqlContactBook
from ivr.adapters.sql.database import make_session_factory
from ivr.adapters.sql.directory import SqlAccountDirectory
from ivr.adapters.sql.pin_manager import SqlPinManager
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.core.clock import Clock
from ivr.flow.model import Flow
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.ports import SignInThrottle

DEFAULT_ZONE = "America/Los_Angeles"


def agency_zone(flow: Flow) -> ZoneInfo:
    """The time zone of the flow's hours of operation: dates and times are said there."""
    return ZoneInfo(flow.hours.timezone if flow.hours else DEFAULT_ZONE)


def sql_handler_ports(
    engine: Engine,
    pins: PinHasher,
    ssns: SsnDigester,
    throttle: SignInThrottle,
    zone: ZoneInfo,
    clock: Clock,
    temporary_pin_days: int = 30,
    accounts_by_text: bool = True,
) -> HandlerPorts:
    sessions = make_session_factory(engine)
    return HandlerPorts(
        accounts=SqlAccountDirectory(engine, pins, ssns, temporary_pin_days),
        pins=SqlPinManager(sessions, pins, ssns),
        contacts=SqlContactBook(sessions),
        audit=SqlAuditLog(engine, clock),
        throttle=throttle,
        zone=zone,
        accounts_by_text=accounts_by_text,
    )
