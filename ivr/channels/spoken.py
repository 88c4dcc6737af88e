"""Values spoken as words, in any language of the flow: money, dates, times, identifiers and phone numbers.

The words come from data (ivr.channels.vocabulary): the language's ``value_*`` prompts name the currency and
join the parts ("{units} and {cents}", "{date}, at {time}"), num2words says numbers in words, Babel gives
month names, date order, plural categories and the parts of the day (CLDR's "in the afternoon", "de la
tarde"), and phonenumbers groups telephone numbers as the country writes them. A language num2words does not
cover, or whose prompt file names no currency, hears amounts as Babel-formatted figures ("$1,234.56"), which
the voice reads itself.

What no library knows is grammar, kept per language below: American English says numbers without "and" or
commas; Spanish drops the -o of "uno" before a masculine noun ("un dólar", "veintiún centavos"), puts "de"
after an exact million ("un millón de dólares"), and says "a la una" but "a las dos".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from num2words import CONVERTER_CLASSES, num2words

from ivr.channels.vocabulary import VALUES_KEPT, Vocabulary, babel_locale
from ivr.core.values import DigitString, Money, PhoneNumber, Scalar
from ivr.flow.advice import SpeechLibraries

_DIGIT_SEPARATOR = ", "  # an identifier: one digit at a time, a short pause between
_MINUTES = re.compile(r"[:.]mm")


def _same(words: str) -> str:
    return words


@dataclass(frozen=True, slots=True)
class Grammar:
    """A language's rules for putting the words together. Every hook is the identity unless it says more."""

    number: Callable[[str], str] = _same  # a cardinal number, as num2words gave it
    before_noun: Callable[[str], str] = _same  # a number before the currency's (masculine) noun
    at_time: Callable[[str], str] = _same  # a date and time, once joined


def _american_number(words: str) -> str:
    return words.replace(",", "").replace(" and ", " ")


def _spanish_before_noun(words: str) -> str:
    if words.endswith("veintiuno"):
        return words[: -len("veintiuno")] + "veintiún"
    if words == "uno" or words.endswith(" uno"):
        return words[:-1]
    if words.endswith(("millón", "millones")):
        return words + " de"
    return words


_SPANISH_ONE_O_CLOCK = re.compile(r"\ba las 1\b(?![0-9])")


def _spanish_at_time(words: str) -> str:
    return _SPANISH_ONE_O_CLOCK.sub("a la 1", words)


GRAMMAR: dict[str, Grammar] = {
    "en": Grammar(number=_american_number),
    "es": Grammar(before_noun=_spanish_before_noun, at_time=_spanish_at_time),
}


def grammar(language: str) -> Grammar:
    return GRAMMAR.get(language, Grammar())


def words_language(vocabulary: Vocabulary) -> str | None:
    """The num2words language for this vocabulary (its language, its locale, or the locale's language)."""
    for candidate in (vocabulary.language, vocabulary.locale, vocabulary.locale.split("_")[0]):
        if candidate in CONVERTER_CLASSES:
            return candidate
    return None


def libraries() -> SpeechLibraries:
    """What num2words and Babel cover, as this module picks a language's words and locale: for the
    warnings of ``ivr validate`` (ivr.flow.advice)."""
    return SpeechLibraries(
        number_words=lambda language, locale: words_language(Vocabulary(language, locale)),
    )


def cardinal(number: int, vocabulary: Vocabulary) -> str:
    language = words_language(vocabulary)
    if language is None:
        return str(format_decimal(number, locale=vocabulary.locale))
    return _number_words(number, language, vocabulary.language)


@lru_cache(maxsize=VALUES_KEPT)
def _number_words(number: int, words_language: str, language: str) -> str:
    """num2words builds a number's words in Python every time; the numbers said recur (every amount's
    cents, the amounts paid each month), so they are kept (``VALUES_KEPT``)."""
    return grammar(language).number(str(num2words(number, lang=words_language)))


def _named(number: int, noun: str, vocabulary: Vocabulary) -> str | None:
    """``number`` and the currency's ``noun`` in the right plural ("one dollar", "veintiún centavos")."""
    name = vocabulary.word(f"{noun}_{vocabulary.plural(number)}") or vocabulary.word(f"{noun}_other")
    if name is None:
        return None
    count = grammar(vocabulary.language).before_noun(cardinal(number, vocabulary))
    return f"{count} {name}"


