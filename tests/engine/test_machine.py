"""The engine driven by events alone, on the engine tests' own flow (tests/engine/flow): no I/O, no Flask,
no Redis, and no dependence on the shipped flow's wording."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from ivr.core.speech_text import FoldedPhrase
from ivr.core.values import Money, Value, Values
from ivr.engine import (
    AskedTurn,
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
from ivr.engine.machine import replay
from ivr.engine.sign_in import Anonymous, Claimed, IdEntered, PinAccepted, PinRefused, SignedIn
from ivr.flow import Flow

# Office hours are Monday to Friday, 8 to 5 Pacific time (tests/engine/flow/menu_tree.yaml).
OPEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Tuesday morning
CLOSED = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Sunday
HOLIDAY = dt.datetime(2026, 12, 25, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Friday, Christmas


def said(turn: Turn) -> list[str]:
    """Prompt ids in the order a caller hears them, including those inside a Gather."""
    return [say.prompt for say in turn.says]


def said_in(turn: Turn) -> list[tuple[str, str | None]]:
    """(prompt id, the language it is said in when not the call's) in order."""
    return [(say.prompt, say.language) for say in turn.says]


def gather(turn: Turn) -> Gather:
    last = turn.actions[-1]
    assert isinstance(last, Gather), turn.actions
    return last


def start(flow: Flow) -> Turn:
    return step(flow, None, CallStarted("CA1"))


def at(flow: Flow, node: str, **changes: object) -> CallState:
    """A call standing at ``node``, the language chosen unless said otherwise."""
    state = replace(start(flow).state, node=node, language_chosen=True)
    return replace(state, **changes)  # type: ignore[arg-type]


def signed_in_at_main_menu(flow: Flow) -> CallState:
    at_auth = at(flow, "authenticate", sign_in=Claimed(7))
    return step(flow, at_auth, HandlerFinished("ok", sign_in=PinAccepted(7))).state


# -- the first question, and the languages -------------------------------------------------------------


def test_a_call_starts_in_english_with_the_other_language_offered_in_it_inside_the_question(
    flow: Flow,
) -> None:
    turn = start(flow)
    assert turn.state.node == "caller_type" and turn.state.language == "en"
    assert said_in(turn) == [("welcome", None), ("offer_es", "es"), ("first", None)]
    assert turn.actions[0] == Say("welcome")  # the welcome before the question; the offer can be keyed over
    assert not turn.state.language_chosen


@pytest.mark.parametrize(
    "event",
    [DigitsEntered("9"), SpeechHeard("Español"), SpeechHeard("spanish please"), SpeechHeard("uh, spanish")],
)
def test_nine_or_the_name_of_spanish_switches_the_call_to_spanish(flow: Flow, event: object) -> None:
    turn = step(flow, start(flow).state, event)  # type: ignore[arg-type]
    assert turn.state.language == "es" and turn.state.language_chosen
    assert turn.state.node == "caller_type"
    assert "sí" in gather(turn).hints and "yes" not in gather(turn).hints
    assert said_in(turn)[-1] == ("first", None)


@pytest.mark.parametrize(
    "event", [DigitsEntered("9"), SpeechHeard("English"), SpeechHeard("inglés, por favor")]
)
def test_a_spanish_call_can_go_back_to_english(flow: Flow, event: object) -> None:
    spanish = step(flow, start(flow).state, DigitsEntered("9")).state
    turn = step(flow, spanish, event)  # type: ignore[arg-type]
    assert turn.state.language == "en" and turn.state.node == "caller_type"


def test_the_menu_that_offers_languages_offers_english_in_english_to_a_spanish_call(flow: Flow) -> None:
    spanish = step(flow, start(flow).state, DigitsEntered("9"))
    assert said_in(spanish)[0] == ("offer_en", "en")


@pytest.mark.parametrize(
    "event",
    [NoInput(), DigitsEntered("5"), DigitsEntered("*"), SpeechHeard("help"), SpeechHeard("banana")],
)
def test_every_re_prompt_repeat_and_help_offers_spanish_until_a_language_is_chosen(
    flow: Flow, event: object
) -> None:
    turn = step(flow, start(flow).state, event)  # type: ignore[arg-type]
    assert ("offer_es", "es") in said_in(turn)
    assert turn.state.language == "en" and not turn.state.language_chosen


def test_a_question_without_a_language_option_never_offers_one(flow: Flow) -> None:
    """Its keys may mean something else there: 9 ends the call at other_options."""
    unchosen = replace(at(flow, "other_options"), language_chosen=False)
    assert said(step(flow, unchosen, NoInput())) == ["silence_1", "other"]
    chosen = step(flow, start(flow).state, DigitsEntered("7"))
    assert chosen.state.node == "other_options" and chosen.state.language_chosen
    assert said(chosen) == ["other"]
    assert said(step(flow, replace(at(flow, "ask_id"), language_chosen=False), NoInput())) == [
        "silence_1",
        "ask_id",
    ]


@pytest.mark.parametrize(
    ("words", "node"),
    [
        ("Sí.", "ask_id"),
        ("SI", "ask_id"),
        ("sí, soy el padre", "ask_id"),
        ("información general", "information_end"),
        ("Ninguno", "other_options"),
    ],
)
def test_a_first_answer_in_spanish_switches_an_english_call_to_spanish(
    flow: Flow, words: str, node: str
) -> None:
    turn = step(flow, start(flow).state, SpeechHeard(words))
    assert turn.state.node == node
    assert turn.state.language == "es" and turn.state.language_chosen


def test_no_is_a_word_of_both_languages_and_keeps_the_call_s(flow: Flow) -> None:
    assert step(flow, start(flow).state, SpeechHeard("no")).state.language == "en"


@pytest.mark.parametrize(("words", "node"), [("Yes", "ask_id"), ("none", "other_options"), ("1", "ask_id")])
def test_once_spanish_is_chosen_english_words_are_understood_and_change_nothing(
    flow: Flow, words: str, node: str
) -> None:
    spanish = step(flow, start(flow).state, DigitsEntered("9")).state
    turn = step(flow, spanish, SpeechHeard(words))
    assert turn.state.node == node and turn.state.language == "es"


def test_an_option_can_keep_the_call_s_language_whatever_words_picked_it(flow: Flow) -> None:
    unchosen = replace(at(flow, "other_options"), language_chosen=False)
    turn = step(flow, unchosen, SpeechHeard("horario"))
    assert turn.state.node == "information_end" and turn.state.language == "en"


def test_naming_a_language_at_any_menu_asks_the_same_question_in_it(flow: Flow) -> None:
    state = signed_in_at_main_menu(flow)
    turn = step(flow, state, SpeechHeard("en español"))
    assert turn.state.node == "main_menu" and turn.state.language == "es"
    assert said(turn) == ["main"]  # in full: the caller has not heard this menu in Spanish
    assert turn.state.sign_in == SignedIn(7)


@pytest.mark.parametrize(
    ("event", "node"),
    [
        (DigitsEntered("1"), "ask_id"),
        (DigitsEntered("2"), "information_end"),
        (DigitsEntered("7"), "other_options"),
        (SpeechHeard("yes I am"), "ask_id"),
        (SpeechHeard("No"), "information_end"),
        (SpeechHeard("None."), "other_options"),
    ],
)
def test_english_keys_and_words(flow: Flow, event: DigitsEntered | SpeechHeard, node: str) -> None:
    turn = step(flow, start(flow).state, event)
    assert turn.state.node == node and turn.state.language == "en"


# -- speech as people say it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "node", "language"),
    [
        ("one", "ask_id", "en"),
        ("One.", "ask_id", "en"),
        ("the first one", "ask_id", "en"),
        ("option two", "information_end", "en"),
        ("seven", "other_options", "en"),
        ("uno", "ask_id", "es"),
        ("dos", "information_end", "es"),
        ("número dos", "information_end", "es"),
        ("el primero", "ask_id", "es"),
        ("7", "other_options", "en"),  # a recogniser that wrote the figure
    ],
)
def test_numbers_said_as_words_pick_the_key_they_name(
    flow: Flow, words: str, node: str, language: str
) -> None:
    turn = step(flow, start(flow).state, SpeechHeard(words))
    assert turn.state.node == node and turn.state.language == language


