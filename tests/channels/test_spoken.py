"""Money, dates, times and identifiers as a voice says them, in English and Spanish."""

from __future__ import annotations

import datetime as dt

import pytest

from ivr.channels.spoken import spoken
from ivr.core.values import DigitString, Money

LOCALES = {"en": "en_US", "es": "es_US"}


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
def test_money_in_words(cents: int, english: str, spanish: str) -> None:
    assert spoken(Money(cents), "en", "en_US") == english
    assert spoken(Money(cents), "es", "es_US") == spanish


@pytest.mark.parametrize(
    ("day", "english", "spanish"),
    [
        (dt.date(2026, 11, 3), "November 3, 2026", "3 de noviembre de 2026"),
        (dt.date(2027, 1, 12), "January 12, 2027", "12 de enero de 2027"),
    ],
)
def test_dates(day: dt.date, english: str, spanish: str) -> None:
    assert spoken(day, "en", "en_US") == english
    assert spoken(day, "es", "es_US") == spanish


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        (dt.time(9, 30), "9:30 in the morning", "9:30 de la mañana"),
        (dt.time(14, 0), "2 in the afternoon", "2 de la tarde"),
        (dt.time(12, 0), "noon", "mediodía"),
        (dt.time(19, 15), "7:15 in the evening", "7:15 de la noche"),
    ],
)
def test_times(moment: dt.time, english: str, spanish: str) -> None:
    assert spoken(moment, "en", "en_US") == english
    assert spoken(moment, "es", "es_US") == spanish


def test_identifiers_are_read_digit_by_digit() -> None:
    assert spoken(DigitString("2026000101"), "en", "en_US") == "2, 0, 2, 6, 0, 0, 0, 1, 0, 1"


def test_a_date_and_time_together() -> None:
    moment = dt.datetime(2026, 12, 15, 9, 30)
    assert spoken(moment, "es", "es_US") == "15 de diciembre de 2026, 9:30 de la mañana"
