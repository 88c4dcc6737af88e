"""The call store's contract, on the real Redis and on the in-memory store the offline tools use.

A call's start replaces whatever an earlier call with the same id left; every later write is a
compare-and-set on the turn it was computed from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis

from ivr.adapters.redis.call_store import MemoryCallStore, RedisCallStore
from ivr.engine.sign_in import SignedIn
from ivr.engine.state import CallState
from ivr.runtime.ports import CallStore

TTL_SECONDS = 600


@pytest.fixture(params=["redis", "memory"])
def store(
    request: pytest.FixtureRequest, redis_client: redis.Redis, redis_prefix: str
) -> Iterator[CallStore]:
    if request.param == "redis":
        yield RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:")
    else:  # the offline tools' store keeps the same contract
        yield MemoryCallStore()


def first_state(call_id: str = "CA1") -> CallState:
    return CallState(call_id, "v1", "welcome", "en")


def test_a_start_never_overwrites_a_call_that_has_state(store: CallStore) -> None:
    assert store.begin(first_state())
    signed_in = replace(first_state(), node="main_menu", turn=5, sign_in=SignedIn(7))
    assert store.save(signed_in, 0)
    assert not store.begin(first_state())  # a start delivered again, or replayed: the call stays
    assert store.load("CA1") == signed_in


def test_a_restart_replaces_what_the_call_had(store: CallStore) -> None:
    store.begin(first_state())
    assert store.save(replace(first_state(), node="main_menu", turn=5, sign_in=SignedIn(7)), 0)
    store.restart(first_state())
    assert store.load("CA1") == first_state()


def test_a_write_lands_only_on_the_turn_it_was_computed_from(store: CallStore) -> None:
    store.begin(first_state())
    answered = replace(first_state(), node="language", turn=1)
    assert store.save(answered, 0)
    assert not store.save(replace(answered, node="other_options"), 0)  # a second answer to turn 0
    assert store.load("CA1") == answered
    assert not store.save(replace(first_state("CA2"), turn=1), 0)  # no call to answer
    assert store.load("CA2") is None


def test_a_started_call_expires(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:")
    store.begin(first_state())
    assert 0 < redis_client.ttl(store.key("CA1")) <= TTL_SECONDS
    redis_client.expire(store.key("CA1"), TTL_SECONDS // 10)
    assert store.save(replace(first_state(), turn=1), 0)
    assert TTL_SECONDS // 10 < redis_client.ttl(store.key("CA1")) <= TTL_SECONDS  # each write renews it
