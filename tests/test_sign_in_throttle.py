"""The sign-in throttle (ivr.adapters.redis.throttle, policy in ivr.core.sign_in_policy) on the real Redis server.

Policies here are scaled down (short waits) so that the rules can be seen within a test; the shipped
numbers are checked against docs/security.md's arithmetic at the end.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import redis

from ivr.adapters.redis.throttle import RedisSignInThrottle
from ivr.core.records import SignInAttempt
from ivr.core.sign_in_policy import DEFAULT_POLICY, ThrottlePolicy

KEY = b"test-number-key-0123456789"
CALLER = "+15555550123"


def attempt(
    participant: int | None = 7, number: str | None = CALLER, owner: bool = False, version: str = "v1"
) -> SignInAttempt:
    return SignInAttempt(participant=participant, pin_version=version, owner_line=owner, number=number)


def throttle(client: redis.Redis, prefix: str, **policy: int) -> RedisSignInThrottle:
    return RedisSignInThrottle(client, KEY, prefix, ThrottlePolicy(**policy))


def admitted(throttle: RedisSignInThrottle, tries: list[SignInAttempt]) -> list[bool]:
    return [throttle.admit(one).admitted for one in tries]


def test_three_free_guesses_then_a_wait_that_refused_guesses_do_not_lengthen(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix, first_delay_seconds=1)
    assert admitted(limits, [attempt()] * 4) == [True, True, True, False]
    refused = limits.admit(attempt())
    assert not refused.admitted and refused.refused_by == "participant"
    time.sleep(2.1)  # the 1-second wait after the third failure (Redis counts whole seconds)
    assert admitted(limits, [attempt(), attempt()]) == [True, False]  # and now 2 seconds after the fourth


def test_after_the_cap_only_a_new_pin_opens_the_account_to_these_lines(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix, free_failures=10, consecutive_cap=5)
    results = [limits.admit(attempt()) for _ in range(6)]
    assert [r.admitted for r in results] == [True] * 5 + [False]
    assert [r.last_before_cap for r in results[:5]] == [False] * 4 + [True]
    assert not limits.admit(attempt(number="+15555550100")).admitted  # any other line: still capped
    assert limits.admit(attempt(version="v2")).admitted  # a new PIN starts afresh
    assert limits.admit(attempt(owner=True)).admitted  # the owner's own phone was never capped


def test_a_right_pin_starts_the_count_afresh_on_its_own_line_only(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix, free_failures=2, first_delay_seconds=3600)
    assert admitted(limits, [attempt(owner=True)] * 2 + [attempt()] * 2) == [True] * 4
    limits.succeeded(attempt(owner=True))
    assert admitted(limits, [attempt(owner=True), attempt()]) == [True, False]


def test_a_calling_number_gets_ten_failures_an_hour_whoever_they_were_for(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix)
    assert admitted(limits, [attempt(participant=n) for n in range(10)]) == [True] * 10
    refused = limits.admit(attempt(participant=11))
    assert not refused.admitted and refused.refused_by == "number"
    assert limits.admit(attempt(participant=None, number="+15555550100")).admitted  # other numbers are not
    limits.succeeded(attempt(participant=3))  # a right PIN takes its attempt back from the number
    assert limits.admit(attempt(participant=12)).admitted


def test_withheld_numbers_share_no_count_that_one_caller_could_use_up(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix)
    assert admitted(limits, [attempt(participant=n, number=None) for n in range(40)]) == [True] * 40


def test_past_the_service_wide_rate_only_owners_on_their_own_phone_are_checked(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix, global_failures_per_hour=5)
    assert admitted(limits, [attempt(participant=n, number=None) for n in range(5)]) == [True] * 5
    refused = limits.admit(attempt(participant=99, number=None))
    assert not refused.admitted and refused.refused_by == "service"
    assert limits.admit(attempt(participant=100, number="+15555550111", owner=True)).admitted


def test_racing_guesses_for_one_participant_get_no_more_than_the_free_ones(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limits = throttle(redis_client, redis_prefix)
    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(lambda n: limits.admit(attempt(number=f"+1555555{n:04d}")), range(30)))
    assert sum(result.admitted for result in results) == 3


def test_keys_hold_no_phone_number_and_no_pin(redis_client: redis.Redis, redis_prefix: str) -> None:
    limits = throttle(redis_client, redis_prefix)
    limits.admit(attempt(participant=42, number=CALLER))
    keys = [key.decode() for key in redis_client.scan_iter(f"{redis_prefix}*")]
    assert keys and not any("5555550123" in key for key in keys)
    assert any(":participant:42:v1:other" in key for key in keys)


def test_the_shipped_policy_is_the_one_docs_security_md_computes() -> None:
    policy = DEFAULT_POLICY
    assert [policy.delay_after(n) for n in range(1, 10)] == [0, 0, 60, 120, 240, 480, 960, 1920, 3840]
    assert policy.seconds_to_cap() == 7620  # 2 h 7 min: the least time to spend all 10 guesses
    assert policy.consecutive_cap <= 100  # NIST SP 800-63B 5.2.2
