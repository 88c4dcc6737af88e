"""Prompt text with its values filled in, shared by every channel; each channel says values its own way."""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Mapping
from typing import Any

from ivr.flow.model import Flow
from ivr.values import PromptRef, Scalar, Values

log = logging.getLogger(__name__)

ValueFormatter = Callable[[Scalar, str, str], str]  # (value, language, locale) -> text


class _Filled(dict[str, str]):
    def __missing__(self, key: str) -> str:
        log.warning("prompt value missing", extra={"value": key})
        return ""


class _PlainFormatter(string.Formatter):
    """str.format without attribute or index access: prompt files are operators' text, not code."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return self.get_value(field_name, args, kwargs), field_name


_FORMATTER = _PlainFormatter()


def prompt_text(flow: Flow, prompt_id: str, language: str, values: Values, say_value: ValueFormatter) -> str:
    template = flow.prompts[language].get(prompt_id) or flow.prompts[flow.default_language].get(prompt_id, "")
    locale = flow.languages[language].locale
    filled = _Filled()
    for name, value in values.items():
        if isinstance(value, PromptRef):
            table = flow.prompts[language]
            filled[name] = table.get(value.prompt) or flow.prompts[flow.default_language].get(
                value.prompt, ""
            )
        elif not isinstance(value, tuple):
            filled[name] = say_value(value, language, locale)
    try:
        return _FORMATTER.vformat(template, (), filled)
    except (ValueError, IndexError, KeyError):
        log.warning("prompt text cannot be filled", extra={"prompt": prompt_id})
        return template


def values_in(template: str) -> set[str]:
    """The names of the values a prompt text uses."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def uses_values(flow: Flow) -> Mapping[str, set[str]]:
    return {pid: values_in(text) for table in flow.prompts.values() for pid, text in table.items()}
