"""The SQL account directory on SQLite and PostgreSQL: sign-in look-ups, PIN checks, payment summaries,
court dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from ivr.adapters.sql.database import make_engine, make_session_factory, retry_if_dropped
from ivr.adapters.sql.demo import DEMO_PARTICIPANTS
from ivr.adapters.sql.directory import SqlAccountDirectory
from ivr.adapters.sql.models import CourtEvent, CourtEventText, Participant
from ivr.adapters.sql.secrets import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    PinHasher,
    SsnDigester,
)
from ivr.core.records import PinCheck, Role
from ivr.core.values import Money
from ivr.engine import CallStarted, HandlerFinished, step
from ivr.engine.sign_in import Claimed
from ivr.flow import Flow
from ivr.runtime.handlers import HandlerPorts, HandlerRequest, account_handlers
from tests.accounts.pins import check_pin
from tests.conftest import PEPPER, SSN_KEY

# How every PIN hash made with today's argon2 parameters begins.
CURRENT_HASH = f"$argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_TIME_COST},p={ARGON2_PARALLELISM}$"
NOW = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(seeded_database: str) -> Iterator[Engine]:
    engine = make_engine(seeded_database)
    yield engine
    engine.dispose()


@pytest.fixture
def directory(engine: Engine) -> SqlAccountDirectory:
    return SqlAccountDirectory(engine, PinHasher(PEPPER.encode()), SsnDigester(SSN_KEY.encode()))


def test_identify_by_participant_id_or_ssn(directory: SqlAccountDirectory) -> None:
    by_id = directory.identify(participant_number="1000000001")
    assert by_id is not None
    assert directory.identify(ssn="123456789") == by_id
    assert directory.identify(ssn="123-45-6789") == by_id
    assert directory.identify(participant_number="1999999999") is None
    assert directory.identify(ssn="000000000") is None
    assert directory.identify() is None


def test_pin_checks(directory: SqlAccountDirectory) -> None:
    payer = directory.identify(participant_number="1000000002")
    temporary = directory.identify(participant_number="1000000003")
    other_parent = directory.identify(participant_number="1000000011")
    assert check_pin(directory, payer, "1357", NOW) is PinCheck.OK
    assert check_pin(directory, payer, "2468", NOW) is PinCheck.WRONG
    assert check_pin(directory, temporary, "9999", NOW) is PinCheck.TEMPORARY
    assert check_pin(directory, other_parent, "1234", NOW) is PinCheck.WRONG  # on file, but without a PIN
    assert check_pin(directory, None, "1357", NOW) is PinCheck.WRONG


def test_payment_summaries_by_role(directory: SqlAccountDirectory) -> None:
    receiver = directory.payment_summary(directory.identify(participant_number="1000000001") or 0, latest=3)
    assert receiver is not None and receiver.role is Role.RECEIVER
    assert receiver.balance == Money(102475)
    assert [(p.paid_on, p.amount) for p in receiver.latest] == [
        (dt.date(2026, 11, 3), Money(17525)),
        (dt.date(2026, 10, 1), Money(35000)),
        (dt.date(2026, 9, 1), Money(35000)),
    ]
    payer = directory.payment_summary(directory.identify(participant_number="1000000002") or 0, latest=1)
    assert payer is not None and payer.role is Role.PAYER and payer.balance == Money(123456)
    assert [p.paid_on for p in payer.latest] == [dt.date(2026, 11, 2)]
    assert directory.payment_summary(999999, latest=3) is None
    assert receiver.roles == {Role.RECEIVER} and payer.roles == {Role.PAYER}


def test_a_participant_who_pays_and_receives_has_both_roles(directory: SqlAccountDirectory) -> None:
    both = directory.identify(participant_number="1000000007") or 0
    paying = directory.payment_summary(both, latest=3)
    receiving = directory.payment_summary(both, latest=3, role=Role.RECEIVER)
    assert paying is not None and paying.role is Role.PAYER  # paying comes first when no role is given
    assert receiving is not None and receiving.role is Role.RECEIVER
    assert paying.roles == receiving.roles == {Role.PAYER, Role.RECEIVER}
    assert paying.balance != receiving.balance
    payer_only = directory.identify(participant_number="1000000002") or 0
    assert directory.payment_summary(payer_only, latest=3, role=Role.RECEIVER) is None


def test_court_dates_have_their_place_and_description_in_each_language(
    directory: SqlAccountDirectory,
) -> None:
    receiver = directory.identify(participant_number="1000000001") or 0
    hearing, appointment = directory.court_dates(receiver, after=NOW, limit=5)  # not the past hearing
    assert (hearing.kind, hearing.starts_at) == ("hearing", dt.datetime(2026, 12, 15, 17, 30, tzinfo=dt.UTC))
    assert hearing.place == {
        "en": "Sacramento County Superior Court, Department 12",
        "es": "el Tribunal Superior del Condado de Sacramento, Departamento 12",
    }
    assert hearing.description == {
        "en": "a review of the support order",
        "es": "una revisión de la orden de manutención",
    }
    assert appointment.place == {
        "en": "the Customer Connect office, 100 Main Street, Sacramento",
        "es": "la oficina de Cliente Conectado, 100 Main Street, Sacramento",
    }
    assert [date.kind for date in directory.court_dates(receiver, after=NOW, limit=1)] == ["hearing"]


def test_a_court_event_in_a_new_language_needs_only_rows(
    directory: SqlAccountDirectory, engine: Engine
) -> None:
    """A language is rows of court_event_texts, not a column; an event with no text at all is still read."""
    payer = directory.identify(participant_number="1000000002") or 0
    with engine.begin() as connection:
        (case_id,) = connection.execute(text("SELECT id FROM cases WHERE case_number = '2026000202'")).one()
        inserted = connection.execute(
            insert(CourtEvent).values(
                case_id=case_id, kind="hearing", starts_at=dt.datetime(2027, 3, 1, 18, 0, tzinfo=dt.UTC)
            )
        ).inserted_primary_key
        assert inserted is not None
        event = inserted[0]
        (appointment,) = connection.execute(
            text("SELECT id FROM court_events WHERE case_id = :case AND id <> :event"),
            {"case": case_id, "event": event},
        ).one()
        connection.execute(
            insert(CourtEventText).values(
                court_event_id=appointment,
                language="vi",
                place="văn phòng Customer Connect, 200 Broadway, Oakland",
                description="một cuộc họp với nhân viên phụ trách hồ sơ",
            )
        )
    dated, undescribed = directory.court_dates(payer, after=NOW, limit=5)
    assert set(dated.place) == set(dated.description) == {"en", "es", "vi"}
    assert dated.place["vi"] == "văn phòng Customer Connect, 200 Broadway, Oakland"
    assert dated.description["en"] == "a meeting with your caseworker"
    assert undescribed.starts_at == dt.datetime(2027, 3, 1, 18, 0, tzinfo=dt.UTC)
    assert undescribed.place == undescribed.description == {}


def test_a_pin_hashed_with_old_parameters_is_rehashed_at_sign_in(engine: Engine) -> None:
    pins = PinHasher(PEPPER.encode())
    directory = SqlAccountDirectory(engine, pins, SsnDigester(SSN_KEY.encode()))
    payer = directory.identify(participant_number="1000000002")
    old = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
    old_hash = old.hash(pins._peppered("1357"))
    stored = select(Participant.pin_hash).where(Participant.id == payer)
    with engine.begin() as connection:
        connection.execute(update(Participant).where(Participant.id == payer).values(pin_hash=old_hash))
    assert check_pin(directory, payer, "2468", NOW) is PinCheck.WRONG
    with engine.connect() as connection:
        assert connection.scalar(stored) == old_hash  # a wrong PIN changes nothing
    assert check_pin(directory, payer, "1357", NOW) is PinCheck.OK
    with engine.connect() as connection:
        renewed = connection.scalar(stored)
    assert renewed is not None and renewed.startswith(CURRENT_HASH)
    assert check_pin(directory, payer, "1357", NOW) is PinCheck.OK


def test_a_rehash_never_overwrites_a_pin_changed_since_it_was_read(
    engine: Engine, directory: SqlAccountDirectory
) -> None:
    payer = directory.identify(participant_number="1000000002")
    stored = select(Participant.pin_hash).where(Participant.id == payer)
    with engine.connect() as connection:
        before = connection.scalar(stored)
    directory._rehash(payer, "the hash it had when the sign-in read it", "1357")
    with engine.connect() as connection:
        assert connection.scalar(stored) == before
    assert check_pin(directory, payer, "1357", NOW) is PinCheck.OK


def sent_while(work: Callable[[], object]) -> list[str]:
    """The SQL statements any engine sends while ``work`` runs."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return sent


