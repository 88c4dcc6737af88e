"""Data steps whose turn was never kept.

A turn that ends past its time budget is not saved (ivr.runtime.conversation): the caller hears the
question again, but what the turn's data step wrote stays written. Every step that writes must therefore
take the same answer again. Two did not: a temporary PIN was used up by the turn that was not kept, and a
new PIN confirmed by it was no longer held, so the caller who answered again was refused, or told the two
entries did not match. The audit trail records every check a turn made, each time it ran, under the
turn it answered, so a turn run again reads as such. Here the fault is replayed on the real database and
Redis: the step's writes wait on a lock (on PostgreSQL the audit table's, on SQLite the database file's
write lock) until past the turn's budget, then go through, so the turn ends after its writes and is not
kept.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from sqlalchemy import select, text

from ivr.adapters.redis.call_store import RedisCallStore
from ivr.adapters.sql.database import make_engine
from ivr.adapters.sql.models import AuditEvent as AuditRow
from ivr.adapters.sql.models import call_mark
from ivr.core.clock import FixedClock
from ivr.engine import CallState, DigitsEntered
from ivr.flow import Flow
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import account_handlers
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.time_budget import TimeBudget
from tests.conftest import HANDLER_TIME
from tests.flow.test_reload import said

TEMPORARY_ID, TEMPORARY_PIN = "1000000003", "9999"  # the demo participant whose PIN is temporary
PAYER_ID = "1000000002"  # a demo participant with a PIN of their own (not 4826 or 5937)
NEW_PIN = "4826"
CALLER = Caller("CA" + "7" * 32, "voice", "+15555550143")
LOCK_SECONDS = 0.6  # writes are held past the whole budget of a turn
BUDGET = TimeBudget(0.4)


@pytest.fixture
def conversation(
    seeded_database: str, ports: HandlerPorts, flow: Flow, redis_client: redis.Redis, redis_prefix: str
) -> Conversation:
    store = RedisCallStore(redis_client, 600, f"{redis_prefix}call:")
    return Conversation(flow, store, account_handlers(ports), FixedClock(HANDLER_TIME), budget=BUDGET)


def _signed_in_with_the_temporary_pin(conversation: Conversation, caller: Caller) -> list[str]:
    conversation.start(caller)
    conversation.answer(caller, DigitsEntered("1"))
    assert said(conversation.answer(caller, DigitsEntered(TEMPORARY_ID))) == ["ask_pin"]
    return said(conversation.answer(caller, DigitsEntered(TEMPORARY_PIN)))


@contextlib.contextmanager
def _writes_held(database: str) -> Iterator[None]:
    """Writes wait, from entry until LOCK_SECONDS later: on PostgreSQL the audit table is locked, on SQLite
    the database file's one write lock is taken (readers go on)."""
    locker = make_engine(database)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with locker.connect() as connection:
            if locker.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.begin()
                connection.execute(text("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(LOCK_SECONDS)
            connection.rollback()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        holder.join(30)
        locker.dispose()


def _answered_late(conversation: Conversation, database: str, digits: str) -> list[str]:
    """The answer, its writes held until past the turn's budget; checks it was not kept."""
    before = conversation.current(CALLER.call_id)
    with _writes_held(database):
        heard = said(conversation.answer(CALLER, DigitsEntered(digits)))
    assert conversation.current(CALLER.call_id) == before  # not kept
    return heard


def _audited(database: str, caller: Caller) -> list[tuple[str, str | None]]:
    """The events the audit trail holds for the call, in order, each with its turn's mark."""
    engine = make_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditRow.event, AuditRow.turn_mark)
            .where(AuditRow.call_mark == call_mark(caller.call_id))
            .order_by(AuditRow.id)
        ).all()
    engine.dispose()
    return [(event, mark) for event, mark in rows]


def _events(database: str, caller: Caller) -> list[str]:
    return [event for event, _ in _audited(database, caller)]


def test_a_sign_in_not_kept_can_be_answered_again_with_the_temporary_pin(
    conversation: Conversation, seeded_database: str
) -> None:
    """The caller, asked for the PIN again, gives the same temporary PIN, and must be let on to choose a
    new PIN; a stranger's call given the same PIN is still refused."""
    conversation.start(CALLER)
    conversation.answer(CALLER, DigitsEntered("1"))
    conversation.answer(CALLER, DigitsEntered(TEMPORARY_ID))
    assert _answered_late(conversation, seeded_database, TEMPORARY_PIN) == ["ask_pin"]
    again = conversation.answer(CALLER, DigitsEntered(TEMPORARY_PIN))
    assert said(again)[0] == "temporary_pin_notice" and again.state.node == "change_pin_new"
    # Two checks of the PIN, both recorded, both under the one turn the caller answered twice.
    (late, late_turn), (kept, kept_turn) = _audited(seeded_database, CALLER)
    assert late == kept == "temporary_pin_used" and late_turn == kept_turn is not None
    stranger = Caller("CA" + "8" * 32, "voice", "+15555550199")
    assert _signed_in_with_the_temporary_pin(conversation, stranger)[0] == "sign_in_failed"
    assert _events(seeded_database, stranger) == ["sign_in_failed"]


