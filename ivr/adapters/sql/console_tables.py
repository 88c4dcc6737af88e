"""The operator console's tables: operators, the published versions of the flow, and the funnel's call events.

They live on the account database's metadata (``Base``) so that one chain of Alembic migrations builds
every table; nothing here refers to a participant.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ivr.adapters.sql.columns import UtcDateTime
from ivr.adapters.sql.models import Base

OPERATOR_NAME_CHARS = 64


class Operator(Base):
    """Someone who signs in to the operator console. The password is kept only as an argon2id hash."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(OPERATOR_NAME_CHARS), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # viewer, editor or publisher
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # Consecutive failed sign-ins; at the limit the account is locked until locked_until.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class FlowPublication(Base):
    """One version of the flow's files that went live from the console, with who did it and what changed."""

    __tablename__ = "flow_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16))  # the flow's content hash (Flow.version)
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    # The operator's name as it was (kept when the account is removed); None for the baseline.
    published_by: Mapped[str | None] = mapped_column(String(OPERATOR_NAME_CHARS))
    kind: Mapped[str] = mapped_column(String(16))  # baseline, publish or rollback
    rollback_of: Mapped[int | None] = mapped_column()  # the publication a rollback restored
    files: Mapped[str] = mapped_column(Text)  # JSON: relative path -> content, every file of the flow
    diff: Mapped[str] = mapped_column(Text)  # unified diff against the files that were live before


class CallEvent(Base):
    """One step of a call for the funnel: a node, an outcome and a time. Never digits, speech, a caller id
    or an account: ``call_key`` is a keyed digest of the call's id, only good for grouping one call's
    events."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_day_node", "day", "node"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at_ms: Mapped[int] = mapped_column(BigInteger)  # milliseconds since 1970 (UTC)
    day: Mapped[dt.date] = mapped_column(Date)  # the agency's local date
    call_key: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    node: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # start, visit, goal, no_input, no_match, hangup, transfer, end
