"""The text channel: what TTY, SMS and chat callers type, and exactly what they read back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from ivr.channels.text import TextRenderer, TextReply, text_event, written
from ivr.channels.vocabulary import Vocabulary, vocabulary
from ivr.core.values import DigitString, Money, PhoneNumber, Values
from ivr.engine import (
    CallEnded,
    CallStarted,
    DigitsEntered,
    HandlerFinished,
    NoInput,
    SpeechHeard,
    step,
)
from ivr.engine.sign_in import SignedIn
from ivr.flow import Flow
from ivr.media.tty.baudot import TTY_CHARACTERS


@pytest.mark.parametrize(
    ("line", "event"),
    [
        ("1", DigitsEntered("1")),
        ("1000000002 GA", DigitsEntered("1000000002")),
        ("1000 0000 02", DigitsEntered("1000000002")),
        ("2468#", DigitsEntered("2468#")),
        ("si ga", SpeechHeard("si")),
        ("PAGOS GA", SpeechHeard("PAGOS")),
        ("WHAT IS MY BALANCE Q GA", SpeechHeard("WHAT IS MY BALANCE ?")),
        ("Q", SpeechHeard("help")),
        ("QQ GA", SpeechHeard("help")),
        ("", NoInput()),
        ("0" * 300, SpeechHeard("0" * 300)),  # more keys than a telephone sends at once: not understood
        ("GA", NoInput()),
        ("THANKS SK", CallEnded()),
        ("SKSK", CallEnded()),
    ],
)
def test_typed_lines(line: str, event: object) -> None:
    assert text_event(line) == event


def test_values_are_written_as_figures(flow: Flow) -> None:
    en, es = vocabulary(flow, "en"), vocabulary(flow, "es")
    assert written(Money(123456), en) == "$1,234.56"
    assert written(Money(100), es) == "$1.00"
    assert written(dt.date(2026, 11, 3), en) == "Nov 3 2026"
    assert written(dt.date(2026, 11, 3), es) == "3 nov 2026"
    assert written(dt.datetime(2026, 12, 15, 9, 30), en) == "Dec 15 2026 9:30 AM"
    assert written(dt.datetime(2026, 12, 15, 21, 30), es) == "15 dic 2026 9:30 pm"
    assert written(DigitString("2026000101"), en) == "2026000101"
    assert written(PhoneNumber("18005550100"), en) == "1-800-555-0100"
    assert written(PhoneNumber("+525512345678"), es) == "52-55-1234-5678"


def test_the_first_turn_in_tty_style(flow: Flow) -> None:
    """The TTY variants of prompts/tty/: the first question can be read within about ten seconds."""
    reply = TextRenderer(flow).render(step(flow, None, CallStarted("T1")))
    assert reply.lines == ("CHILD SUPPORT", "ESPANOL 9", "PARENT? 1 YES 2 NO", "GA")
    assert not reply.ended
    assert all(len(line) <= 40 and set(line) <= TTY_CHARACTERS for line in reply.lines)


def test_sms_and_chat_in_plain_style_keep_the_full_prompts(flow: Flow) -> None:
    plain = TextRenderer(flow, tty=False).render(step(flow, None, CallStarted("T1")))
    assert plain.lines[0] == "Welcome to Customer Connect, the child support information line."
    assert plain.lines[1] == "Para español, marque 9."
    # the SMS form of the question: "Yes" is Twilio's own keyword on SMS
    assert plain.lines[2].startswith("If you are a parent or legal guardian, press 1. If not, press 2")


def test_spanish_in_tty_style_and_plain_style(flow: Flow) -> None:
    state = step(flow, None, CallStarted("T1")).state
    turn = step(flow, state, DigitsEntered("9"))
    tty = TextRenderer(flow).render(turn)
    # the first menu always offers the other language, in that language
    assert tty.lines == ("ENGLISH 9", "PADRE O TUTOR? 1 SI 2 NO", "GA")
    plain = TextRenderer(flow, tty=False).render(turn)
    assert plain.lines == (
        "For English, press 9.",
        "Si usted es padre o tutor legal, marque 1 o escriba Sí. Si no lo es, marque 2 o escriba No. "
        "Para otras opciones, marque 7 o escriba Ninguno.",
    )


def test_payments_in_figures_and_the_end_of_the_call(flow: Flow) -> None:
    state = replace(step(flow, None, CallStarted("T1")).state, node="payments", sign_in=SignedIn(2))
    values: Values = {
        "balance": Money(123456),
        "payments": ({"amount": Money(40000), "date": dt.date(2026, 11, 2)},),
    }
    reply = TextRenderer(flow).render(step(flow, state, HandlerFinished("payer", values=values)))
    text = " ".join(reply.lines)
    assert "YOUR CURRENT BALANCE DUE IS $1,234.56." in text and "$400.00, PAID ON NOV 2 2026." in text
    goodbye = TextRenderer(flow).render(step(flow, replace(state, node="main_menu"), DigitsEntered("9")))
    assert goodbye.ended and goodbye.lines[-1] == "SK"


def test_a_pin_question_has_no_pound_key_on_a_tty(flow: Flow) -> None:
    state = step(flow, None, CallStarted("T1")).state
    at_gate = step(flow, state, DigitsEntered("1")).state
    at_id = step(flow, at_gate, HandlerFinished("available"))
    assert TextRenderer(flow).render(at_id).lines == ("ENTER YOUR PARTICIPANT ID OR SSN", "GA")
    # A prompt with no TTY variant is the voice prompt with "then press pound" taken out.
    assert TextRenderer(flow).prompt_lines("ask_pin", "en") == ("ENTER YOUR PIN.",)
    assert TextRenderer(flow, tty=False).render(at_id).lines == (
        "Enter your participant ID or Social Security number.",
    )


def test_long_tty_text_is_paged_with_more_and_a_reply_that_ends_the_call_is_not() -> None:
    reply = TextReply((*tuple(f"LINE {n}" for n in range(1, 12)), "GA"), ended=False)
    pages = reply.pages(4, ("MORE: TYPE GA",))
    assert pages == [
        "LINE 1\nLINE 2\nLINE 3\nLINE 4\nMORE: TYPE GA\nGA",
        "LINE 5\nLINE 6\nLINE 7\nLINE 8\nMORE: TYPE GA\nGA",
        "LINE 9\nLINE 10\nLINE 11\nGA",
    ]
    assert TextReply((*reply.lines[:6], "GA"), ended=False).pages(4, ("MORE",)) == [
        "\n".join((*reply.lines[:6], "GA"))  # two lines over a page: not worth a page of their own
    ]
    assert TextReply((*reply.lines[:-1], "SK"), ended=True).pages(4, ("MORE",)) == [
        "\n".join((*reply.lines[:-1], "SK"))
    ]


def test_a_text_message_reads_the_sms_form_of_a_prompt(flow: Flow) -> None:
    """caller_type_sms leaves out "Yes", which Twilio answers itself on SMS; a TTY caller may type it."""
    first = step(flow, None, CallStarted("T1"))
    sms = TextRenderer(flow, tty=False).render(first)
    assert (
        sms.lines[-1]
        == "If you are a parent or legal guardian, press 1. If not, press 2 or type No. For other options, press 7 or type None."
    )
    assert "YES" in " ".join(TextRenderer(flow).render(first).lines)
    spanish = TextRenderer(flow, tty=False).render(step(flow, first.state, DigitsEntered("9")))
    assert "escriba Sí" in spanish.lines[-1]  # Spanish has no SMS form: "Sí" is no keyword


@pytest.mark.parametrize(
    ("locale", "date_written", "time_written"),
    [("de_DE", "03.11.2026", "09:30"), ("fi_FI", "3.11.2026", "9.30"), ("es_US", "3 nov 2026", "9:30 am")],
)
def test_a_third_language_s_dates_keep_the_dots_between_their_figures(
    locale: str, date_written: str, time_written: str
) -> None:
    """Only an abbreviation's dot goes ("nov.", "a.m."): "03.11.2026" written "03112026" says nothing."""
    words = Vocabulary(locale[:2], locale)
    assert written(dt.date(2026, 11, 3), words) == date_written
    assert written(dt.time(9, 30), words) == time_written