def test_a_spoken_key_that_no_option_uses_is_not_understood(flow: Flow) -> None:
    state = at(flow, "other_options")  # keys 1 and 9
    turn = step(flow, state, SpeechHeard("two"))
    assert turn.state.node == "other_options" and turn.state.no_match == 1


@pytest.mark.parametrize(
    ("language", "words"), [("en", "agente"), ("es", "representative"), ("en", "representante")]
)
def test_commands_are_understood_in_every_language_of_the_flow(flow: Flow, language: str, words: str) -> None:
    turn = step(flow, at(flow, "other_options", language=language), SpeechHeard(words), OPEN)
    assert isinstance(turn.actions[-1], Transfer) and turn.visited[0] == "representative"


def test_a_command_said_in_a_language_settles_the_call_in_it(flow: Flow) -> None:
    """ "Representante" at the English first menu: the caller speaks Spanish, and is put through in Spanish
    only; a key (0) says nothing of the caller's language, so "please hold" comes in both."""
    spoken = step(flow, start(flow).state, SpeechHeard("representante"), OPEN)
    assert said_in(spoken) == [("transferring", None)]
    assert spoken.state.language == "es" and spoken.state.language_chosen
    keyed = step(flow, start(flow).state, DigitsEntered("0"), OPEN)
    assert said_in(keyed) == [("transferring", "en"), ("transferring", "es")]
    assert not keyed.state.language_chosen
    helped = step(flow, start(flow).state, SpeechHeard("ayuda"))  # help, in Spanish
    assert helped.state.language == "es" and said_in(helped)[0] == ("first_help", None)


