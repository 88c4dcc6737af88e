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
from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from ivr.channels.prompts import prompt_text
from ivr.channels.spoken import phone_groups
from ivr.channels.vocabulary import Vocabulary
from ivr.core.values import DigitString, Money, PhoneNumber, Scalar
from ivr.engine import (
    Action,
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
from ivr.engine.events import MAX_KEYS, MAX_SPEECH_CHARS
from ivr.flow.model import SMS_FORM, Flow
from ivr.media.tty.baudot import tty_text

MAX_TEXT = MAX_SPEECH_CHARS  # one typed line is one answer
TTY_LINE = 40  # characters; TTY displays are narrow
TTY_CHANNEL = "tty"  # its prompt variants: prompts/tty/<language>.yaml
TRANSFER_PROMPT = "transfer_by_text"  # said instead of a transfer: a text session cannot be put through
MORE_PROMPT = "more_follows"  # at the foot of a page of TTY text that has more after it
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
    if _KEYS.match(compact) and len(compact) <= MAX_KEYS:
        return DigitsEntered(compact)  # more keys than a telephone sends at once: words, not understood
    if text == "?":
        return SpeechHeard("help")
    return SpeechHeard(text)


def written(value: Scalar, vocabulary: Vocabulary) -> str:
    """One value as figures for reading: "$1,234.56", "Nov 3 2026 9:30 AM", "1-800-555-0100"."""
    locale = vocabulary.locale
    if isinstance(value, Money):
        return str(format_currency(value.cents / 100, value.currency, locale=locale))
    if isinstance(value, PhoneNumber):
        return "-".join(phone_groups(value, vocabulary.region))
    if isinstance(value, DigitString):
        return value.digits
    if isinstance(value, dt.datetime):
        return f"{written(value.date(), vocabulary)} {written(value.time(), vocabulary)}"
    if isinstance(value, dt.date):  # the locale's medium date without its punctuation: "Nov 3 2026"
        return _bare(format_date(value, "medium", locale=locale))
    if isinstance(value, dt.time):
        return _bare(format_time(value, "short", locale=locale))
    return str(value)


_ABBREVIATION_DOT = re.compile(r"(?<=[^\W\d_])\.")  # "Nov." and "a. m.", never a dot between figures


def _bare(text: str) -> str:
    """A date or time without commas and abbreviations' dots, which cost a TTY a shift each and say
    nothing; dots between figures stay ("03.11.2026", "9.30")."""
    return " ".join(_ABBREVIATION_DOT.sub("", text.replace(",", " ")).split())


@dataclass(frozen=True)
class TextReply:
    lines: tuple[str, ...]
    ended: bool
    language: str | None = None  # the call's language after the turn

    def as_text(self) -> str:
        return "\n".join(self.lines)

    def pages(self, page_lines: int, more: tuple[str, ...]) -> list[str]:
        """The TTY text a page at a time: at most `page_lines` lines of it (two more on the last page
        rather than a page of two lines), each page but the last ending with the `more` lines and GA.
        A reply that ends the call is never paged."""
        body, last = list(self.lines[:-1]), self.lines[-1:]
        if self.ended or len(body) <= page_lines + 2:
            return [self.as_text()]
        pages = []
        while len(body) > page_lines + 2:
            page, body = body[:page_lines], body[page_lines:]
            pages.append("\n".join([*page, *more, "GA"]))
        pages.append("\n".join([*body, *last]))
        return pages


class TextRenderer:
    def __init__(self, flow: Flow, tty: bool = True) -> None:
        self._flow = flow
        self._tty = tty
        self._channel = TTY_CHANNEL if tty else None

    def _text(self, say: Say, language: str) -> str:
        texted = say.prompt + SMS_FORM  # the plain style is what SMS callers read
        prompt = texted if not self._tty and texted in self._flow.prompts.get(language, {}) else say.prompt
        text = prompt_text(self._flow, prompt, language, say.values, written, self._channel)
        for pattern, replacement in _TYPED.get(language, _TYPED["en"]):
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text

    def prompt_lines(self, prompt_id: str, language: str) -> tuple[str, ...]:
        """One prompt, written in this renderer's style, with no GA or SK after it."""
        return self._style([self._text(Say(prompt_id), language)], ended=False)[:-1] if self._tty else ()

    def render(self, turn: Turn) -> TextReply:
        return self.render_actions(turn.actions, turn.state.language, ended=turn.state.ended)

    def render_actions(self, actions: Sequence[Action], language: str, *, ended: bool = False) -> TextReply:
        """What `actions` say, in `language` where an action names none; `ended`: the call is over."""
        paragraphs: list[str] = []
        for action in actions:
            if isinstance(action, Say):
                paragraphs.append(self._text(action, action.language or language))
            elif isinstance(action, Gather):
                paragraphs.extend(self._text(say, say.language or language) for say in action.prompts)
            elif isinstance(action, Transfer):
                values = {"number": PhoneNumber(action.number or "")}
                paragraphs.append(
                    prompt_text(self._flow, TRANSFER_PROMPT, language, values, written, self._channel)
                )
                ended = True
            elif isinstance(action, Hangup):
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
