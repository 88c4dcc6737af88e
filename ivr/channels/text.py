"""The text channel: typed text in, text out, for TTY callers (directly or through relay), SMS and `ivr chat`.

Input: digits (with an optional finish key) are keys; anything else is words, matched like speech
("SI", "PAGOS"). A trailing "GA" (go ahead) is ignored, "SK" ends the session, and "Q" or "QQ" stand
for a question mark, as TTY users type them; a lone question mark asks for help.

Output: the same prompts the voice channel says (in plain style, their form for text messages, ``<id>_sms``,
where the flow has one), with "say" turned into "type", and values written as figures ("$1,234.56", "NOV 3 2026") rather than words. The TTY style is upper case, limited to the
characters a US TTY can show, in short lines, and every turn ends with GA (SK when the call ends);
the plain style (SMS, chat) keeps ordinary case and punctuation.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from ivr.channels.prompts import prompt_text
from ivr.core.values import DigitString, Money, Scalar
from ivr.engine import (
    CallEnded,
    DigitsEntered,
    Event,
    Gather,
    Hangup,
    NoInput,
    Say,
    SpeechHeard,
    Transfer,
    Turn,
)
from ivr.flow.model import SMS_FORM, Flow
from ivr.media.tty.baudot import tty_text

MAX_TEXT = 300
TTY_LINE = 40  # characters; TTY displays are narrow
TRANSFER_PROMPT = "transfer_by_text"  # said instead of a transfer: a text session cannot be put through
_KEYS = re.compile(r"^[0-9*#]+$")
# Spoken-only wording, rewritten for people who type: "say" is "type", and a line ends the entry by itself.
_TYPED = {
    "en": ((r"\bsay\b", "type"), (r",? then press pound", "")),
    "es": ((r"\bdiga\b", "escriba"), (r",? y luego la tecla de número", "")),
}


def text_event(line: str) -> Event:
    """One line typed by the caller as an engine event."""
    words = line.strip().split()
    if words and words[-1].upper() in ("GA", "GA.", "GA?"):
        words = words[:-1]
    if words and words[-1].upper() in ("SK", "SKSK"):
        return CallEnded()
    words = ["?" if word.upper() in ("Q", "QQ") else word for word in words]
    text = " ".join(words)[:MAX_TEXT]
    if not text:
        return NoInput()
    compact = text.replace(" ", "")
    if _KEYS.match(compact):
        return DigitsEntered(compact)
    if text == "?":
        return SpeechHeard("help")
    return SpeechHeard(text)


def written(value: Scalar, language: str, locale: str) -> str:
    """One value as figures for reading."""
    if isinstance(value, Money):
        return str(format_currency(value.cents / 100, value.currency, locale=locale))
    if isinstance(value, DigitString):
        return value.digits
    if isinstance(value, dt.datetime):
        return f"{written(value.date(), language, locale)} {written(value.time(), language, locale)}"
    if isinstance(value, dt.date):
        pattern = "MMM d y" if language == "en" else "d MMM y"
        return str(format_date(value, pattern, locale=locale)).replace(".", "")
    if isinstance(value, dt.time):
        return str(format_time(value, "h:mm a", locale=locale)).replace(".", "")
    return str(value)


@dataclass(frozen=True)
class TextReply:
    lines: tuple[str, ...]
    ended: bool
    language: str | None = None  # the call's language after the turn

    def as_text(self) -> str:
        return "\n".join(self.lines)


class TextRenderer:
    def __init__(self, flow: Flow, tty: bool = True) -> None:
        self._flow = flow
        self._tty = tty

    def _text(self, say: Say, language: str) -> str:
        texted = say.prompt + SMS_FORM  # the plain style is what SMS callers read
        prompt = texted if not self._tty and texted in self._flow.prompts.get(language, {}) else say.prompt
        text = prompt_text(self._flow, prompt, language, say.values, written)
        for pattern, replacement in _TYPED.get(language, _TYPED["en"]):
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text

    def render(self, turn: Turn) -> TextReply:
        language = turn.state.language
        paragraphs: list[str] = []
        ended = False
        for action in turn.actions:
            if isinstance(action, Say):
                paragraphs.append(self._text(action, action.language or language))
            elif isinstance(action, Gather):
                paragraphs.extend(self._text(say, say.language or language) for say in action.prompts)
            elif isinstance(action, Transfer):
                values = {"number": DigitString(action.number or "")}
                paragraphs.append(prompt_text(self._flow, TRANSFER_PROMPT, language, values, written))
                ended = True
            elif isinstance(action, Hangup):
                ended = True
        if turn.state.ended:
            ended = True
        return TextReply(self._style(paragraphs, ended), ended, language)

    def _style(self, paragraphs: list[str], ended: bool) -> tuple[str, ...]:
        paragraphs = [p for p in paragraphs if p.strip()]
        if not self._tty:
            return tuple(paragraphs)
        lines: list[str] = []
        for paragraph in paragraphs:
            shown = tty_text(paragraph).replace("\r\n", " ")
            lines.extend(textwrap.wrap(shown, TTY_LINE) or [""])
        lines.append("SK" if ended else "GA")
        return tuple(lines)