@pytest.mark.parametrize(
    ("participant", "pin", "wrong_before", "outcome", "recorded"),
    [
        ("1000000002", "1357", 0, "ok", "sign_in"),
        ("1000000002", "0000", 0, "failed", "sign_in_failed"),
        (None, "1357", 0, "failed", "sign_in_failed"),  # an ID that names no one
        ("1000000002", "1357", 3, "failed_too_often", "sign_in_blocked"),  # the line must wait now
    ],
)
def test_a_sign_in_reads_the_participant_once(
    ports: HandlerPorts,
    flow: Flow,
    engine: Engine,
    participant: str | None,
    pin: str,
    wrong_before: int,
    outcome: str,
    recorded: str,
) -> None:
    """Every PIN turn reads the participant's PIN once, the right, the wrong, the unknown and the refused
    alike (so their cost tells nothing): the throttle's key and the check come from one row (two reads
    cost a round trip a sign-in, and could see two different PINs). Then the audit row, nothing else."""
    who = None if participant is None else ports.accounts.identify(participant_number=participant)
    start = step(flow, None, CallStarted("CA1")).state

    def authenticate(digits: str, failed: int) -> HandlerFinished:
        state = replace(start, sign_in=Claimed(who), failed_sign_ins=failed)
        request = HandlerRequest(state, digits, "voice", "+15555550123", NOW)
        return account_handlers(ports)["authenticate"](request)

    for failed in range(wrong_before):  # from the same line: after three, it waits a minute
        assert authenticate("0000", failed).outcome in ("failed", "failed_too_often")
    finished: list[HandlerFinished] = []
    sent = sent_while(lambda: finished.append(authenticate(pin, wrong_before)))
    assert finished[0].outcome == outcome
    reads = [
        statement for statement in sent if statement.startswith("SELECT") and "participants" in statement
    ]
    assert len(reads) == 1, sent
    assert len(sent) == 2 and sent[1].startswith("INSERT INTO audit_events"), sent
    with engine.connect() as connection:
        last = connection.scalar(text("SELECT event FROM audit_events ORDER BY id DESC LIMIT 1"))
    assert last == recorded


