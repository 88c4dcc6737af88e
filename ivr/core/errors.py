"""The base of every error the project raises on purpose.

Each error says what went wrong (its message) and, where someone can act on it, what to do (its hint), in
the words of whoever meets it: an operator editing the flow, an engineer deploying the service.
"""

from __future__ import annotations


class IvrError(Exception):
    """``hint``: what to do about it; a class may give a default, an instance its own."""

    hint: str = ""

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*args)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        if self.hint and self.hint not in message:
            return f"{message} ({self.hint})" if message else self.hint
        return message
