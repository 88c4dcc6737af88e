"""Values spoken as words, per language: money, dates, times and digit strings.

num2words supplies the cardinal numbers and Babel the month names and date order; the few rules they do
not cover for a listener are here: American English without "and" or commas, Spanish apocope before a
masculine noun ("un dólar", "veintiún centavos") and "de" after an exact million ("un millón de dólares").
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from num2words import num2words

from ivr.core.values import DigitString, Money, Scalar

_CURRENCY_NAMES = {
    ("en", "USD"): (("dollar", "dollars"), ("cent", "cents")),
    ("es", "USD"): (("dólar", "dólares"), ("centavo", "centavos")),
}
_DIGIT_SEPARATOR = {"en": ", ", "es": ", "}


def cardinal(number: int, language: str) -> str:
    words: str = num2words(number, lang=language)
    if language == "en":
        words = words.replace(",", "").replace(" and ", " ")
    return words


def _before_masculine_noun(words: str, language: str) -> str:
    """Spanish drops the final -o of 'uno' before a masculine noun: veintiuno -> veintiún, uno -> un."""
    if language != "es":
        return words
    if words.endswith("veintiuno"):
        return words[: -len("veintiuno")] + "veintiún"
    if words == "uno" or words.endswith(" uno"):
        return words[:-1]
    if words.endswith(("millón", "millones")):
        return words + " de"
    return words


def _count(number: int, names: tuple[str, str], language: str) -> str:
    words = _before_masculine_noun(cardinal(number, language), language)
    return f"{words} {names[0] if number == 1 else names[1]}"


def money(amount: Money, language: str) -> str:
    units_name, subunits_name = _CURRENCY_NAMES[(language, amount.currency)]
    parts = []
    if amount.units or not amount.subunits:
        parts.append(_count(amount.units, units_name, language))
    if amount.subunits:
        parts.append(_count(amount.subunits, subunits_name, language))
    joiner = " and " if language == "en" else " con "
    spoken = joiner.join(parts)
    if amount.cents < 0:
        spoken = ("minus " if language == "en" else "menos ") + spoken
    return spoken


def date(day: dt.date, locale: str) -> str:
    return str(format_date(day, format="long", locale=locale))


def time(moment: dt.time, language: str) -> str:
    """9:30 -> "9:30 in the morning" / "9:30 de la mañana": clear on any TTS voice."""
    if moment.hour == 12 and moment.minute == 0:
        return "noon" if language == "en" else "mediodía"
    hour12 = moment.hour % 12 or 12
    clock = f"{hour12}:{moment.minute:02d}" if moment.minute else f"{hour12}"
    if language == "es":
        part = "de la mañana" if moment.hour < 12 else "de la tarde" if moment.hour < 19 else "de la noche"
        return f"{clock} {part}"
    part = (
        "in the morning" if moment.hour < 12 else "in the afternoon" if moment.hour < 18 else "in the evening"
    )
    return f"{clock} {part}"


def digits(value: DigitString, language: str) -> str:
    return _DIGIT_SEPARATOR.get(language, ", ").join(value.digits)


def spoken(value: Scalar, language: str, locale: str) -> str:
    """One value as the words a voice should say."""
    if isinstance(value, Money):
        return money(value, language)
    if isinstance(value, DigitString):
        return digits(value, language)
    if isinstance(value, dt.datetime):
        return f"{date(value.date(), locale)}, {time(value.time(), language)}"
    if isinstance(value, dt.date):
        return date(value, locale)
    if isinstance(value, dt.time):
        return time(value, language)
    if isinstance(value, int):
        return cardinal(value, language)
    if isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} is said through its prompt, not here")