def test_an_unsure_answer_is_asked_back_and_yes_takes_it(flow: Flow) -> None:
    state = signed_in_at_main_menu(flow)
    asked = step(flow, state, SpeechHeard("payments", confidence=0.3))
    assert asked.state.node == "main_menu" and asked.state.confirming == 0
    question = gather(asked)
    assert [say.prompt for say in question.prompts] == ["did_you_say"]
    assert question.prompts[0].values == {"choice": "payments"}
    assert "yes" in question.hints and "no" in question.hints
    for answer in (SpeechHeard("yes"), SpeechHeard("yes, right"), DigitsEntered("1")):
        taken = step(flow, asked.state, answer)
        assert taken.actions[-1] == RunHandler("read_payments"), answer
        assert taken.state.confirming is None


def test_no_to_the_question_asks_the_menu_again_and_any_other_answer_is_an_answer_to_the_menu(
    flow: Flow,
) -> None:
    asked = step(flow, signed_in_at_main_menu(flow), SpeechHeard("payments", confidence=0.3)).state
    for answer in (SpeechHeard("no"), DigitsEntered("2"), SpeechHeard("wrong"), SpeechHeard("no, not right")):
        turn = step(flow, asked, answer)
        assert turn.state.node == "main_menu" and turn.state.confirming is None, answer
        # counted as an answer not understood: a caller who keeps saying no reaches help, then a person
        assert said(turn) == ["unclear_1", "main_short"] and turn.state.no_match == 1
    other = step(flow, asked, SpeechHeard("account number", confidence=0.9))
    assert other.state.node == "account_number"
    silence = step(flow, asked, NoInput())
    assert silence.state.no_input == 1 and silence.state.confirming is None


def test_a_spanish_caller_is_asked_back_in_spanish_words(flow: Flow) -> None:
    state = replace(signed_in_at_main_menu(flow), language="es")
    asked = step(flow, state, SpeechHeard("pagos", confidence=0.2))
    assert gather(asked).prompts[0].values == {"choice": "pagos"}
    assert step(flow, asked.state, SpeechHeard("sí")).actions[-1] == RunHandler("read_payments")


@pytest.mark.parametrize("confidence", [None, 0.5, 0.93])
def test_a_sure_answer_or_one_without_a_confidence_is_taken_at_once(
    flow: Flow, confidence: float | None
) -> None:
    turn = step(flow, signed_in_at_main_menu(flow), SpeechHeard("payments", confidence=confidence))
    assert turn.actions[-1] == RunHandler("read_payments")


def test_a_call_asked_back_replays_the_question_it_was_asked(flow: Flow) -> None:
    asked = step(flow, signed_in_at_main_menu(flow), SpeechHeard("payments", confidence=0.3))
    assert said(replay(flow, asked.state)) == ["did_you_say"]


# -- silence, and callers who need time -----------------------------------------------------------------


def test_a_second_silence_waits_longer_than_the_first(flow: Flow) -> None:
    first = start(flow)
    assert gather(first).timeout_seconds == 6
    second = step(flow, first.state, NoInput(), CLOSED)
    assert gather(second).timeout_seconds == 10
    third = step(flow, second.state, NoInput(), CLOSED)
    assert gather(third).timeout_seconds == 14
    answered = step(flow, third.state, DigitsEntered("7"))
    assert gather(answered).timeout_seconds == 6  # an answer starts the count again


