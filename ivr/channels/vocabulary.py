"""What a channel needs to say or write a value in one language: its locale, the flow's country for telephone
numbers, and the words of the language's prompt file that name values (``value_*`` prompts).

Those words are data like every other prompt: "dollars" and "dólares", "and" and "con", "{date}, at {time}"
and "{date}, a las {time}" live in prompts/<language>.yaml, so a third language brings its own in its own
file. What the prompts do not hold comes from the libraries: numbers in words from num2words, month names,
date order, plural categories and the parts of the day from Babel (the Unicode CLDR data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from babel import Locale, UnknownLocaleError

from ivr.flow.model import VALUE_WORDS_PREFIX, Flow


@dataclass(frozen=True, slots=True)
class Vocabulary:
    language: str
    locale: str
    region: str = "US"  # telephone numbers stored without a country code are this country's
    words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def word(self, name: str) -> str | None:
        """The ``value_<name>`` prompt of this language, if its file has one."""
        return self.words.get(VALUE_WORDS_PREFIX + name) or None

    def plural(self, count: int) -> str:
        """The CLDR plural category of ``count`` in this language ("one", "few", "other" ...)."""
        return _plural(self.locale, count)


# How many values the channels keep in words once made (plural categories here; number words and long
# dates in ivr.channels.spoken), each: the same ones recur all day, and each costs Babel or num2words tens
# of microseconds in Python (docs/performance.md). A few hundred kilobytes a process.
VALUES_KEPT = 4096


@lru_cache(maxsize=VALUES_KEPT)
def _plural(locale: str, count: int) -> str:
    """Babel evaluates the locale's CLDR rule in Python on every call; the counts said recur (cents)."""
    found = babel_locale(locale)
    return "other" if found is None else str(found.plural_form(count))


@lru_cache(maxsize=64)
def babel_locale(locale: str) -> Locale | None:
    """Babel's data for a locale ("es_US"), or None for a locale it does not know."""
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def flow_region(flow: Flow) -> str:
    """The country of the flow's default language's locale (en_US: US): where its numbers are national."""
    spec = flow.languages.get(flow.default_language)
    found = babel_locale(spec.locale) if spec is not None else None
    return (found.territory if found is not None else None) or "US"


# Built once per flow object and language: (the flow, its vocabulary), checked by identity.
_BUILT: dict[tuple[int, str], tuple[Flow, Vocabulary]] = {}
_KEEP = 32  # flows: the live one, and a few that calls of earlier versions still use


def vocabulary(flow: Flow, language: str) -> Vocabulary:
    """The vocabulary of ``language`` in ``flow``."""
    built = _BUILT.get((id(flow), language))
    if built is not None and built[0] is flow:
        return built[1]
    spec = flow.languages[language]
    words = {k: v for k, v in flow.prompts.get(language, {}).items() if k.startswith(VALUE_WORDS_PREFIX)}
    found = Vocabulary(language, spec.locale, flow_region(flow), MappingProxyType(words))
    if len(_BUILT) >= _KEEP:
        _BUILT.clear()
    _BUILT[(id(flow), language)] = (flow, found)
    return found
