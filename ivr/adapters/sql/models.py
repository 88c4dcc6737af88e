"""The account schema. A participant's SSN is kept only as a keyed digest, a PIN only as an argon2id hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ivr.adapters.sql.columns import UtcDateTime
from ivr.core.records import CALLING_NUMBER_CHARS

# A call kept in a row is a digest of its id, this many hex characters; a turn of a call, of its id and
# the turn's name (CallState.turn_name).
CALL_MARK_CHARS = 32
RECORD_KEY_CHARS = 32  # an audit row's key: 128 random bits, in hex


def call_mark(call_id: str) -> str:
    """How a call is kept in a row: a digest of its id, of a fixed width. Not a secret: an SMS
    conversation's id is a digest of the sending number, which the row's ``phone`` may hold anyway."""
    return hashlib.sha256(call_id.encode()).hexdigest()[:CALL_MARK_CHARS]


def turn_mark(call_id: str, turn: str) -> str:
    """How one turn of a call is kept in a row: a digest of the call's id and the turn's name."""
    return hashlib.sha256(f"{call_id}\n{turn}".encode()).hexdigest()[:CALL_MARK_CHARS]


class Base(DeclarativeBase):
    pass


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_number: Mapped[str] = mapped_column(String(10), unique=True)
    ssn_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # HMAC of the SSN's last four digits: lets a new PIN be refused if it equals them, without storing them.
    ssn_last4_digest: Mapped[str | None] = mapped_column(String(64))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_is_temporary: Mapped[bool] = mapped_column(default=False)
    # When the PIN was set (a temporary PIN expires a number of days after it: IVR_TEMPORARY_PIN_DAYS).
    pin_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # When a temporary PIN signed someone in, and in which call (a digest of the call's id): it is used up
    # by that call, which may take it again for a few minutes (a turn it signed in with may not have been
    # kept), and signs no other call in (ivr.adapters.sql.directory).
    temporary_pin_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    temporary_pin_used_by: Mapped[str | None] = mapped_column(String(CALL_MARK_CHARS))
    # A new PIN entered once and waiting to be entered again (argon2id hash; expires in minutes).
    pending_pin_hash: Mapped[str | None] = mapped_column(String(200))
    pending_pin_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    phone: Mapped[str | None] = mapped_column(String(CALLING_NUMBER_CHARS))  # the number a caller saved
    address_line1: Mapped[str | None] = mapped_column(String(100))
    address_line2: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    # False when mail came back undeliverable: no PIN is mailed to an address known to be bad.
    address_valid: Mapped[bool] = mapped_column(default=False)

    cases_paid: Mapped[list[Case]] = relationship(back_populates="payer", foreign_keys="Case.payer_id")
    cases_received: Mapped[list[Case]] = relationship(
        back_populates="receiver", foreign_keys="Case.receiver_id"
    )


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    county: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    office_phone: Mapped[str] = mapped_column(String(20))
    payer_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    monthly_support: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # What the payer still owes on this case; for the receiver, what is owed to them.
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    payer: Mapped[Participant] = relationship(back_populates="cases_paid", foreign_keys=[payer_id])
    receiver: Mapped[Participant] = relationship(back_populates="cases_received", foreign_keys=[receiver_id])
    payments: Mapped[list[Payment]] = relationship(back_populates="case")
    court_events: Mapped[list[CourtEvent]] = relationship(back_populates="case")


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    case: Mapped[Case] = relationship(back_populates="payments")


class CourtEvent(Base):
    """A court hearing or an appointment at the agency, for one case. What callers hear of its place and
    what it is about is in CourtEventText, one row per language."""

    __tablename__ = "court_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "hearing" or "appointment"
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    case: Mapped[Case] = relationship(back_populates="court_events")
    texts: Mapped[list[CourtEventText]] = relationship(back_populates="event", cascade="all, delete-orphan")


class CourtEventText(Base):
    """A court event's place and description in one language: a new language needs rows, not a migration."""

    __tablename__ = "court_event_texts"

    court_event_id: Mapped[int] = mapped_column(ForeignKey("court_events.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    place: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200))

    event: Mapped[CourtEvent] = relationship(back_populates="texts")


class AuditEvent(Base):
    """Who did what, when, through which channel, from which number, in which call and turn. Never a PIN
    or an SSN. Every run of a step is recorded: a turn answered again because it was not kept (it ended
    past its time budget), or answered twice at once (two texts), records each check, under one turn."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    calling_number: Mapped[str | None] = mapped_column(String(CALLING_NUMBER_CHARS))
    # The call (call_mark) and its turn (turn_mark); none on rows recorded before revision 0008.
    call_mark: Mapped[str | None] = mapped_column(String(CALL_MARK_CHARS))
    turn_mark: Mapped[str | None] = mapped_column(String(CALL_MARK_CHARS))
    # Drawn once for the row, before its first try: an INSERT sent again after its connection dropped finds
    # the row written and writes nothing (ivr.adapters.sql.audit). None on rows recorded before revision 0009.
    record_key: Mapped[str | None] = mapped_column(String(RECORD_KEY_CHARS), index=True, unique=True)


class PinMailRequest(Base):
    """The outbox a mail process reads: one row per new PIN to print and mail."""

    __tablename__ = "pin_mail_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending -> mailed, by the mail process