@pytest.mark.parametrize(
    "event",
    [
        SpeechHeard("relay"),
        SpeechHeard("Relay call."),
        SpeechHeard("operadora de relevo"),
        DigitsEntered("#"),
    ],
)
def test_a_relay_caller_asks_for_time_at_any_question(flow: Flow, event: object) -> None:
    turn = step(flow, start(flow).state, event)  # type: ignore[arg-type]
    assert turn.state.relay and turn.state.node == "caller_type"
    assert said(turn)[0] == "relay_on" and said(turn)[-1] == "first"
    assert gather(turn).timeout_seconds == 30
    assert turn.state.no_input == 0 and turn.state.no_match == 0


def test_relay_time_lasts_the_whole_call_and_silences_never_hang_up_while_answers_come(flow: Flow) -> None:
    state = step(flow, start(flow).state, SpeechHeard("relay")).state
    for _ in range(5):  # the flow's relay max_no_input is 6: five silences in a row still ask again
        turn = step(flow, state, NoInput(), CLOSED)
        assert not turn.state.ended and turn.state.node == "caller_type"
        state = turn.state
    assert gather(turn).timeout_seconds == 30 + 5 * 4
    answered = step(flow, state, DigitsEntered("7"))
    assert answered.state.no_input == 0 and gather(answered).timeout_seconds == 30
    state = answered.state
    for _ in range(5):
        state = step(flow, state, NoInput(), CLOSED).state
    assert not state.ended and state.node == "other_options"
    assert step(flow, state, NoInput(), CLOSED).state.ended


def test_relay_words_at_a_question_that_takes_digits(flow: Flow) -> None:
    state = replace(signed_in_at_main_menu(flow), node="account_number")
    turn = step(flow, state, SpeechHeard("relay"))
    assert turn.state.relay and turn.state.node == "account_number" and gather(turn).timeout_seconds == 30


def test_silence_escalates_short_prompt_then_help_then_goodbye_in_both_languages_when_closed(
    flow: Flow,
) -> None:
    first = step(flow, start(flow).state, NoInput(), CLOSED)
    assert said(first) == ["silence_1", "offer_es", "first_short"]
    second = step(flow, first.state, NoInput(), CLOSED)
    assert said(second) == ["silence_2", "offer_es", "first_help"]
    third = step(flow, second.state, NoInput(), CLOSED)
    # a caller who has not chosen a language is not sent off in one they may not speak
    assert said_in(third) == [("goodbye_no_response", "en"), ("goodbye_no_response", "es")]
    assert isinstance(third.actions[-1], Hangup) and third.state.ended


def test_a_goodbye_after_a_language_was_chosen_is_in_that_language_only(flow: Flow) -> None:
    state = at(flow, "information_end", language="es")
    turn = step(flow, state, DigitsEntered("9"))
    assert said_in(turn) == [("goodbye", None)] and turn.state.ended


def test_attempts_run_out_to_a_representative_during_hours(flow: Flow) -> None:
    state = start(flow).state
    for _ in range(2):
        state = step(flow, state, SpeechHeard("banana"), OPEN).state
    turn = step(flow, state, SpeechHeard("banana"), OPEN)
    assert said(turn) == ["transferring_after_trouble", "transferring_after_trouble"]
    assert turn.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)
    assert not turn.state.ended and turn.state.node == "after_trouble"


def test_no_input_and_no_match_are_counted_separately(flow: Flow) -> None:
    state = start(flow).state
    for event in (NoInput(), SpeechHeard("banana"), NoInput(), SpeechHeard("pizza")):
        state = step(flow, state, event).state
    assert (state.node, state.no_input, state.no_match) == ("caller_type", 2, 2)
    assert said(step(flow, state, DigitsEntered("5")))[0] == "goodbye_no_response"


def test_an_unknown_key_is_a_no_match(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("5"))
    assert said(turn) == ["unclear_1", "offer_es", "first_short"]
    assert turn.state.no_match == 1


def test_star_repeats_without_counting_a_failure(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("*"))
    assert said(turn) == ["offer_es", "first"]
    assert (turn.state.no_input, turn.state.no_match) == (0, 0)


# -- a menu heard once is said short --------------------------------------------------------------------


