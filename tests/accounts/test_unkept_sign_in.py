"""A temporary PIN taken by a turn that was never kept.

A turn that ends past its time budget is not saved (ivr.runtime.conversation): the caller hears the PIN
question again. If that turn's sign-in had already used up the caller's temporary PIN, the caller who
answers again with it, in the same call, was refused and had to wait for a new PIN by mail. A temporary
PIN is used up by the call that used it (``SqlAccountDirectory.verify_pin``; the rule's own test is in
test_pin_lifecycle.py): that call may take it again for a few minutes, and no other call ever may.
"""

from __future__ import annotations

import os
import threading

import pytest
import redis
from sqlalchemy import text

from ivr.adapters.redis.call_store import RedisCallStore
from ivr.adapters.sql.database import make_engine
from ivr.core.clock import FixedClock
from ivr.engine import DigitsEntered
from ivr.flow import Flow
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import account_handlers
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.time_budget import TimeBudget
from tests.conftest import HANDLER_TIME
from tests.flow.test_reload import said

TEMPORARY_ID, TEMPORARY_PIN = "1000000003", "9999"  # the demo participant whose PIN is temporary
CALLER = Caller("CA" + "7" * 32, "voice", "+15555550143")
LOCK_SECONDS = 0.6  # the audit table stays locked past the whole budget of the turn below
BUDGET = TimeBudget(0.4)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_sign_in_whose_turn_was_not_kept_can_be_answered_again_with_the_temporary_pin(
    seeded_database: str, ports: HandlerPorts, flow: Flow, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """Replays the fault: the audit table is locked while the temporary PIN is checked, so the turn ends
    past its budget after the PIN was used up, and is not kept. The caller, asked for the PIN again, gives
    the same one, and must be let on to choose a new PIN."""
    if not seeded_database.startswith("postgresql"):
        pytest.skip("PostgreSQL only: the fault is a table lock")
    store = RedisCallStore(redis_client, 600, f"{redis_prefix}call:")
    conversation = Conversation(flow, store, account_handlers(ports), FixedClock(HANDLER_TIME), budget=BUDGET)
    conversation.start(CALLER)
    conversation.answer(CALLER, DigitsEntered("1"))
    asked = conversation.answer(CALLER, DigitsEntered(TEMPORARY_ID))
    assert said(asked) == ["ask_pin"]

    locker = make_engine(seeded_database)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with locker.begin() as connection:
            connection.execute(text("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(LOCK_SECONDS)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        late = conversation.answer(CALLER, DigitsEntered(TEMPORARY_PIN))
    finally:
        release.set()
        holder.join(30)
        locker.dispose()
    assert said(late) == ["ask_pin"] and store.load(CALLER.call_id) == asked.state  # not kept

    again = conversation.answer(CALLER, DigitsEntered(TEMPORARY_PIN))
    assert said(again)[0] == "temporary_pin_notice" and again.state.node == "change_pin_new"
    stranger = Caller("CA" + "8" * 32, "voice", "+15555550199")
    conversation.start(stranger)
    conversation.answer(stranger, DigitsEntered("1"))
    conversation.answer(stranger, DigitsEntered(TEMPORARY_ID))
    refused = conversation.answer(stranger, DigitsEntered(TEMPORARY_PIN))
    assert said(refused)[0] == "sign_in_failed" and refused.state.node == "sign_in_retry"
