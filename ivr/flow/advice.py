"""Advice on a loaded flow: things the flow may do, but that an operator should know before a caller meets them.

A problem (ivr.flow.checks) stops a flow from being used; a warning does not. ``advise`` returns warnings in
the checks' form (a ``Problem``: the message and the YAML path it is about), so that
``ivr.flow.loader.locate`` gives them their file, line and column, and ``ivr validate`` prints them. Pure: it
reads the flow and nothing else. What the speech libraries cover (num2words, Babel) is asked through
``SpeechLibraries``, which the layer that uses them passes in (``ivr.channels.spoken.libraries``): the flow
layer does not import the channels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ivr.flow.errors import Problem
from ivr.flow.model import VALUE_WORDS_PREFIX, Flow, HangupNode, MenuNode, MessageNode


@dataclass(frozen=True, slots=True)
class SpeechLibraries:
    """What the libraries that say values cover."""

    # (language, locale) -> the num2words language that says its numbers, or None when num2words has none
    number_words: Callable[[str, str], str | None]


def advise(flow: Flow, libraries: SpeechLibraries | None = None) -> list[Problem]:
    """Every warning about a flow that loaded without problems. Without ``libraries``, whether num2words
    covers each language is not asked (a locale Babel does not know is a problem: ivr.flow.checks)."""
    return [
        *_end_call_key(flow),
        *_language_gaps(flow, libraries),
        *_language_next(flow),
    ]


# -- 1. one key ends the call ----------------------------------------------------------------------


def _ends_call(flow: Flow, node_id: str) -> bool:
    """Whether reaching ``node_id`` ends the call: a hangup node, or messages that lead on to one."""
    seen: set[str] = set()
    while node_id not in seen:
        seen.add(node_id)
        node = flow.nodes.get(node_id)
        if isinstance(node, HangupNode):
            return True
        if not isinstance(node, MessageNode):
            return False
        node_id = node.next
    return False


def _end_call_key(flow: Flow) -> Iterator[Problem]:
    """Menus that end the call on another key than ``defaults.end_call_key``, or use that key for anything
    else. Left alone, as they make no sense to check:

    - options that switch language: the first menu offers "Español" on 9 before any caller knows the
      convention, and switching language is no step in the flow;
    - options without a key (words only): there is nothing to press;
    - menus where every option ends the call (say, a closing survey: "press 1 to 5"): their keys are
      answers, not a way out, and any of them ends the call as the caller expects.
    """
    end_key = flow.defaults.end_call_key
    if end_key is None:
        return
    for node_id, node in flow.nodes.items():
        if not isinstance(node, MenuNode):
            continue
        keyed = [
            (index, option)
            for index, option in enumerate(node.options)
            if option.key is not None and option.language is None
        ]
        ending = {
            index for index, option in keyed if option.next is not None and _ends_call(flow, option.next)
        }
        if len(ending) == len(keyed):
            continue
        for index, option in keyed:
            where = f"nodes.{node_id}.options.{index}.key"
            if index in ending and option.key != end_key:
                yield Problem(
                    f"menu '{node_id}' ends the call on key {option.key} (option {index + 1} leads to "
                    f"'{option.next}'), but {end_key} is the key that ends the call (defaults.end_call_key): "
                    f"callers who learned that {end_key} ends the call will not find it here",
                    yaml_path=where,
                )
            elif index not in ending and option.key == end_key:
                goes = f"leads to '{option.next}'" if option.next else f"does what {option.command} does"
                yield Problem(
                    f"menu '{node_id}' uses key {end_key} for something else (option {index + 1} {goes}), "
                    f"but {end_key} is the key that ends the call everywhere (defaults.end_call_key): a caller "
                    "who presses it to hang up goes on instead",
                    yaml_path=where,
                )


# -- 2. what a language lacks ----------------------------------------------------------------------

# Language codes whose speech tags may use another (older or more precise) code: Google's "iw-IL" for
# Hebrew, "cmn-Hans-CN" for Mandarin, "nb-NO" for Norwegian.
_SAME_LANGUAGE = {"he": {"iw"}, "id": {"in"}, "zh": {"cmn", "yue"}, "no": {"nb", "nn"}, "nb": {"no"}}

# Amazon Polly voices (Twilio's Polly.<Name>, with or without -Neural or -Generative) and the languages
# each speaks. A voice not listed here, and Twilio's basic voices (man, woman, alice), are not judged.
_POLLY_VOICES: dict[str, frozenset[str]] = {
    name.lower(): frozenset(codes.split())
    for codes, names in (
        (
            "en",
            "Joanna Matthew Ivy Justin Kendra Kimberly Salli Joey Kevin Ruth Stephen Gregory Danielle Patrick "
            "Amy Emma Brian Arthur Olivia Nicole Russell Aria Ayanda Niamh Raveena Geraint Jasmine",
        ),
        ("en hi", "Aditi Kajal"),
        ("es", "Lupe Penelope Penélope Miguel Pedro Conchita Lucia Lucía Enrique Sergio Mia Andres Andrés"),
        ("fr", "Celine Céline Mathieu Lea Léa Remi Rémi Chantal Gabrielle Liam Isabelle"),
        ("de", "Hans Marlene Vicki Daniel Hannah Sabrina"),
        ("it", "Carla Giorgio Bianca Adriano"),
        ("pt", "Camila Vitoria Vitória Ricardo Thiago Ines Inês Cristiano"),
        ("ja", "Mizuki Takumi Kazuha Tomoko"),
        ("ko", "Seoyeon"),
        ("zh", "Zhiyu Hiujin"),
        ("ru", "Tatyana Maxim"),
        ("tr", "Filiz Burcu"),
        ("ar", "Zeina Hala Zayd"),
        ("nl", "Lotte Ruben Laura Lisa"),
        ("pl", "Jacek Jan Ewa Maja Ola"),
        ("sv", "Astrid Elin"),
        ("no nb", "Liv Ida"),
        ("da", "Naja Mads Sofie"),
        ("is", "Dora Dóra Karl"),
        ("ro", "Carmen"),
        ("cy", "Gwyneth"),
        ("fi", "Suvi"),
        ("ca", "Arlet"),
    )
    for name in names.split()
}


def _speaks(code: str, tag_language: str) -> bool:
    tag_language = tag_language.lower()
    return tag_language == code or tag_language in _SAME_LANGUAGE.get(code, set())


def voice_languages(voice: str) -> frozenset[str] | None:
    """The languages a Twilio voice speaks, when its name tells: Google.<tag>-..., or a Polly voice this
    module knows; None for any other voice."""
    family, _, name = voice.partition(".")
    if family == "Google" and "-" in name:
        return frozenset({name.split("-")[0].lower()})
    if family == "Polly":
        return _POLLY_VOICES.get(name.split("-")[0].lower())
    return None


def _language_gaps(flow: Flow, libraries: SpeechLibraries | None) -> Iterator[Problem]:
    default = flow.default_language
    default_words = sorted(p for p in flow.prompts.get(default, {}) if p.startswith(VALUE_WORDS_PREFIX))
    for code, spec in flow.languages.items():
        base = f"languages.{code}"
        if code != default:
            catalogue = flow.prompts.get(code, {})
            for prompt_id in default_words:
                if prompt_id not in catalogue:
                    yield Problem(
                        f"'{prompt_id}' has no {spec.name} text in prompts/{code}.yaml: {spec.name} callers "
                        f"hear {_without_value_word(prompt_id[len(VALUE_WORDS_PREFIX) :])}; add it there",
                        file=f"prompts/{default}.yaml",
                        yaml_path=prompt_id,
                    )
        locale_language = spec.locale.replace("-", "_").split("_")[0]
        if not _speaks(code, locale_language):
            yield Problem(
                f"the locale of {spec.name} ({code}), '{spec.locale}', is for another language: its numbers, "
                f"dates and plural forms would be those of '{locale_language}'",
                yaml_path=f"{base}.locale",
            )
        if libraries is not None and libraries.number_words(code, spec.locale) is None:
            yield Problem(
                f"num2words has no number words for {spec.name} ({code}, {spec.locale}): amounts and "
                "numbers will be said as figures the voice reads itself",
                yaml_path=f"{base}.locale",
            )
        recognizer_language = spec.recognizer.replace("_", "-").split("-")[0]
        if not _speaks(code, recognizer_language):
            yield Problem(
                f"{spec.name} ({code}) is recognised as '{spec.recognizer}', a tag for another language: "
                f"what callers say in {spec.name} would not be understood; use a tag that starts with {code}-",
                yaml_path=f"{base}.recognizer",
            )
        spoken_by = voice_languages(spec.voice)
        if spoken_by is not None and not any(_speaks(code, language) for language in spoken_by):
            yield Problem(
                f"{spec.name} ({code}) is said by the voice '{spec.voice}', which speaks "
                f"{', '.join(sorted(spoken_by))}: {spec.name} prompts would be read with its pronunciation",
                yaml_path=f"{base}.voice",
            )


def _without_value_word(name: str) -> str:
    """What a caller hears when a language lacks the value word ``value_<name>`` (ivr.channels.spoken)."""
    if name == "money":
        return "the units and cents of an amount without a word between them"
    if name == "minus":
        return "an amount below zero as '- amount'"
    if name == "date_time":
        return "a date and a time joined by a comma alone"
    noun, _, plural = name.rpartition("_")
    if plural == "other":
        return f"amounts in {name.partition('_')[0]} as figures the voice reads itself"
    if plural in ("zero", "one", "two", "few", "many"):
        return f"the word of '{VALUE_WORDS_PREFIX}{noun}_other' where this one belongs"
    return "the values that need this word without it, or as figures the voice reads itself"


# -- 3. language: next with three languages or more --------------------------------------------------


def _language_next(flow: Flow) -> Iterator[Problem]:
    if len(flow.languages) < 3:
        return
    names = ", ".join(spec.name for spec in flow.languages.values())
    for node_id, node in flow.nodes.items():
        if not isinstance(node, MenuNode):
            continue
        for index, option in enumerate(node.options):
            if option.language != "next":
                continue
            pick = f"key {option.key}" if option.key is not None else f"option {index + 1}"
            yield Problem(
                f"menu '{node_id}' switches to the next language on {pick}: with {len(flow.languages)} "
                f"languages ({names}), {pick} steps through them in turn and a caller must listen to each; "
                "an option per language (language: xx) or the languages' names are clearer",
                yaml_path=f"nodes.{node_id}.options.{index}.language",
            )