def test_a_menu_heard_in_full_is_said_short_the_next_time_and_star_says_it_all(flow: Flow) -> None:
    first = step(
        flow, at(flow, "authenticate", sign_in=Claimed(7)), HandlerFinished("ok", sign_in=PinAccepted(7))
    )
    assert said(first) == ["signed_in", "main"] and first.state.heard == ("main_menu",)
    payments = step(flow, first.state, DigitsEntered("1"))
    values: Values = {"balance": Money(100), "payments": ()}
    back = step(flow, payments.state, HandlerFinished("payer", values=values))
    assert said(back) == ["balance", "main_short"]
    assert said(step(flow, back.state, DigitsEntered("*"))) == ["main"]
    assert said(replay(flow, back.state)) == ["main_short"]
    assert said(replay(flow, back.state, full=True)) == ["main"]  # a caller who may have missed a reply


def test_state_round_trips_through_json_with_everything_the_call_learned(flow: Flow) -> None:
    state = step(flow, start(flow).state, DigitsEntered("9")).state.with_counters((("sign_in_failures", 2),))
    state = replace(state, relay=True, heard=("main_menu",), confirming=2, epoch="3f9a1c2e")
    assert CallState.from_json(state.to_json()) == state


def test_a_state_written_before_it_had_an_epoch_reads_with_none_and_names_its_turns() -> None:
    """A call in progress during the upgrade: its turns are named with an empty epoch, and a new start
    of the call draws one (ivr.runtime.conversation), so no turn of another start shares their names."""
    written = '{"call_id":"CA1","flow_version":"v1","node":"main_menu","language":"en","turn":4}'
    state = CallState.from_json(written)
    assert state.epoch == "" and state.turn_name == ":4"
    assert replace(state, epoch="0b7d44a1").turn_name == "0b7d44a1:4"


def test_an_answer_is_the_calls_only_at_the_turn_and_start_that_asked_it() -> None:
    state = CallState("CA1", "v1", "main_menu", "en", turn=4, epoch="0b7d44a1")
    assert AskedTurn(4, "0b7d44a1").is_current(state)
    assert not AskedTurn(3, "0b7d44a1").is_current(state)  # repeated or late
    assert not AskedTurn(4, "3f9a1c2e").is_current(state)  # asked by a start whose state was lost
    assert not AskedTurn(4, "").is_current(state)  # asked by a state from before epochs, since begun again
    # A question asked before questions carried their epoch names its turn number of any start.
    assert AskedTurn(4).is_current(state) and not AskedTurn(5).is_current(state)
    assert AskedTurn(4, "").is_current(replace(state, epoch=""))


# -- the rest of the flow --------------------------------------------------------------------------------


def test_information_is_said_then_offered_again(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("2"))
    assert said(turn) == ["information", "information_end"]
    again = step(flow, turn.state, SpeechHeard("again"))
    assert said(again) == ["information", "information_end"]
    bye = step(flow, again.state, DigitsEntered("9"))
    assert said(bye) == ["goodbye"] and isinstance(bye.actions[-1], Hangup) and bye.state.ended


@pytest.mark.parametrize("digits", ["12345678", "12345678901", "12345678*"])
def test_an_id_of_the_wrong_length_is_re_prompted(flow: Flow, digits: str) -> None:
    turn = step(flow, at(flow, "ask_id"), DigitsEntered(digits))
    assert turn.state.node == "ask_id"
    assert said(turn) == ["id_wrong", "ask_id"]


@pytest.mark.parametrize("digits", ["1000000001", "123456789", "123456789#"])
def test_nine_or_ten_digits_go_to_the_identify_handler_without_entering_the_state(
    flow: Flow, digits: str
) -> None:
    turn = step(flow, at(flow, "ask_id"), DigitsEntered(digits))
    assert turn.state.node == "identify"
    assert turn.actions[-1] == RunHandler("identify_caller", digits.rstrip("#"))
    assert digits.rstrip("#") not in turn.state.to_json()


def test_secret_inputs_take_keys_only(flow: Flow) -> None:
    turn = step(flow, start(flow).state, DigitsEntered("1"))
    question = gather(turn)
    assert question.secret and question.finish_key == "#" and question.max_digits == 10
    spoken_id = SpeechHeard("one zero zero zero zero zero zero zero zero one")
    assert step(flow, turn.state, spoken_id).state.node == "ask_id"


