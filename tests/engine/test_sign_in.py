"""Who a call is about: the engine's sign-in state, driven by events alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.engine import CallStarted, CallState, DigitsEntered, HandlerFinished, RunHandler, SpeechHeard, step
from ivr.engine.sign_in import (
    Anonymous,
    Claimed,
    IdEntered,
    PinAccepted,
    PinChanged,
    PinRefused,
    SignedIn,
    SignIn,
    SignInChange,
    SignInViolation,
    apply,
)
from ivr.flow import Flow

ALLOWED: list[tuple[SignIn, SignInChange, SignIn]] = [
    (Anonymous(), IdEntered(7), Claimed(7)),
    (SignedIn(3), IdEntered(7), Claimed(7)),  # a new ID ends the sign-in it replaces
    (SignedIn(3, must_change_pin=True), IdEntered(None), Claimed(None)),
    (Claimed(7), PinAccepted(7), SignedIn(7)),
    (Claimed(7), PinAccepted(7, temporary=True), SignedIn(7, must_change_pin=True)),
    (Claimed(7), PinRefused(), Anonymous()),
    (SignedIn(7, must_change_pin=True), PinChanged(7), SignedIn(7)),
    (SignedIn(7), PinChanged(7), SignedIn(7)),
]
FORBIDDEN: list[tuple[SignIn, SignInChange]] = [
    (Anonymous(), PinAccepted(7)),
    (Claimed(None), PinAccepted(7)),
    (Claimed(3), PinAccepted(7)),  # the PIN of one participant never signs in another
    (SignedIn(3), PinAccepted(3)),
    (Anonymous(), PinChanged(7)),
    (Claimed(7), PinChanged(7)),  # an ID alone gives no right to a PIN
    (SignedIn(3, must_change_pin=True), PinChanged(7)),
]


@pytest.mark.parametrize(("before", "change", "after"), ALLOWED)
def test_allowed_changes(before: SignIn, change: SignInChange, after: SignIn) -> None:
    assert apply(before, change) == after


@pytest.mark.parametrize(("before", "change"), FORBIDDEN)
def test_forbidden_changes(before: SignIn, change: SignInChange) -> None:
    with pytest.raises(SignInViolation):
        apply(before, change)


def at(flow: Flow, node: str, sign_in: SignIn, **changes: object) -> CallState:
    started = step(flow, None, CallStarted("CA1")).state
    return replace(started, node=node, sign_in=sign_in, **changes)  # type: ignore[arg-type]


def test_a_handler_that_acts_for_someone_else_is_refused_and_the_call_forgets_everyone(flow: Flow) -> None:
    state = at(flow, "authenticate", Claimed(3))
    turn = step(flow, state, HandlerFinished("ok", sign_in=PinAccepted(7)))
    assert turn.state.sign_in == Anonymous()
    assert turn.visited[0] == "sign_in_unavailable"  # the node's on_error, not its "ok" outcome


def test_entering_an_id_forgets_the_counters_and_the_way_back_of_the_earlier_sign_in(flow: Flow) -> None:
    state = at(flow, "identify", SignedIn(3), counters=(("payments_seen", 3),), history=("main_menu",))
    turn = step(flow, state, HandlerFinished("ok", sign_in=IdEntered(7)))
    assert turn.state.sign_in == Claimed(7)
    assert turn.state.counters == () and turn.state.history == ()


def test_a_step_the_call_has_not_signed_in_for_is_never_run(flow: Flow) -> None:
    for sign_in in (Anonymous(), Claimed(7), SignedIn(7, must_change_pin=True)):
        turn = step(flow, at(flow, "main_menu", sign_in), DigitsEntered("1"))
        assert not any(isinstance(action, RunHandler) for action in turn.actions), sign_in
        assert turn.state.node == "main_menu" and turn.visited[:2] == ("payments", "data_unavailable")
    signed_in = step(flow, at(flow, "main_menu", SignedIn(7)), DigitsEntered("1"))
    assert signed_in.actions[-1] == RunHandler("read_payments")


def test_a_pin_change_needs_a_pin_sign_in(flow: Flow) -> None:
    for sign_in in (Anonymous(), Claimed(7)):
        turn = step(flow, at(flow, "change_pin_new", sign_in), DigitsEntered("4826"))
        assert not any(isinstance(action, RunHandler) for action in turn.actions), sign_in
    for signed_in in (SignedIn(7), SignedIn(7, must_change_pin=True)):
        turn = step(flow, at(flow, "change_pin_new", signed_in), DigitsEntered("4826"))
        assert turn.actions[-1] == RunHandler("check_new_pin", "4826")


@pytest.mark.parametrize("words", ["back", "main menu", "menú principal", "atrás"])
def test_secret_inputs_do_not_leave_for_another_part_of_the_flow(flow: Flow, words: str) -> None:
    for node in ("ask_id", "ask_pin", "change_pin_new", "change_pin_again"):
        state = at(flow, node, SignedIn(7, must_change_pin=True), history=("caller_type",))
        turn = step(flow, state, SpeechHeard(words))
        assert turn.state.node == node and turn.state.no_match == 1, (node, words)


def test_help_repeat_and_a_person_still_work_at_secret_inputs(flow: Flow) -> None:
    state = at(flow, "ask_pin", Claimed(7))
    assert step(flow, state, SpeechHeard("help")).state.no_match == 0
    assert step(flow, state, DigitsEntered("*")).state.no_match == 0
    assert step(flow, state, DigitsEntered("0")).visited[0] == "representative"


def test_back_never_returns_to_a_secret_input(flow: Flow) -> None:
    state = at(flow, "main_menu", SignedIn(7))
    for event, node in (
        (DigitsEntered("4"), "change_pin_new"),
        (DigitsEntered("4826"), "check_new_pin"),
    ):
        state = step(flow, state, event).state
        assert state.node == node
    state = step(flow, state, HandlerFinished("ok")).state
    assert state.node == "change_pin_again" and state.history == ("main_menu",)
    back = step(flow, state, SpeechHeard("back"))  # off at a secret input: a wrong answer
    assert back.state.node == "change_pin_again"


def test_main_menu_leads_to_the_account_menu_only_after_a_full_sign_in(flow: Flow) -> None:
    other_options = "other_options"
    for sign_in, node in (
        (Anonymous(), "caller_type"),
        (SignedIn(7, must_change_pin=True), "caller_type"),
        (SignedIn(7), "main_menu"),
    ):
        turn = step(flow, at(flow, other_options, sign_in), SpeechHeard("main menu"))
        assert turn.state.node == node, sign_in


def test_wrong_pins_are_counted_for_the_call_whoever_they_were_for(flow: Flow) -> None:
    state = at(flow, "authenticate", Claimed(3))
    state = step(flow, state, HandlerFinished("failed", sign_in=PinRefused())).state
    state = replace(state, node="authenticate", sign_in=Claimed(4))
    state = step(flow, state, HandlerFinished("failed", sign_in=PinRefused())).state
    assert state.failed_sign_ins == 2 and state.sign_in == Anonymous()


@pytest.mark.parametrize("sign_in", [Anonymous(), Claimed(None), Claimed(7), SignedIn(7), SignedIn(7, True)])
def test_the_sign_in_survives_the_call_store(flow: Flow, sign_in: SignIn) -> None:
    state = at(flow, "main_menu", sign_in)
    assert CallState.from_json(state.to_json()) == state


def test_a_state_written_before_sign_in_had_a_type_reads_as_anonymous() -> None:
    legacy = (
        '{"call_id":"CA1","claimed":3,"counters":[["temporary_pin",1]],"ended":false,'
        '"flow_version":"v1","history":[],"language":"en","no_input":0,"no_match":0,'
        '"node":"change_pin_new","participant":null,"turn":7}'
    )
    state = CallState.from_json(legacy)
    assert state.sign_in == Anonymous() and state.node == "change_pin_new"