def test_no_ssn_or_pin_is_stored_in_clear(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM participants")).all()
    dump = repr(rows)
    for secret in (
        "123456789",
        "123-45-6789",
        "987654321",
        "111223333",
        "222334444",
        "2468",
        "1357",
        "9999",
        "3579",
    ):
        assert secret not in dump
    with make_session_factory(engine)() as session:
        hashes = session.scalars(select(Participant.pin_hash).where(Participant.pin_hash.is_not(None))).all()
    assert len(hashes) == sum(1 for demo in DEMO_PARTICIPANTS if demo.pin) and all(
        h is not None and h.startswith(CURRENT_HASH) for h in hashes
    )


def test_the_ssn_digest_depends_on_the_server_key() -> None:
    assert SsnDigester(b"k" * 16).digest("123456789") != SsnDigester(b"j" * 16).digest("123456789")
    assert SsnDigester(b"k" * 16).digest("123-45-6789") == SsnDigester(b"k" * 16).digest("123456789")


def test_the_pin_hash_depends_on_the_pepper() -> None:
    stored = PinHasher(b"p" * 16).hash("2468")
    assert PinHasher(b"p" * 16).verify(stored, "2468")
    assert not PinHasher(b"q" * 16).verify(stored, "2468")
    assert not PinHasher(b"p" * 16).verify("not-a-hash", "2468")


def test_an_unknown_participant_costs_a_full_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PIN checked against no account runs argon2 just as a wrong PIN does, so timing tells nothing."""
    hasher = PinHasher(b"p" * 16)
    stored = hasher.hash("2468")
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    assert not hasher.verify(None, "2468")
    assert not hasher.verify(stored, "1111")
    assert len(verified) == 2
    assert verified[0].startswith(CURRENT_HASH) and verified[0] != stored


def test_only_a_dropped_connection_is_retried(engine: Engine) -> None:
    attempts: list[int] = []

    def broken_statement() -> None:
        attempts.append(1)
        with engine.connect() as connection:
            connection.execute(text("SELECT no_such_column FROM participants"))

    with pytest.raises(DBAPIError) as raised:
        retry_if_dropped(broken_statement)
    assert not raised.value.connection_invalidated and len(attempts) == 1  # a real error is not hidden

    def dropped_then_fine() -> int:
        attempts.append(1)
        if len(attempts) == 2:
            raise DBAPIError(
                "SELECT 1", None, Exception("server closed the connection"), connection_invalidated=True
            )
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT 1")) or 0)

    assert retry_if_dropped(dropped_then_fine) == 1 and len(attempts) == 3