def test_handler_outcomes_map_to_nodes_and_carry_ids_not_digits(flow: Flow) -> None:
    at_identify = step(flow, at(flow, "ask_id"), DigitsEntered("1000000001")).state
    turn = step(flow, at_identify, HandlerFinished("ok", sign_in=IdEntered(7)))
    assert turn.state.node == "ask_pin" and turn.state.sign_in == Claimed(7)
    at_auth = step(flow, turn.state, DigitsEntered("2468")).state
    assert at_auth.node == "authenticate"
    signed_in = step(flow, at_auth, HandlerFinished("ok", sign_in=PinAccepted(7)))
    assert signed_in.state.sign_in == SignedIn(7)
    assert said(signed_in) == ["signed_in", "main"]


def test_failed_sign_in_goes_back_to_the_id_question(flow: Flow) -> None:
    turn = step(
        flow, at(flow, "authenticate", sign_in=Claimed(7)), HandlerFinished("failed", sign_in=PinRefused())
    )
    assert said(turn) == ["sign_in_failed", "ask_id"]
    assert turn.state.failed_sign_ins == 1 and turn.state.sign_in == Anonymous()


def test_payment_values_reach_the_prompts_one_line_per_payment(flow: Flow) -> None:
    state = at(flow, "payments", sign_in=SignedIn(2), heard=("main_menu",))
    payments: Value = (
        {"amount": Money(40000), "date": dt.date(2026, 11, 2)},
        {"amount": Money(40000), "date": dt.date(2026, 10, 3)},
    )
    turn = step(
        flow, state, HandlerFinished("payer", values={"balance": Money(123456), "payments": payments})
    )
    assert said(turn) == ["balance", "payment_item", "payment_item", "main_short"]
    items = [a for a in turn.actions if isinstance(a, Say) and a.prompt == "payment_item"]
    assert [item.values["date"] for item in items] == [dt.date(2026, 11, 2), dt.date(2026, 10, 3)]


def test_an_unknown_outcome_takes_the_error_path(flow: Flow) -> None:
    turn = step(flow, at(flow, "payments", sign_in=SignedIn(2)), HandlerFinished("error"))
    assert said(turn) == ["no_case", "main"]


def test_hang_up_ends_the_call_and_later_events_only_hang_up(flow: Flow) -> None:
    ended = step(flow, start(flow).state, CallEnded())
    assert ended.state.ended and ended.actions == ()
    assert step(flow, ended.state, DigitsEntered("1")).actions == (Hangup(),)


def test_turns_count_caller_answers(flow: Flow) -> None:
    first = start(flow)
    assert first.state.turn == 1
    assert step(flow, first.state, NoInput()).state.turn == 2


def test_a_call_can_start_in_a_preferred_language(flow: Flow) -> None:
    assert step(flow, None, CallStarted("CA2", language="es")).state.language == "es"
    assert step(flow, None, CallStarted("CA3", language="fr")).state.language == "en"


def test_events_never_show_digits_or_words_in_their_repr() -> None:
    assert "2468" not in repr(DigitsEntered("2468"))
    assert "2468" not in repr(RunHandler("authenticate", "2468"))
    assert "secret words" not in repr(SpeechHeard("secret words"))


def test_help_says_the_node_help_and_asks_again(flow: Flow) -> None:
    turn = step(flow, start(flow).state, SpeechHeard("help"))
    assert said(turn) == ["first_help", "offer_es", "first"]
    assert (turn.state.no_input, turn.state.no_match) == (0, 0)
    assert said(step(flow, at(flow, "ask_id"), SpeechHeard("help"))) == ["help_default", "ask_id"]


def test_back_retraces_the_questions_asked(flow: Flow) -> None:
    state = step(flow, start(flow).state, DigitsEntered("7")).state
    assert state.node == "other_options" and state.history == ("caller_type",)
    back = step(flow, state, SpeechHeard("go back"))
    assert back.state.node == "caller_type" and back.state.history == ()
    assert said(back) == ["offer_es", "first"]
    assert said(step(flow, back.state, SpeechHeard("back"))) == ["offer_es", "first"]  # nowhere further back


def test_signing_in_clears_the_way_back_into_the_sign_in_questions(flow: Flow) -> None:
    state = signed_in_at_main_menu(flow)
    assert state.node == "main_menu" and state.history == ()
    assert step(flow, state, SpeechHeard("atrás")).state.node == "main_menu"


