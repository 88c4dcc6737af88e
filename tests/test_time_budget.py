"""The time budget of a turn: a data step that would start too late takes its on_error path, and a turn
that ends past the whole budget is not saved, so the call stays where the caller last heard it.

The handlers here are stand-ins that sleep (a slow database, with nothing else about it that matters),
and the call store wraps the in-memory one to answer slowly (a slow Redis): the real slow services are
driven by tests/web/test_time_budget.py and the fleet tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.engine import CallState, DigitsEntered, HandlerFinished
from ivr.flow import Flow
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HandlerRequest
from ivr.runtime.time_budget import TimeBudget
from ivr.service.settings import ConfigError, Settings
from tests.flow.test_reload import said

BUDGET = TimeBudget(0.4)  # a data step may start up to 0.2 s into the turn
CALLER = Caller("CA-budget", "test")


class SlowStore(MemoryCallStore):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def load(self, call_id: str) -> CallState | None:
        time.sleep(self.delay)
        return super().load(call_id)


def voice_may_sign_in(_request: HandlerRequest) -> HandlerFinished:
    """What the account_access step answers on a voice call (tests/test_handler_rules.py checks it)."""
    return HandlerFinished("available")


def _at_ask_id(conversation: Conversation) -> CallState:
    conversation.start(CALLER)
    turn = conversation.answer(CALLER, DigitsEntered("1"))
    assert turn.state.node == "ask_id", turn.state
    return turn.state


def test_a_data_step_that_would_start_too_late_takes_its_error_path(flow: Flow) -> None:
    ran: list[str] = []

    def identify(request: HandlerRequest) -> HandlerFinished:
        ran.append(request.state.node)
        return HandlerFinished("ok")

    store = SlowStore(0.0)
    conversation = Conversation(
        flow, store, {"account_access": voice_may_sign_in, "identify_caller": identify}, budget=BUDGET
    )
    _at_ask_id(conversation)
    store.delay = 0.25  # the state took longer to load than the data step may wait for
    turn = conversation.answer(CALLER, DigitsEntered("1000000002"))
    assert ran == []  # the data step never started
    assert said(turn) == [
        "sign_in_unavailable",
        "offer_spanish",
        "caller_type",
    ]  # "Sorry, we cannot check accounts"
    assert store.load(CALLER.call_id) == turn.state  # heard in time, so saved


def test_a_turn_that_ends_past_its_budget_is_not_saved(flow: Flow) -> None:
    def slow_identify(_request: HandlerRequest) -> HandlerFinished:
        time.sleep(0.5)  # past the whole budget of 0.4 s
        return HandlerFinished("ok")

    store = MemoryCallStore()
    conversation = Conversation(
        flow, store, {"account_access": voice_may_sign_in, "identify_caller": slow_identify}, budget=BUDGET
    )
    before = _at_ask_id(conversation)
    turn = conversation.answer(CALLER, DigitsEntered("1000000002"))
    assert store.load(CALLER.call_id) == before  # nothing saved: the caller may never have heard it
    assert turn.state == before and said(turn) == ["ask_id"]  # they hear the question they are at


def test_without_a_budget_a_slow_turn_is_saved(flow: Flow) -> None:
    def slow_identify(_request: HandlerRequest) -> HandlerFinished:
        time.sleep(0.5)
        return HandlerFinished("ok")

    store = MemoryCallStore()
    conversation = Conversation(
        flow, store, {"account_access": voice_may_sign_in, "identify_caller": slow_identify}
    )
    _at_ask_id(conversation)
    turn = conversation.answer(CALLER, DigitsEntered("1000000002"))
    assert turn.state.node == "ask_pin" and store.load(CALLER.call_id) == turn.state
    assert said(turn) == ["ask_pin"]


def test_the_budget_is_a_setting_within_twilios_wait(tmp_path: Path) -> None:
    base = {"IVR_INSTANCE": str(tmp_path)}
    assert Settings.load(base, environ={}).turn_budget_seconds == 8.0
    assert Settings.load({**base, "IVR_TURN_BUDGET_SECONDS": "5.5"}, environ={}).turn_budget_seconds == 5.5
    for wrong in ("15", "0.5", "soon"):
        with pytest.raises(ConfigError, match="IVR_TURN_BUDGET_SECONDS"):
            Settings.load({**base, "IVR_TURN_BUDGET_SECONDS": wrong}, environ={})
    shares = TimeBudget(8.0)
    assert (shares.redis_timeout, shares.statement_timeout_ms, shares.pool_timeout) == (2.0, 2000, 1.0)
    assert shares.handler_start_limit == 4.0 and TimeBudget(2.0).connect_timeout == 2
