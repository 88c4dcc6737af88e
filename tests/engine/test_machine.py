"""The engine driven by events alone, on the shipped flow: no I/O, no Flask, no Redis."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from ivr.core.values import Money
from ivr.engine import (
    CallEnded,
    CallStarted,
    CallState,
    DigitsEntered,
    Gather,
    HandlerFinished,
    Hangup,
    NoInput,
    RunHandler,
    Say,
    SpeechHeard,
    Transfer,
    TransferEnded,
    Turn,
    step,
)
from ivr.engine.sign_in import Anonymous, Claimed, IdEntered, PinAccepted, PinRefused, SignedIn
from ivr.flow import Flow

# Office hours are Monday to Friday, 8 to 5 Pacific time (menu_tree.yaml).
OPEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Tuesday morning
CLOSED = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Sunday
HOLIDAY = dt.datetime(2026, 12, 25, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Friday, Christmas


def said(turn: Turn) -> list[str]:
    """Prompt ids in the order a caller hears them, including those inside a Gather."""
    ids: list[str] = []
    for action in turn.actions:
        if isinstance(action, Say):
            ids.append(action.prompt)
        elif isinstance(action, Gather):
            ids.extend(say.prompt for say in action.prompts)
    return ids


def start(flow: Flow) -> Turn:
    return step(flow, None, CallStarted("CA1"))


def test_a_call_starts_in_english_with_the_offer_of_spanish_said_in_spanish(flow: Flow) -> None:
    turn = start(flow)
    assert turn.state.node == "caller_type"
    assert turn.state.language == "en"
    assert said(turn) == ["welcome", "offer_spanish", "caller_type"]
    offer = turn.actions[1]
    assert isinstance(offer, Say) and offer.language == "es"
    assert isinstance(turn.actions[-1], Gather)


@pytest.mark.parametrize("event", [DigitsEntered("9"), SpeechHeard("Español"), SpeechHeard("spanish please")])
def test_nine_or_espanol_switches_the_call_to_spanish(flow: Flow, event: DigitsEntered | SpeechHeard) -> None:
    turn = step(flow, start(flow).state, event)
    assert turn.state.language == "es"
    assert turn.state.node == "caller_type"
    gather = turn.actions[-1]
    assert isinstance(gather, Gather)
    assert "sí" in gather.hints and "yes" not in gather.hints


@pytest.mark.parametrize(
    ("words", "node"),
    [
        ("Sí.", "sign_in_here"),
        ("SI", "sign_in_here"),
        ("si", "sign_in_here"),
        ("sí, soy el padre", "sign_in_here"),
        ("Yes", "sign_in_here"),  # the brochure itself tells Spanish callers to say "Yes"
        ("No.", "general_information_end"),
        ("no, no soy el padre", "general_information_end"),
        ("Ninguno", "other_options"),
        ("ninguna", "other_options"),
        ("1", "sign_in_here"),
    ],
)
def test_spanish_answers_are_matched_through_accents_case_and_short_sentences(
    flow: Flow, words: str, node: str
) -> None:
    spanish = step(flow, start(flow).state, DigitsEntered("9")).state
    assert step(flow, spanish, SpeechHeard(words)).state.node == node


@pytest.mark.parametrize(
    ("event", "node"),
    [
        (DigitsEntered("1"), "sign_in_here"),
        (DigitsEntered("2"), "general_information_end"),
        (DigitsEntered("7"), "other_options"),
        (SpeechHeard("yes I am"), "sign_in_here"),
        (SpeechHeard("No"), "general_information_end"),
        (SpeechHeard("None."), "other_options"),
    ],
)
def test_english_keys_and_words(flow: Flow, event: DigitsEntered | SpeechHeard, node: str) -> None:
    assert step(flow, start(flow).state, event).state.node == node


def test_general_information_is_said_then_offered_again(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("2"))
    assert said(turn) == ["general_information", "general_information_end"]
    again = step(flow, turn.state, SpeechHeard("again"))
    assert said(again) == ["general_information", "general_information_end"]
    bye = step(flow, again.state, DigitsEntered("3"))
    assert said(bye) == ["goodbye"] and isinstance(bye.actions[-1], Hangup) and bye.state.ended


def test_silence_escalates_short_prompt_then_help_then_goodbye_when_closed(flow: Flow) -> None:
    first = step(flow, start(flow).state, NoInput(), CLOSED)
    assert said(first) == ["no_input_first", "caller_type_short"]
    second = step(flow, first.state, NoInput(), CLOSED)
    assert said(second) == ["no_input_again", "caller_type_help"]
    third = step(flow, second.state, NoInput(), CLOSED)
    assert said(third) == ["goodbye_no_response"]
    assert isinstance(third.actions[-1], Hangup)


def test_attempts_run_out_to_a_representative_during_hours(flow: Flow) -> None:
    state = start(flow).state
    for _ in range(2):
        state = step(flow, state, SpeechHeard("banana"), OPEN).state
    turn = step(flow, state, SpeechHeard("banana"), OPEN)
    assert said(turn) == ["transfer_after_trouble"]
    assert turn.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)
    assert not turn.state.ended and turn.state.node == "representative_after_trouble"


def test_no_input_and_no_match_are_counted_separately(flow: Flow) -> None:
    state = start(flow).state
    for event in (NoInput(), SpeechHeard("banana"), NoInput(), SpeechHeard("pizza")):
        state = step(flow, state, event).state
    assert (state.node, state.no_input, state.no_match) == ("caller_type", 2, 2)
    assert said(step(flow, state, DigitsEntered("5"))) == ["goodbye_no_response"]


def test_an_unknown_key_is_a_no_match(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("5"))
    assert said(turn) == ["no_match_first", "caller_type_short"]
    assert turn.state.no_match == 1


def test_star_repeats_without_counting_a_failure(flow: Flow) -> None:
    first = start(flow)
    turn = step(flow, first.state, DigitsEntered("*"))
    assert said(turn) == ["caller_type"]
    assert (turn.state.no_input, turn.state.no_match) == (0, 0)


def _at_ask_id(flow: Flow) -> CallState:
    """Yes at the first menu, and the channel allows sign-in here."""
    at_gate = step(flow, start(flow).state, DigitsEntered("1"))
    assert at_gate.actions[-1] == RunHandler("account_access")
    return step(flow, at_gate.state, HandlerFinished("available")).state


@pytest.mark.parametrize("digits", ["12345678", "12345678901", "12345678*"])
def test_an_id_of_the_wrong_length_is_re_prompted(flow: Flow, digits: str) -> None:
    turn = step(flow, _at_ask_id(flow), DigitsEntered(digits))
    assert turn.state.node == "ask_id"
    assert said(turn) == ["id_not_valid", "ask_id"]


@pytest.mark.parametrize("digits", ["1000000001", "123456789"])
def test_nine_or_ten_digits_go_to_the_identify_handler_without_entering_the_state(
    flow: Flow, digits: str
) -> None:
    turn = step(flow, _at_ask_id(flow), DigitsEntered(digits))
    assert turn.state.node == "identify"
    assert turn.actions[-1] == RunHandler("identify_caller", digits)
    assert digits not in turn.state.to_json()


def test_secret_inputs_take_keys_only(flow: Flow) -> None:
    state = _at_ask_id(flow)
    gather = step(flow, replace(state, node="sign_in_here"), HandlerFinished("available")).actions[-1]
    assert isinstance(gather, Gather) and gather.secret and gather.finish_key == "#"
    assert (
        step(flow, state, SpeechHeard("one zero zero zero zero zero zero zero zero one")).state.node
        == "ask_id"
    )


def test_handler_outcomes_map_to_nodes_and_carry_ids_not_digits(flow: Flow) -> None:
    at_identify = step(flow, _at_ask_id(flow), DigitsEntered("1000000001")).state
    turn = step(flow, at_identify, HandlerFinished("ok", sign_in=IdEntered(7)))
    assert turn.state.node == "ask_pin" and turn.state.sign_in == Claimed(7)
    at_auth = step(flow, turn.state, DigitsEntered("2468")).state
    assert at_auth.node == "authenticate"
    signed_in = step(flow, at_auth, HandlerFinished("ok", sign_in=PinAccepted(7)))
    assert signed_in.state.sign_in == SignedIn(7)
    assert said(signed_in) == ["signed_in", "main_menu"]


def test_failed_sign_in_goes_back_to_the_id_question(flow: Flow) -> None:
    at_auth = replace(_at_ask_id(flow), node="authenticate", sign_in=Claimed(7))
    turn = step(flow, at_auth, HandlerFinished("failed", sign_in=PinRefused()))
    assert said(turn) == ["sign_in_failed", "sign_in_retry"]
    assert turn.state.failed_sign_ins == 1 and turn.state.sign_in == Anonymous()


def test_payment_values_reach_the_prompts_one_line_per_payment(flow: Flow) -> None:
    state = replace(_at_ask_id(flow), node="payments", sign_in=SignedIn(2))
    payments = (
        {"amount": Money(40000), "date": dt.date(2026, 11, 2)},
        {"amount": Money(40000), "date": dt.date(2026, 10, 3)},
    )
    turn = step(
        flow, state, HandlerFinished("payer", values={"balance": Money(123456), "payments": payments})
    )
    assert said(turn) == [
        "balance_due",
        "payments_made_intro",
        "payment_made_item",
        "payment_made_item",
        "payments_end",
    ]
    items = [a for a in turn.actions if isinstance(a, Say) and a.prompt == "payment_made_item"]
    assert [item.values["date"] for item in items] == [dt.date(2026, 11, 2), dt.date(2026, 10, 3)]


def test_an_unknown_outcome_takes_the_error_path(flow: Flow) -> None:
    state = replace(_at_ask_id(flow), node="payments", sign_in=SignedIn(2))
    turn = step(flow, state, HandlerFinished("error"))
    assert said(turn) == ["data_unavailable", "main_menu"]


def test_hang_up_ends_the_call_and_later_events_only_hang_up(flow: Flow) -> None:
    ended = step(flow, start(flow).state, CallEnded())
    assert ended.state.ended and ended.actions == ()
    assert step(flow, ended.state, DigitsEntered("1")).actions == (Hangup(),)


def test_turns_count_caller_answers(flow: Flow) -> None:
    first = start(flow)
    assert first.state.turn == 1
    assert step(flow, first.state, NoInput()).state.turn == 2


def test_state_round_trips_through_json(flow: Flow) -> None:
    state = step(flow, start(flow).state, DigitsEntered("9")).state.with_counters((("sign_in_failures", 2),))
    assert CallState.from_json(state.to_json()) == state


def test_a_call_can_start_in_a_preferred_language(flow: Flow) -> None:
    assert step(flow, None, CallStarted("CA2", language="es")).state.language == "es"
    assert step(flow, None, CallStarted("CA3", language="fr")).state.language == "en"


def test_events_never_show_digits_or_words_in_their_repr() -> None:
    assert "2468" not in repr(DigitsEntered("2468"))
    assert "2468" not in repr(RunHandler("authenticate", "2468"))
    assert "secret words" not in repr(SpeechHeard("secret words"))


def _signed_in_at_main_menu(flow: Flow) -> CallState:
    at_auth = replace(_at_ask_id(flow), node="authenticate", sign_in=Claimed(7))
    return step(flow, at_auth, HandlerFinished("ok", sign_in=PinAccepted(7))).state


def test_help_says_the_node_help_and_asks_again(flow: Flow) -> None:
    turn = step(flow, start(flow).state, SpeechHeard("help"))
    assert said(turn) == ["caller_type_help", "caller_type"]
    assert (turn.state.no_input, turn.state.no_match) == (0, 0)
    at_id = _at_ask_id(flow)
    assert said(step(flow, at_id, SpeechHeard("help"))) == ["help_general", "ask_id"]


def test_back_retraces_the_questions_asked(flow: Flow) -> None:
    state = step(flow, start(flow).state, DigitsEntered("7")).state
    assert state.node == "other_options" and state.history == ("caller_type",)
    back = step(flow, state, SpeechHeard("go back"))
    assert back.state.node == "caller_type" and back.state.history == ()
    assert said(back) == ["caller_type"]
    assert said(step(flow, back.state, SpeechHeard("back"))) == ["caller_type"]  # nowhere further back


def test_signing_in_clears_the_way_back_into_the_sign_in_questions(flow: Flow) -> None:
    state = _signed_in_at_main_menu(flow)
    assert state.node == "main_menu" and state.history == ()
    assert step(flow, state, SpeechHeard("atrás")).state.node == "main_menu"


def test_main_menu_command_before_and_after_sign_in(flow: Flow) -> None:
    other_options = step(flow, start(flow).state, DigitsEntered("7")).state
    assert step(flow, other_options, SpeechHeard("main menu")).state.node == "caller_type"
    signed_in = _signed_in_at_main_menu(flow)
    payments = step(flow, signed_in, DigitsEntered("1")).state
    assert payments.node == "payments"
    at_menu = step(flow, payments, HandlerFinished("no_case")).state
    assert step(flow, at_menu, SpeechHeard("main menu")).state.node == "main_menu"


def test_zero_reaches_a_representative_during_hours(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("0"), OPEN)
    assert said(turn) == ["transfer_to_representative"]
    assert turn.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)


@pytest.mark.parametrize(
    ("outcome", "heard"),
    [
        ("busy", "representatives_busy"),
        ("no_answer", "representatives_no_answer"),
        ("failed", "representatives_unreachable"),
    ],
)
def test_a_transfer_nobody_takes_says_so_and_offers_a_way_on(flow: Flow, outcome: str, heard: str) -> None:
    transferring = step(flow, start(flow).state, DigitsEntered("0"), OPEN).state
    turn = step(flow, transferring, TransferEnded(outcome), OPEN)
    assert said(turn) == [heard, "representative_way_on"]
    assert turn.state.node == "representative_way_on" and turn.state.turn == transferring.turn + 1
    again = step(flow, turn.state, DigitsEntered("1"), OPEN)
    assert again.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)
    menu = step(
        flow, turn.state, DigitsEntered("2"), OPEN
    )  # the main_menu command: before sign-in, the first menu
    assert menu.state.node == "caller_type" and said(menu) == ["caller_type"]


def test_a_transfer_the_representative_ended_ends_the_call(flow: Flow) -> None:
    transferring = step(flow, start(flow).state, DigitsEntered("0"), OPEN).state
    turn = step(flow, transferring, TransferEnded("completed"), OPEN)
    assert turn.actions == (Hangup(),) and turn.state.ended


def test_the_end_of_a_transfer_reaching_a_call_at_a_question_changes_nothing(flow: Flow) -> None:
    at_question = start(flow).state
    turn = step(flow, at_question, TransferEnded("busy"), OPEN)
    assert turn.state == at_question and said(turn) == ["caller_type"]


@pytest.mark.parametrize("closed_at", [CLOSED, HOLIDAY, None])
def test_a_representative_out_of_hours_returns_the_caller_to_the_question(
    flow: Flow, closed_at: dt.datetime | None
) -> None:
    state = step(flow, start(flow).state, DigitsEntered("7")).state
    turn = step(flow, state, SpeechHeard("representative"), closed_at)
    assert said(turn) == ["representatives_closed", "other_options"]
    assert turn.state.node == "other_options" and not turn.state.ended
    assert turn.state.history == ("caller_type",)


def test_zero_at_an_input_is_the_representative_command(flow: Flow) -> None:
    turn = step(flow, _at_ask_id(flow), DigitsEntered("0"), OPEN)
    assert isinstance(turn.actions[-1], Transfer)


def test_a_turn_says_when_the_answer_was_not_taken(flow: Flow) -> None:
    """The funnel counts silences and answers not understood from the turn itself, also the last one that
    sends the caller on to on_exhausted."""
    started = step(flow, None, CallStarted("CA1"))
    silence = step(flow, started.state, NoInput())
    assert silence.retry == "no_input" and silence.state.node == "caller_type"
    state = silence.state
    for _ in range(flow.defaults.max_no_match):
        turn = step(flow, state, DigitsEntered("8"))
        assert turn.retry == "no_match"
        state = turn.state
    assert turn.visited[0] == flow.defaults.on_exhausted
    assert step(flow, started.state, DigitsEntered("1")).retry is None


def test_a_call_being_transferred_moves_only_when_the_transfer_ends(flow: Flow) -> None:
    transferring = step(flow, start(flow).state, DigitsEntered("0"), OPEN).state
    for stray in (DigitsEntered("1"), NoInput(), SpeechHeard("representative")):
        turn = step(flow, transferring, stray, OPEN)
        # where the call stands, changing nothing: the transfer again, not silence (which ends a call)
        assert turn.state == transferring
        assert turn.actions == (Transfer(number="+18005550100", ring_seconds=30, returns=True),)