def test_main_menu_command_before_and_after_sign_in(flow: Flow) -> None:
    other_options = step(flow, start(flow).state, DigitsEntered("7")).state
    assert step(flow, other_options, SpeechHeard("main menu")).state.node == "caller_type"
    signed_in = signed_in_at_main_menu(flow)
    payments = step(flow, signed_in, DigitsEntered("1")).state
    assert payments.node == "payments"
    at_menu = step(flow, payments, HandlerFinished("no_case")).state
    assert step(flow, at_menu, SpeechHeard("main menu")).state.node == "main_menu"


def test_zero_reaches_a_representative_during_hours(flow: Flow) -> None:
    turn = step(flow, at(flow, "other_options"), DigitsEntered("0"), OPEN)
    assert said(turn) == ["transferring"]
    assert turn.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)


@pytest.mark.parametrize(
    ("outcome", "heard"), [("busy", "busy"), ("no_answer", "no_answer"), ("failed", "failed")]
)
def test_a_transfer_nobody_takes_says_so_and_offers_a_way_on(flow: Flow, outcome: str, heard: str) -> None:
    transferring = step(flow, at(flow, "other_options"), DigitsEntered("0"), OPEN).state
    turn = step(flow, transferring, TransferEnded(outcome), OPEN)
    assert said(turn) == [heard, "way_on"]
    assert turn.state.node == "way_on" and turn.state.turn == transferring.turn + 1
    again = step(flow, turn.state, DigitsEntered("1"), OPEN)
    assert again.actions[-1] == Transfer(number="+18005550100", ring_seconds=30, returns=True)
    menu = step(
        flow, turn.state, DigitsEntered("2"), OPEN
    )  # the main_menu command: before sign-in, the first menu
    assert menu.state.node == "caller_type" and said(menu) == ["offer_es", "first"]


def test_a_transfer_the_representative_ended_ends_the_call(flow: Flow) -> None:
    transferring = step(flow, at(flow, "other_options"), DigitsEntered("0"), OPEN).state
    turn = step(flow, transferring, TransferEnded("completed"), OPEN)
    assert turn.actions == (Hangup(),) and turn.state.ended


def test_the_end_of_a_transfer_reaching_a_call_at_a_question_changes_nothing(flow: Flow) -> None:
    at_question = start(flow).state
    turn = step(flow, at_question, TransferEnded("busy"), OPEN)
    assert turn.state == at_question and said(turn) == ["offer_es", "first"]


def test_a_call_being_transferred_moves_only_when_the_transfer_ends(flow: Flow) -> None:
    transferring = step(flow, at(flow, "other_options"), DigitsEntered("0"), OPEN).state
    for stray in (DigitsEntered("1"), NoInput(), SpeechHeard("representative")):
        turn = step(flow, transferring, stray, OPEN)
        # where the call stands, changing nothing: the transfer again, not silence (which ends a call)
        assert turn.state == transferring
        assert turn.actions == (Transfer(number="+18005550100", ring_seconds=30, returns=True),)


@pytest.mark.parametrize("closed_at", [CLOSED, HOLIDAY, None])
def test_a_representative_out_of_hours_returns_the_caller_to_the_question(
    flow: Flow, closed_at: dt.datetime | None
) -> None:
    state = step(flow, start(flow).state, DigitsEntered("7")).state
    turn = step(flow, state, SpeechHeard("representative"), closed_at)
    assert said(turn) == ["closed_now", "other"]
    assert turn.state.node == "other_options" and not turn.state.ended
    assert turn.state.history == ("caller_type",)


def test_zero_at_an_input_is_the_representative_command(flow: Flow) -> None:
    turn = step(flow, at(flow, "ask_id"), DigitsEntered("0"), OPEN)
    assert isinstance(turn.actions[-1], Transfer)


def test_a_turn_says_when_the_answer_was_not_taken(flow: Flow) -> None:
    """The funnel counts silences and answers not understood from the turn itself, also the last one that
    sends the caller on to on_exhausted."""
    started = start(flow)
    silence = step(flow, started.state, NoInput())
    assert silence.retry == "no_input" and silence.state.node == "caller_type"
    state = silence.state
    for _ in range(flow.defaults.max_no_match):
        turn = step(flow, state, DigitsEntered("8"))
        assert turn.retry == "no_match"
        state = turn.state
    assert turn.visited[0] == flow.defaults.on_exhausted
    assert step(flow, started.state, DigitsEntered("1")).retry is None


