"""The call store's contract, on the real Redis and on the in-memory store the offline tools use.

A call's start replaces whatever an earlier call with the same id left; every later write is a
compare-and-set on the turn it was computed from, of the same start of the call (CallState.turn_name).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
import redis

from ivr.adapters.redis.call_store import MemoryCallStore, RedisCallStore
from ivr.adapters.redis.journal import RedisCallJournal, queue_key
from ivr.core.records import JourneyStep
from ivr.engine.sign_in import SignedIn
from ivr.engine.state import CallState
from ivr.flow.library import FlowLibrary
from ivr.flow.model import Flow
from ivr.runtime.conversation import Caller, Conversation
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
    assert store.save(signed_in, first_state())
    assert not store.begin(first_state())  # a start delivered again, or replayed: the call stays
    assert store.load("CA1") == signed_in


def test_a_restart_replaces_what_the_call_had(store: CallStore) -> None:
    store.begin(first_state())
    assert store.save(replace(first_state(), node="main_menu", turn=5, sign_in=SignedIn(7)), first_state())
    store.restart(first_state())
    assert store.load("CA1") == first_state()


def test_a_write_lands_only_on_the_turn_it_was_computed_from(store: CallStore) -> None:
    store.begin(first_state())
    answered = replace(first_state(), node="language", turn=1)
    assert store.save(answered, first_state())
    assert not store.save(replace(answered, node="other_options"), first_state())  # a second answer to turn 0
    assert store.load("CA1") == answered
    assert not store.save(replace(first_state("CA2"), turn=1), first_state())  # no call to answer
    assert store.load("CA2") is None


def test_a_late_write_to_a_call_begun_again_never_lands_on_its_new_start(store: CallStore) -> None:
    """A webhook read the call at turn 3; its state was then lost and the call begun again (a new epoch),
    and the new start reached turn 3 too. The late write was computed from another start: refused."""
    store.begin(replace(first_state(), epoch="3f9a1c2e"))
    read = replace(first_state(), node="pin", turn=3, epoch="3f9a1c2e")
    assert store.save(read, replace(first_state(), epoch="3f9a1c2e"))
    store.restart(replace(first_state(), epoch="0b7d44a1"))  # the state was lost; the call began again
    now = replace(first_state(), node="main_menu", turn=3, epoch="0b7d44a1")
    assert store.save(now, replace(first_state(), epoch="0b7d44a1"))
    assert not store.save(replace(read, node="payments", turn=4), read)  # the late answer to the first start
    assert store.load("CA1") == now
    assert store.save(replace(now, turn=4), now)


def test_a_started_call_expires(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:")
    store.begin(first_state())
    assert 0 < redis_client.ttl(store.key("CA1")) <= TTL_SECONDS
    redis_client.expire(store.key("CA1"), TTL_SECONDS // 10)
    assert store.save(replace(first_state(), turn=1), first_state())
    assert TTL_SECONDS // 10 < redis_client.ttl(store.key("CA1")) <= TTL_SECONDS  # each write renews it


# The store is where a turn is kept, so it is where the funnel counts it (ivr.adapters.redis.journal):
# with the journal, a write pushes the turn's rows in the same script, and only when it wrote.


@pytest.fixture(params=["redis", "memory"])
def journaled(
    request: pytest.FixtureRequest, redis_client: redis.Redis, redis_prefix: str, flow: Flow
) -> tuple[CallStore, Callable[[], list[str]]]:
    journal = RedisCallJournal(redis_client, redis_prefix, "journal secret", FlowLibrary(flow))
    store: CallStore
    if request.param == "redis":
        store = RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:", journal)
    else:  # the offline tools' store tells its journal the same way
        store = MemoryCallStore(journal)

    def counted() -> list[str]:
        """The kinds and nodes of the rows queued so far."""
        rows = [json.loads(raw) for raw in redis_client.lrange(queue_key(redis_prefix), 0, -1)]
        return [f"{row['k']}:{row['n']}" for row in rows]

    return store, counted


def journey(state: CallState, answer: str, visited: tuple[str, ...]) -> JourneyStep:
    at = dt.datetime(2026, 11, 3, 15, 0, tzinfo=dt.UTC)
    return JourneyStep(state.call_id, "voice", state.flow_version, "en", None, answer, visited, None, at)


def test_a_turn_is_counted_only_when_its_state_is_kept(
    journaled: tuple[CallStore, Callable[[], list[str]]],
) -> None:
    store, counted = journaled
    assert store.begin(first_state(), journey(first_state(), "start", ("welcome",)))
    assert counted() == ["start:welcome", "visit:welcome"]
    assert not store.begin(first_state(), journey(first_state(), "start", ("welcome",)))  # delivered twice
    answered = replace(first_state(), node="language", turn=1)
    assert store.save(answered, first_state(), journey(answered, "taken", ("language",)))
    late = replace(first_state(), node="other_options", turn=1)
    assert not store.save(
        late, first_state(), journey(late, "taken", ("other_options",))
    )  # lost the compare-and-set
    store.restart(first_state(), journey(first_state(), "start", ("welcome",)))
    assert counted() == [
        "start:welcome",
        "visit:welcome",
        "visit:language",
        "start:welcome",
        "visit:welcome",
    ]


def test_a_journal_that_cannot_be_written_never_fails_the_call(
    redis_client: redis.Redis, redis_prefix: str, flow: Flow
) -> None:
    journal = RedisCallJournal(redis_client, redis_prefix, "journal secret", FlowLibrary(flow))
    store = RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:", journal)
    redis_client.set(queue_key(redis_prefix), "not a list")  # RPUSH on it fails inside the script
    assert store.begin(first_state(), journey(first_state(), "start", ("welcome",)))
    answered = replace(first_state(), node="language", turn=1)
    assert store.save(answered, first_state(), journey(answered, "taken", ("language",)))
    assert store.load("CA1") == answered


def test_a_start_delivered_twice_is_counted_once(
    redis_client: redis.Redis, redis_prefix: str, flow: Flow
) -> None:
    journal = RedisCallJournal(redis_client, redis_prefix, "journal secret", FlowLibrary(flow))
    store = RedisCallStore(redis_client, TTL_SECONDS, f"{redis_prefix}call:", journal)
    conversation = Conversation(flow, store, {}, journal=journal)  # wired as the service wires it
    first = conversation.start(Caller("CA1", "voice"))
    again = conversation.start(Caller("CA1", "voice"))  # Twilio's retry of the same webhook
    assert again.state == first.state
    starts = [raw for raw in redis_client.lrange(queue_key(redis_prefix), 0, -1) if b'"k":"start"' in raw]
    assert len(starts) == 1
