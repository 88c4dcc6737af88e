"""The PIN rules, the PIN manager and the attempt limits, on the real database and the real Redis."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from ivr.adapters.sql.database import make_engine, make_session_factory
from ivr.adapters.sql.directory import TEMPORARY_PIN_CALL_MINUTES, SqlAccountDirectory
from ivr.adapters.sql.models import Participant, PinMailRequest
from ivr.adapters.sql.pin_manager import SqlPinManager
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.core.pin_policy import weak_pin
from ivr.core.records import PinCheck, PinRule
from tests.accounts.pins import check_pin
from tests.conftest import PEPPER, SSN_KEY

NOW = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        ("123", PinRule.LENGTH),
        ("1234567", PinRule.LENGTH),
        ("12a4", PinRule.LENGTH),
        ("7777", PinRule.SAME_DIGITS),
        ("1234", PinRule.SEQUENCE),
        ("4321", PinRule.SEQUENCE),
        ("456789", PinRule.SEQUENCE),
        ("4826", None),
        ("135791", None),
        ("1243", None),
    ],
)
def test_weak_pins(pin: str, rule: PinRule | None) -> None:
    assert weak_pin(pin) is rule


@pytest.fixture
def accounts(seeded_database: str) -> Iterator[tuple[SqlPinManager, SqlAccountDirectory]]:
    engine = make_engine(seeded_database)
    sessions = make_session_factory(engine)
    pins, ssns = PinHasher(PEPPER.encode()), SsnDigester(SSN_KEY.encode())
    yield SqlPinManager(sessions, pins, ssns), SqlAccountDirectory(engine, pins, ssns)
    engine.dispose()


def test_a_temporary_pin_replaced_by_one_entered_twice(
    accounts: tuple[SqlPinManager, SqlAccountDirectory],
) -> None:
    manager, directory = accounts
    who = directory.identify(participant_number="1000000003")
    assert who is not None and check_pin(directory, who, "9999", NOW) is PinCheck.TEMPORARY
    assert manager.pin_problem(who, "9999") is PinRule.CURRENT_PIN
    assert manager.pin_problem(who, "3333") is PinRule.SSN_DIGITS  # SSN 111-22-3333
    assert manager.pin_problem(who, "4826") is None
    manager.hold_new_pin(who, "4826", NOW)
    assert not manager.confirm_new_pin(who, "4862", NOW)  # a mismatch discards the first entry
    assert not manager.confirm_new_pin(who, "4826", NOW)
    manager.hold_new_pin(who, "4826", NOW)
    assert manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=5))
    assert check_pin(directory, who, "4826", NOW) is PinCheck.OK
    assert check_pin(directory, who, "9999", NOW) is PinCheck.WRONG


def test_a_new_pin_given_again_after_it_was_confirmed_still_confirms(
    accounts: tuple[SqlPinManager, SqlAccountDirectory],
) -> None:
    """The turn that confirmed it may not have been kept (test_unkept_turns.py replays that): the same
    second entry confirms again, for as long as a held PIN waits, and only while it is the PIN on file."""
    manager, directory = accounts
    who = directory.identify(participant_number="1000000002")
    assert who is not None
    manager.hold_new_pin(who, "4826", NOW)
    assert manager.confirm_new_pin(who, "4826", NOW)
    assert manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=9))
    assert not manager.confirm_new_pin(who, "4862", NOW + dt.timedelta(minutes=9))  # not the PIN it made
    assert not manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=10))
    assert not manager.confirm_new_pin(who, "1357", NOW)  # the PIN it replaced was never confirmed
    assert check_pin(directory, who, "4826", NOW) is PinCheck.OK


def test_a_held_pin_expires(accounts: tuple[SqlPinManager, SqlAccountDirectory]) -> None:
    manager, directory = accounts
    who = directory.identify(participant_number="1000000002")
    assert who is not None
    manager.hold_new_pin(who, "4826", NOW)
    assert not manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=11))
    assert check_pin(directory, who, "1357", NOW) is PinCheck.OK


def test_pins_by_mail_need_a_valid_address_and_wait_ten_days(
    accounts: tuple[SqlPinManager, SqlAccountDirectory], seeded_database: str
) -> None:
    manager, directory = accounts
    payer = directory.identify(participant_number="1000000002")
    undeliverable = directory.identify(participant_number="1000000005")
    no_address = directory.identify(participant_number="1000000006")
    assert payer and undeliverable and no_address
    assert manager.request_pin_by_mail(payer, "voice", NOW)
    assert not manager.request_pin_by_mail(payer, "sms", NOW + dt.timedelta(days=9))
    assert manager.request_pin_by_mail(payer, "voice", NOW + dt.timedelta(days=11))
    assert not manager.request_pin_by_mail(undeliverable, "voice", NOW)
    assert not manager.request_pin_by_mail(no_address, "voice", NOW)
    engine = make_engine(seeded_database)
    with make_session_factory(engine)() as session:
        queued = session.scalars(select(PinMailRequest.participant_id)).all()
    engine.dispose()
    assert queued == [payer, payer]


def test_a_temporary_pin_signs_in_once(accounts: tuple[SqlPinManager, SqlAccountDirectory]) -> None:
    _, directory = accounts
    who = directory.identify(participant_number="1000000003")
    assert who is not None
    assert check_pin(directory, who, "1111", NOW) is PinCheck.WRONG  # a wrong guess does not use it up
    assert check_pin(directory, who, "9999", NOW, "CA-first") is PinCheck.TEMPORARY
    assert check_pin(directory, who, "9999", NOW, "CA-second") is PinCheck.WRONG  # used: by no other call


def test_a_temporary_pin_is_used_up_by_the_call_that_used_it(
    accounts: tuple[SqlPinManager, SqlAccountDirectory],
) -> None:
    """Its own call may take it again for a while (the turn that signed in with it may not have been kept:
    test_unkept_turns.py replays that), counted from the first use; no other call ever may."""
    _, directory = accounts
    who = directory.identify(participant_number="1000000003")
    assert check_pin(directory, who, "9999", NOW, "CA-first") is PinCheck.TEMPORARY
    assert check_pin(directory, who, "9999", NOW, "CA-other") is PinCheck.WRONG
    again = NOW + dt.timedelta(minutes=TEMPORARY_PIN_CALL_MINUTES - 1)
    assert check_pin(directory, who, "9999", again, "CA-first") is PinCheck.TEMPORARY
    assert check_pin(directory, who, "9999", again, "CA-other") is PinCheck.WRONG
    later = NOW + dt.timedelta(minutes=TEMPORARY_PIN_CALL_MINUTES)  # from the first use, not the last
    assert check_pin(directory, who, "9999", later, "CA-first") is PinCheck.WRONG


def test_a_temporary_pin_is_marked_used_in_the_format_its_column_is_compared_in(
    accounts: tuple[SqlPinManager, SqlAccountDirectory], seeded_database: str
) -> None:
    """SQLite compares times as text: a use written by the sqlite3 module's own adapter ("+00:00") rather
    than SQLAlchemy's (".000000") would sort before the window's start within the same second."""
    _, directory = accounts
    who = directory.identify(participant_number="1000000003")
    assert check_pin(directory, who, "9999", NOW, "CA-first") is PinCheck.TEMPORARY
    engine = make_engine(seeded_database)
    with engine.connect() as connection:
        used = connection.scalar(
            text("SELECT temporary_pin_used_at FROM participants WHERE id = :who"), {"who": who}
        )
    engine.dispose()
    if seeded_database.startswith("sqlite"):
        assert used == "2026-11-24 18:00:00.000000"
    else:
        assert used == NOW


def test_a_temporary_pin_is_used_once_by_requests_that_race(
    accounts: tuple[SqlPinManager, SqlAccountDirectory],
) -> None:
    _, directory = accounts
    who = directory.identify(participant_number="1000000003")
    with ThreadPoolExecutor(8) as pool:
        checks = list(pool.map(lambda call: check_pin(directory, who, "9999", NOW, f"CA{call}"), range(8)))
    assert checks.count(PinCheck.TEMPORARY) == 1 and checks.count(PinCheck.WRONG) == 7


def test_a_temporary_pin_reissued_after_the_sign_in_read_it_signs_nobody_in(
    accounts: tuple[SqlPinManager, SqlAccountDirectory], seeded_database: str
) -> None:
    """The check uses what the sign-in read, once; a temporary PIN is used up only while it is still the
    one on file, so a new temporary PIN issued in between (the old one was stolen) is not taken as used,
    and the old one signs nobody in."""
    _, directory = accounts
    who = directory.identify(participant_number="1000000003")
    assert who is not None
    read = directory.pin_on_file(who, None)
    engine = make_engine(seeded_database)
    with make_session_factory(engine).begin() as session:
        row = session.get(Participant, who)
        assert row is not None
        row.pin_hash = PinHasher(PEPPER.encode()).hash("5555")
        row.pin_is_temporary, row.pin_changed_at, row.temporary_pin_used_at = True, NOW, None
    assert directory.verify_pin(read, "9999", NOW, "CA-check") is PinCheck.WRONG
    with make_session_factory(engine)() as session:
        row = session.get(Participant, who)
        assert row is not None and row.temporary_pin_used_at is None
    engine.dispose()
    assert check_pin(directory, who, "5555", NOW) is PinCheck.TEMPORARY


def test_a_temporary_pin_expires(seeded_database: str) -> None:
    engine = make_engine(seeded_database)
    pins, ssns = PinHasher(PEPPER.encode()), SsnDigester(SSN_KEY.encode())
    short = SqlAccountDirectory(engine, pins, ssns, temporary_pin_days=30)
    who = short.identify(participant_number="1000000003")
    with make_session_factory(engine).begin() as session:
        issued = session.get(Participant, who)
        assert issued is not None
        issued.pin_changed_at = NOW - dt.timedelta(days=30, minutes=1)
    assert check_pin(short, who, "9999", NOW) is PinCheck.WRONG
    longer = SqlAccountDirectory(engine, pins, ssns, temporary_pin_days=31)
    assert check_pin(longer, who, "9999", NOW) is PinCheck.TEMPORARY
    engine.dispose()


def test_pin_facts_change_with_the_pin_and_know_the_phone_on_file(
    accounts: tuple[SqlPinManager, SqlAccountDirectory], seeded_database: str
) -> None:
    manager, directory = accounts
    who = directory.identify(participant_number="1000000002")
    assert who is not None
    before = directory.pin_on_file(who, "+15555550123").facts
    assert not before.phone_on_file
    engine = make_engine(seeded_database)
    with make_session_factory(engine).begin() as session:
        row = session.get(Participant, who)
        assert row is not None
        row.phone = "+1 (555) 555-0123"
    engine.dispose()
    assert directory.pin_on_file(who, "+15555550123").facts.phone_on_file
    assert not directory.pin_on_file(who, "+15555550199").facts.phone_on_file
    assert not directory.pin_on_file(who, None).facts.phone_on_file
    manager.hold_new_pin(who, "4826", NOW)
    assert manager.confirm_new_pin(who, "4826", NOW)
    after = directory.pin_on_file(who, "+15555550123").facts
    assert after.version != before.version and "4826" not in after.version
    nobody = directory.pin_on_file(None, "+15555550123").facts
    assert nobody == directory.pin_on_file(None, None).facts and not nobody.phone_on_file
