"""The placeholders of prompt text ("Your balance is {balance}."): str.format's syntax without attribute or
index access, since prompt files are operators' text, not code. Channels fill them (ivr.channels.prompts);
checks and the recording tools read which values a prompt uses."""

from __future__ import annotations

import string
from typing import Any


class PlainFormatter(string.Formatter):
    """str.format without attribute or index access."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return self.get_value(field_name, args, kwargs), field_name


FORMATTER = PlainFormatter()


def values_in(template: str) -> set[str]:
    """The names of the values a prompt text uses."""
    return {name for _, name, _, _ in FORMATTER.parse(template) if name}