@pytest.mark.parametrize(
    ("event", "chosen"),
    [
        (DigitsEntered("2"), 1),
        (SpeechHeard("sí, soy yo"), 0),
        (DigitsEntered("9"), 3),
        (SpeechHeard("banana"), None),
    ],
)
def test_a_turn_names_the_option_its_answer_picked(flow: Flow, event: object, chosen: int | None) -> None:
    """Coverage and the console read the option from the engine, not from a second copy of its rules."""
    turn = step(flow, start(flow).state, event)  # type: ignore[arg-type]
    assert turn.chosen == chosen


@pytest.mark.parametrize("words", ["tengo una pregunta", "hold on one second", "I have two questions"])
def test_a_word_that_names_a_key_inside_a_sentence_picks_nothing(flow: Flow, words: str) -> None:
    """ "uno", "one", "two" are everyday words: only an answer that is the key's name alone picks it."""
    turn = step(flow, start(flow).state, SpeechHeard(words))
    assert turn.retry is not None and turn.state.node == "caller_type" and turn.chosen is None


@pytest.mark.parametrize(
    "words", ["mi inglés es malo, prefiero español", "sorry I do not speak spanish at all"]
)
def test_a_language_named_inside_a_sentence_switches_nothing(flow: Flow, words: str) -> None:
    turn = step(flow, start(flow).state, SpeechHeard(words))
    assert turn.state.language == "en" and not turn.state.language_chosen


def test_an_answer_asked_back_is_asked_in_the_words_the_caller_used_and_settles_that_language(
    flow: Flow,
) -> None:
    """ "Información general", unsure, at the English first menu: asked back in Spanish; "sí" takes it and
    the call goes on in Spanish, as the same words heard clearly would have."""
    asked = step(flow, start(flow).state, SpeechHeard("información general", confidence=0.3))
    assert asked.state.language == "es" and asked.state.confirming == 1 and not asked.state.language_chosen
    assert "sí" in gather(asked).hints
    taken = step(flow, asked.state, SpeechHeard("sí"))
    assert taken.state.language == "es" and taken.state.language_chosen
    assert taken.visited[0] == "information"


def test_a_question_asked_back_is_forgotten_once_the_call_moves_or_its_flow_changes(flow: Flow) -> None:
    asked = step(flow, signed_in_at_main_menu(flow), SpeechHeard("payments", confidence=0.3)).state
    assert asked.confirming == 0
    stale = replace(at(flow, "ask_id"), confirming=1)  # left over, as a fall-back to another flow left it
    moved = step(flow, stale, DigitsEntered("1000000002#"))
    assert moved.state.node != "ask_id" and moved.state.confirming is None
    elsewhere = step(flow, replace(asked, flow_version="an-older-version"), DigitsEntered("1"))
    assert elsewhere.actions[-1] == RunHandler(
        "read_payments"
    )  # the 1 of the menu, not "yes" to a stale index


def test_a_call_in_a_language_the_flow_no_longer_has_goes_on_in_its_default(flow: Flow) -> None:
    """An edit removed a language while a call was in it: the call goes on, in the default language."""
    state = replace(at(flow, "caller_type"), language="vi")
    turn = step(flow, state, NoInput())
    assert turn.state.language == "en" and said(turn)[0] == "silence_1"
    assert replay(flow, state).state.language == "en"


def test_what_a_caller_says_is_matched_but_never_kept(flow: Flow) -> None:
    """The flow's phrases are folded once, when it is built (``Flow.phrase``), and only they can be looked
    up: the caller's words are folded afresh every turn and never kept, so a step that asked the flow for a
    caller's words would raise here rather than keep them."""
    assert flow.phrase("español") == FoldedPhrase("espanol", ("espanol",))
    assert flow.phrase("main menu").words == ("main", "menu")
    with pytest.raises(KeyError):
        flow.phrase("my pin is 1357")
    for n in range(50):
        secret = f"my social is 123 45 {6789 + n} and my pin is {1357 + n}"
        for state in (start(flow).state, signed_in_at_main_menu(flow)):
            assert step(flow, state, SpeechHeard(secret)).state.call_id == state.call_id  # no KeyError
    for said in ("Yes", "spanish please", "pagos", "uh, main menu"):  # every kind of phrase met
        step(flow, start(flow).state, SpeechHeard(said))
        step(flow, signed_in_at_main_menu(flow), SpeechHeard(said))
