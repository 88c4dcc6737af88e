"""Money, dates, times, identifiers and phone numbers as a voice says them, in English and Spanish, with the
words of the shipped prompt files (value_* prompts) and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from ivr.channels.prompts import prompt_text
from ivr.channels.spoken import spoken
from ivr.channels.vocabulary import Vocabulary, vocabulary
from ivr.core.values import DigitString, Money, PhoneNumber, Scalar
from ivr.flow import Flow


@pytest.fixture(scope="module")
def say(flow: Flow) -> dict[str, Vocabulary]:
    return {language: vocabulary(flow, language) for language in flow.languages}


def said(value: Scalar, vocabularies: dict[str, Vocabulary]) -> tuple[str, str]:
    return spoken(value, vocabularies["en"]), spoken(value, vocabularies["es"])


@pytest.mark.parametrize(
    ("cents", "english", "spanish"),
    [
        (
            123456,
            "one thousand two hundred thirty-four dollars and fifty-six cents",
            "mil doscientos treinta y cuatro dólares con cincuenta y seis centavos",
        ),
        (0, "zero dollars", "cero dólares"),
        (100, "one dollar", "un dólar"),
        (50, "fifty cents", "cincuenta centavos"),
        (1, "one cent", "un centavo"),
        (100000000, "one million dollars", "un millón de dólares"),
        (2100, "twenty-one dollars", "veintiún dólares"),
        (3101, "thirty-one dollars and one cent", "treinta y un dólares con un centavo"),
        (
            102475,
            "one thousand twenty-four dollars and seventy-five cents",
            "mil veinticuatro dólares con setenta y cinco centavos",
        ),
        (
            17525,
            "one hundred seventy-five dollars and twenty-five cents",
            "ciento setenta y cinco dólares con veinticinco centavos",
        ),
        (-500, "minus five dollars", "menos cinco dólares"),
    ],
)
def test_money_in_words(cents: int, english: str, spanish: str, say: dict[str, Vocabulary]) -> None:
    assert said(Money(cents), say) == (english, spanish)


@pytest.mark.parametrize(
    ("day", "english", "spanish"),
    [
        (dt.date(2026, 11, 3), "November 3, 2026", "3 de noviembre de 2026"),
        (dt.date(2027, 1, 12), "January 12, 2027", "12 de enero de 2027"),
    ],
)
def test_dates(day: dt.date, english: str, spanish: str, say: dict[str, Vocabulary]) -> None:
    assert said(day, say) == (english, spanish)


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        (dt.time(9, 30), "9:30 in the morning", "9:30 de la mañana"),
        (dt.time(14, 0), "2 in the afternoon", "2 de la tarde"),
        # The parts of the day are CLDR's (through Babel), as each language divides it.
        (dt.time(12, 0), "12 noon", "12 del mediodía"),
        (dt.time(19, 15), "7:15 in the evening", "7:15 de la tarde"),
        (dt.time(21, 0), "9 at night", "9 de la noche"),
    ],
)
def test_times(moment: dt.time, english: str, spanish: str, say: dict[str, Vocabulary]) -> None:
    assert said(moment, say) == (english, spanish)


def test_identifiers_are_read_digit_by_digit(say: dict[str, Vocabulary]) -> None:
    assert spoken(DigitString("2026000101"), say["en"]) == "2, 0, 2, 6, 0, 0, 0, 1, 0, 1"


@pytest.mark.parametrize(
    ("number", "grouped"),
    [
        ("18005550100", "1 8 0 0, 5 5 5, 0 1 0 0"),
        ("+18005550100", "1 8 0 0, 5 5 5, 0 1 0 0"),
        ("9165550142", "1 9 1 6, 5 5 5, 0 1 4 2"),  # national, in the flow's country (en_US: US)
        ("+525512345678", "5 2, 5 5, 1 2 3 4, 5 6 7 8"),  # Mexico City, as Mexico groups it
        ("12", "1 2"),  # not a number anyone can dial: its digits, still never one long run
        ("5550142", "5 5 5 0 1 4 2"),  # seven digits, no area code: said as stored, never "1, 5550142"
    ],
)
def test_phone_numbers_are_said_in_groups(number: str, grouped: str, say: dict[str, Vocabulary]) -> None:
    assert said(PhoneNumber(number), say) == (grouped, grouped)


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        (
            dt.datetime(2027, 1, 12, 14, 0),
            "January 12, 2027, at 2 in the afternoon",
            "12 de enero de 2027, a las 2 de la tarde",
        ),
        (
            dt.datetime(2026, 12, 15, 9, 30),
            "December 15, 2026, at 9:30 in the morning",
            "15 de diciembre de 2026, a las 9:30 de la mañana",
        ),
        (  # "a la una", not "a las una"
            dt.datetime(2026, 12, 15, 13, 30),
            "December 15, 2026, at 1:30 in the afternoon",
            "15 de diciembre de 2026, a la 1:30 de la tarde",
        ),
        (
            dt.datetime(2026, 12, 15, 10, 0),
            "December 15, 2026, at 10 in the morning",
            "15 de diciembre de 2026, a las 10 de la mañana",
        ),
    ],
)
def test_a_date_and_time_together(
    moment: dt.datetime, english: str, spanish: str, say: dict[str, Vocabulary]
) -> None:
    assert said(moment, say) == (english, spanish)


def test_a_locale_whose_day_periods_babel_cannot_say_still_says_the_time() -> None:
    """Babel has no flexible day periods for some locales (ms_Arab): the locale's own short time instead."""
    assert spoken(dt.datetime(2027, 1, 12, 14, 0).time(), Vocabulary("ms", "ms_Arab")) == "2:00 PM"


def test_the_flow_s_phone_numbers_are_said_only_where_a_prompt_says_one(flow: Flow) -> None:
    """Every prompt of every turn is filled in: a number is formatted (phonenumbers parses it) only for a
    prompt that names it, not for every prompt said."""
    formatted: list[Scalar] = []

    def counting(value: Scalar, words: Vocabulary) -> str:
        formatted.append(value)
        return spoken(value, words)

    assert prompt_text(flow, "main_menu", "en", {}, counting).startswith("Main menu.")
    assert formatted == []
    said = prompt_text(flow, "tty_numbers", "en", {}, counting)
    assert formatted == [PhoneNumber("+18005550199"), PhoneNumber("+19165550142")]
    assert (
        said
        == "Our TTY number is 1 8 0 0, 5 5 5, 0 1 9 9. From outside the United States, call 1 9 1 6, 5 5 5, 0 1 4 2."
    )
