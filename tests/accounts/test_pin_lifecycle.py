"""The PIN rules, the PIN manager and the attempt limits, on the real database and the real Redis."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select

from ivr.accounts.database import make_engine, make_session_factory
from ivr.accounts.directory import SqlAccountDirectory
from ivr.accounts.models import PinMailRequest
from ivr.accounts.pin_manager import SqlPinManager
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.limits import MemoryAttemptLimiter, RedisAttemptLimiter, caller_key, participant_key
from ivr.pin_policy import weak_pin
from ivr.ports import AttemptLimiter, PinCheck, PinRule
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
    assert who is not None and directory.verify_pin(who, "9999") is PinCheck.TEMPORARY
    assert manager.pin_problem(who, "9999") is PinRule.CURRENT_PIN
    assert manager.pin_problem(who, "3333") is PinRule.SSN_DIGITS  # SSN 111-22-3333
    assert manager.pin_problem(who, "4826") is None
    manager.hold_new_pin(who, "4826", NOW)
    assert not manager.confirm_new_pin(who, "4862", NOW)  # a mismatch discards the first entry
    assert not manager.confirm_new_pin(who, "4826", NOW)
    manager.hold_new_pin(who, "4826", NOW)
    assert manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=5))
    assert directory.verify_pin(who, "4826") is PinCheck.OK
    assert directory.verify_pin(who, "9999") is PinCheck.WRONG


def test_a_held_pin_expires(accounts: tuple[SqlPinManager, SqlAccountDirectory]) -> None:
    manager, directory = accounts
    who = directory.identify(participant_number="1000000002")
    assert who is not None
    manager.hold_new_pin(who, "4826", NOW)
    assert not manager.confirm_new_pin(who, "4826", NOW + dt.timedelta(minutes=11))
    assert directory.verify_pin(who, "1357") is PinCheck.OK


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


def test_attempt_limits_in_redis(redis_client: redis.Redis, redis_prefix: str) -> None:
    limiter = RedisAttemptLimiter(redis_client, redis_prefix)
    key = participant_key(42)
    assert not limiter.blocked(key)
    assert [limiter.failed(key) for _ in range(3)] == [False, False, True]
    assert limiter.blocked(key)
    ttl = redis_client.ttl(f"{redis_prefix}attempts:{key}")
    assert 29 * 60 < ttl <= 30 * 60
    limiter.clear(key)
    assert not limiter.blocked(key)
    number = caller_key("+15555550123")
    assert "5555550123" not in number
    for _ in range(9):
        assert not limiter.failed(number)
    assert limiter.failed(number) and limiter.blocked(number)


@pytest.fixture(params=["redis", "memory"])
def limiter(request: pytest.FixtureRequest, redis_client: redis.Redis, redis_prefix: str) -> AttemptLimiter:
    """Both limiters: Redis for the service, memory for the offline call scripts (`ivr test`)."""
    if request.param == "redis":
        return RedisAttemptLimiter(redis_client, redis_prefix)
    return MemoryAttemptLimiter()


def test_several_keys_are_checked_and_cleared_together(limiter: AttemptLimiter) -> None:
    person, phone_key = participant_key(7), caller_key("+15555550199")
    assert not limiter.blocked(person, phone_key) and not limiter.blocked()
    for _ in range(3):
        limiter.failed(person)
    assert limiter.blocked(phone_key, person) and not limiter.blocked(phone_key)
    limiter.clear(person, phone_key)
    assert not limiter.blocked(person, phone_key)