def test_a_new_pin_confirmed_by_a_turn_not_kept_is_confirmed_again(
    conversation: Conversation, seeded_database: str
) -> None:
    """The caller, asked for the new PIN a second time again, gives it again, and hears it changed."""
    assert _signed_in_with_the_temporary_pin(conversation, CALLER)[0] == "temporary_pin_notice"
    assert said(conversation.answer(CALLER, DigitsEntered(NEW_PIN))) == ["change_pin_again"]
    assert _answered_late(conversation, seeded_database, NEW_PIN) == ["change_pin_again"]
    again = conversation.answer(CALLER, DigitsEntered(NEW_PIN))
    assert said(again)[0] == "pin_changed", said(again)
    assert again.state.node == "main_menu"
    events = _audited(seeded_database, CALLER)
    assert [event for event, _ in events] == ["temporary_pin_used", *["pin_changed", "sign_in"] * 2]
    assert events[1][1] == events[2][1] == events[3][1] == events[4][1] != events[0][1]  # one turn, run twice


def test_a_call_whose_state_redis_lost_signs_in_again_with_the_temporary_pin(
    conversation: Conversation, redis_client: redis.Redis, redis_prefix: str, seeded_database: str
) -> None:
    """A failover loses the call's state after the sign-in was kept: the call hears that it lost its place
    and starts again, and the same call (the same CallSid, on any server) may give the PIN again. That
    second sign-in is a turn of its own, though its number is the first one's: both are recorded."""
    assert _signed_in_with_the_temporary_pin(conversation, CALLER)[0] == "temporary_pin_notice"
    first = conversation.current(CALLER.call_id)
    assert redis_client.delete(f"{redis_prefix}call:{CALLER.call_id}") == 1  # as a failover loses it
    restarted = said(conversation.answer(CALLER, DigitsEntered(NEW_PIN)))
    assert restarted[0] == "call_state_lost"
    conversation.answer(CALLER, DigitsEntered("1"))
    conversation.answer(CALLER, DigitsEntered(TEMPORARY_ID))
    again = conversation.answer(CALLER, DigitsEntered(TEMPORARY_PIN))
    assert said(again)[0] == "temporary_pin_notice" and again.state.node == "change_pin_new"
    assert first is not None and again.state.turn == first.turn and again.state.epoch != first.epoch
    (before, before_turn), (after, after_turn) = _audited(seeded_database, CALLER)
    assert before == after == "temporary_pin_used" and before_turn != after_turn  # two turns of their own


class _LoadsMeet(RedisCallStore):
    """A call store whose next ``meeting`` loads wait for one another: answers given at once all read the
    question before any of them is saved (then it loads as any other)."""

    def __init__(self, *args: Any, meeting: int) -> None:
        super().__init__(*args)
        self._barrier = threading.Barrier(meeting)
        self._waiting = meeting
        self._count = threading.Lock()

    def load(self, call_id: str) -> CallState | None:
        state = super().load(call_id)
        with self._count:
            meets, self._waiting = self._waiting > 0, self._waiting - 1
        if meets:
            self._barrier.wait(10)
        return state


def test_two_answers_to_one_turn_at_once_are_both_in_the_trail(
    ports: HandlerPorts, flow: Flow, redis_client: redis.Redis, redis_prefix: str, seeded_database: str
) -> None:
    """Two answers to the same PIN question at once (two texts, as a guesser could send them, where accounts
    by text are on) are two checks: one answer is kept, and both checks are recorded, under one turn."""
    store = RedisCallStore(redis_client, 600, f"{redis_prefix}call:")
    conversation = Conversation(flow, store, account_handlers(ports), FixedClock(HANDLER_TIME))
    conversation.start(CALLER)
    conversation.answer(CALLER, DigitsEntered("1"))
    assert said(conversation.answer(CALLER, DigitsEntered(PAYER_ID))) == ["ask_pin"]
    asked = conversation.current(CALLER.call_id)
    meeting = _LoadsMeet(redis_client, 600, f"{redis_prefix}call:", meeting=2)
    at_once = Conversation(flow, meeting, account_handlers(ports), FixedClock(HANDLER_TIME))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda pin: at_once.answer(CALLER, DigitsEntered(pin)), ["4826", "5937"]))
    now = conversation.current(CALLER.call_id)
    assert asked is not None and now is not None and now.turn == asked.turn + 1  # one answer was kept
    (first, first_turn), (second, second_turn) = _audited(seeded_database, CALLER)
    assert first == second == "sign_in_failed" and first_turn == second_turn
