"""Prompt text with its values filled in, shared by every channel; each channel says values its own way."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ivr.channels.vocabulary import Vocabulary, vocabulary
from ivr.core.values import PhoneNumber, PromptRef, Scalar, Values
from ivr.flow.model import Flow
from ivr.flow.placeholders import FORMATTER

log = logging.getLogger(__name__)

ValueFormatter = Callable[[Scalar, Vocabulary], str]  # (value, the language's vocabulary) -> text


class _Filled(dict[str, str]):
    def __missing__(self, key: str) -> str:
        log.warning("prompt value missing", extra={"value": key})
        return ""


def _template(flow: Flow, prompt_id: str, language: str, channel: str | None) -> str:
    """The prompt's text in `language` (the channel's variant first), else in the flow's default language."""
    return (
        flow.prompt(prompt_id, language, channel)
        or flow.prompt(prompt_id, flow.default_language, channel)
        or ""
    )


def prompt_text(
    flow: Flow,
    prompt_id: str,
    language: str,
    values: Values,
    say_value: ValueFormatter,
    channel: str | None = None,
) -> str:
    """A prompt with its values filled in. `channel` ("tty"): its variants in prompts/<channel>/ come first."""
    template = _template(flow, prompt_id, language, channel)
    words = vocabulary(flow, language)
    filled = _Filled()
    for name, number in flow.phone_numbers.items():  # menu_tree.yaml's phone_numbers, where a prompt says one
        if f"{{{name}}}" in template:
            filled[name] = say_value(PhoneNumber(number), words)
    for name, value in values.items():
        if isinstance(value, PromptRef):
            filled[name] = _template(flow, value.prompt, language, channel)
        elif not isinstance(value, tuple):
            filled[name] = say_value(value, words)
    try:
        return FORMATTER.vformat(template, (), filled)
    except (ValueError, IndexError, KeyError):
        log.warning("prompt text cannot be filled", extra={"prompt": prompt_id})
        return template
