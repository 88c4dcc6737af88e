"""The audit trail on the real database: one row an event, naming its call and turn, never more than its
columns hold."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, make_url, select

from ivr.adapters.sql.audit import SqlAuditLog, SqlContactBook
from ivr.adapters.sql.database import create_schema, make_engine, make_session_factory
from ivr.adapters.sql.models import CALL_MARK_CHARS, Participant, call_mark, turn_mark
from ivr.adapters.sql.models import AuditEvent as AuditRow
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


def test_each_row_names_its_call_and_turn(engine: Engine) -> None:
    """A turn run again (not kept, answered again) records again, under the same turn; another event of
    that turn, the next turn, the same turn number after the call's state began again, and another call
    are told apart by the marks; no mark holds the call's id itself."""
    log = SqlAuditLog(engine)
    log.record(AuditEvent.SIGN_IN, 2, SOURCE)
    log.record(AuditEvent.SIGN_IN, 2, SOURCE)  # the same turn, run again
    log.record(AuditEvent.PIN_CHANGED, 2, SOURCE)  # another event of that turn
    log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, turn="3f9a1c2e:5"))  # the next turn
    log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, turn="0b7d44a1:4"))  # its state began again
    log.record(AuditEvent.SIGN_IN, 2, replace(SOURCE, call_id="CA" + "5" * 32))  # another call
    events = _events_of(engine, SOURCE.call_id)
    assert [event for event, _ in events] == ["sign_in", "sign_in", "pin_changed", "sign_in", "sign_in"]
    marks = [mark for _, mark in events]
    assert marks[0] == marks[1] == marks[2] and len(set(marks)) == 3
    assert all(mark and SOURCE.call_id not in mark and len(mark) == CALL_MARK_CHARS for mark in marks)


class DropAfterCommit:
    """A TCP proxy in front of PostgreSQL that, once armed, drops the connection right after the server has
    answered an INSERT and said it is ready for the next statement (the row is committed), before the
    client has read a byte of that answer: a network failing at the worst moment for a retried write."""

    READY = b"Z\x00\x00\x00\x05"  # ReadyForQuery, the end of every exchange
    INSERTED = b"INSERT 0 1\x00"  # CommandComplete's tag for one row inserted

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.armed = False
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        held = b""  # the server's answer, held until its exchange ends while the proxy is armed
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not (from_server and self.armed):
                    sink.sendall(data)
                    continue
                held += data
                if self.READY not in held:
                    continue
                if self.INSERTED in held:
                    self.armed = False
                    self.dropped += 1
                    break
                sink.sendall(held)
                held = b""
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


def test_a_row_committed_as_its_connection_dropped_is_not_written_again_by_the_retry(
    database_url: str,
) -> None:
    """The server commits the row and the connection drops before its answer reaches the service, which
    sends the INSERT once more on a new connection (retry_if_dropped): still one row for the one check."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no connection to drop")
    direct = make_engine(database_url)
    create_schema(direct)
    direct.dispose()
    proxy = DropAfterCommit(url.host or "127.0.0.1", url.port or 5432)
    engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        log = SqlAuditLog(engine)
        log.record(AuditEvent.SIGN_IN, None, replace(SOURCE, turn="3f9a1c2e:1"))  # the pool's connection
        proxy.armed = True
        log.record(AuditEvent.SIGN_IN_FAILED, None, SOURCE)
        assert proxy.dropped == 1  # the fault happened, and the record still returned
        failed = [row for row in _events_of(engine, SOURCE.call_id) if row[0] == "sign_in_failed"]
        assert failed == [("sign_in_failed", turn_mark(SOURCE.call_id, SOURCE.turn))]
    finally:
        engine.dispose()
        proxy.close()