def money(amount: Money, vocabulary: Vocabulary) -> str:
    """An amount in words, or in figures where the language lacks number words or the currency's names."""
    parts: list[str | None] = []
    if amount.units or not amount.subunits:
        parts.append(_named(amount.units, amount.currency, vocabulary))
    if amount.subunits:
        parts.append(_named(amount.subunits, f"{amount.currency}_cents", vocabulary))
    joined = vocabulary.word("money") or "{units} {cents}"
    if words_language(vocabulary) is None or None in parts:
        return str(format_currency(amount.cents / 100, amount.currency, locale=vocabulary.locale))
    said = [part for part in parts if part is not None]
    spoken = said[0] if len(said) == 1 else joined.format(units=said[0], cents=said[1])
    if amount.cents < 0:
        spoken = (vocabulary.word("minus") or "- {amount}").format(amount=spoken)
    return spoken


def date(day: dt.date, vocabulary: Vocabulary) -> str:
    return _long_date(day, vocabulary.locale)


@lru_cache(maxsize=VALUES_KEPT)
def _long_date(day: dt.date, locale: str) -> str:
    """Babel parses the locale's pattern on every call; the days said recur (the payments of a month)."""
    return str(format_date(day, format="long", locale=locale))


def time(moment: dt.time, vocabulary: Vocabulary) -> str:
    """The locale's own clock with the part of the day in words: "2 in the afternoon", "9:30 de la mañana"."""
    found = babel_locale(vocabulary.locale)
    pattern = found.time_formats["short"].pattern if found is not None else "HH:mm"
    said = pattern
    if "a" in pattern:
        said = pattern.replace("a", "B")  # CLDR's flexible day periods instead of AM/PM
        if not moment.minute:
            said = _MINUTES.sub("", said)
    try:
        formatted = str(format_time(moment, said, locale=vocabulary.locale))
    except (ValueError, KeyError):  # a locale whose day periods Babel cannot say: its own short time
        formatted = str(format_time(moment, pattern, locale=vocabulary.locale))
    # CLDR puts a narrow no-break space before the part of the day: a plain space for every voice
    return " ".join(formatted.split())


def date_and_time(moment: dt.datetime, vocabulary: Vocabulary) -> str:
    joined = vocabulary.word("date_time") or "{date}, {time}"
    said = joined.format(date=date(moment.date(), vocabulary), time=time(moment.time(), vocabulary))
    return grammar(vocabulary.language).at_time(said)


def digits(value: DigitString) -> str:
    return _DIGIT_SEPARATOR.join(value.digits)


def phone_groups(value: PhoneNumber, region: str) -> list[str]:
    """The number's groups as its country writes them (1, 800, 555, 0100); one group if it cannot be read."""
    try:
        parsed = phonenumbers.parse(value.number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):  # a local 555-0142: its digits as they are
        return ["".join(ch for ch in value.number if ch.isdigit())]
    written = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.RFC3966)
    return written.removeprefix("tel:+").split(";")[0].split("-")


def phone(value: PhoneNumber, vocabulary: Vocabulary) -> str:
    """ "1 8 0 0, 5 5 5, 0 1 0 0": a short pause between groups, none inside one; North America's
    country code 1 is said with the area code, as callers say "1-800"."""
    groups = phone_groups(value, vocabulary.region)
    if len(groups) > 2 and groups[0] == "1":
        groups = [groups[0] + groups[1], *groups[2:]]
    return ", ".join(" ".join(group) for group in groups)


def spoken(value: Scalar, vocabulary: Vocabulary) -> str:
    """One value as the words a voice should say."""
    if isinstance(value, Money):
        return money(value, vocabulary)
    if isinstance(value, DigitString):
        return digits(value)
    if isinstance(value, PhoneNumber):
        return phone(value, vocabulary)
    if isinstance(value, dt.datetime):
        return date_and_time(value, vocabulary)
    if isinstance(value, dt.date):
        return date(value, vocabulary)
    if isinstance(value, dt.time):
        return time(value, vocabulary)
    if isinstance(value, int):
        return cardinal(value, vocabulary)
    if isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} is said through its prompt, not here")
