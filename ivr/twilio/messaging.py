"""Text messages as Twilio handles them: the keywords Twilio answers itself, how a reply is encoded and
counted in segments, and a reply cut into pages a phone shows whole.

Keywords. On long codes Twilio answers STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE and OPTOUT
(opt-out: no message reaches the number until it opts in again), START, YES and UNSTOP (opt-in) and HELP
and INFO (the help text) itself, and still passes the message on to the webhook; only a message that is
the keyword alone counts ("Twilio support for opt-out keywords",
https://help.twilio.com/articles/223134027; Advanced Opt-Out,
https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out). A reply of ours to an opted-out number
is never delivered (error 21610), and a reply to HELP would be a second answer. So the service answers
neither: it records an opt-out, forgets the session, and lets Twilio speak. An opt-in, which Twilio
confirms, is recorded and starts the menu afresh: its first page is the reply. The agency adds the
Spanish keywords below to its Messaging Service's Advanced Opt-Out, with the texts of the prompts
``sms_help``, ``sms_stopped`` and ``sms_started`` (docs/deploy.md); ``ivr validate`` refuses a menu that
takes any of these words as an answer (ivr.flow.checks).

Length. A message of GSM-7 characters holds 160 of them in one segment and 153 a segment when it is
longer; one UCS-2 character (any letter outside GSM-7, such as á) makes the whole message UCS-2, 70
characters in one segment and 67 a segment after that
(https://www.twilio.com/docs/glossary/what-sms-character-limit,
https://www.twilio.com/docs/glossary/what-is-ucs-2-character-encoding). Twilio recommends at most 320
characters a message; every reply here keeps to that and pages longer content: "Reply MORE for the rest".
Typographic quotes, dashes and the like are written as their GSM-7 forms, as Twilio's Smart Encoding would
(https://www.twilio.com/docs/messaging/services/smart-encoding-char-list): English replies are always
GSM-7, and Spanish ones are GSM-7 unless a word needs á, í, ó or ú.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from twilio.twiml.messaging_response import MessagingResponse

from ivr.channels.prompts import prompt_text
from ivr.channels.text import TextReply, written
from ivr.channels.text_session import TextSession
from ivr.core.speech_text import fold

MAX_REPLY_CHARS = 320  # Twilio's recommended largest message
MAX_BODY_CHARS = 500  # what is read of an incoming message


class Keyword(enum.Enum):
    OPT_OUT = "opt-out"
    OPT_IN = "opt-in"
    HELP = "help"


# Twilio's own keywords on long codes, and the Spanish ones the agency adds through Advanced Opt-Out.
KEYWORDS: dict[str, Keyword] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), Keyword.OPT_OUT
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), Keyword.OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
    **dict.fromkeys(("ALTO", "PARAR"), Keyword.OPT_OUT),
    "INICIO": Keyword.OPT_IN,
    "AYUDA": Keyword.HELP,
}
# What each kind of keyword does, in the words `ivr validate` uses.
KEYWORD_MEANINGS = {
    Keyword.OPT_OUT: "an opt-out keyword: it also stops every message to the caller",
    Keyword.OPT_IN: "an opt-in keyword",
    Keyword.HELP: "a help keyword",
}
TEXT_KEYWORDS = {word: KEYWORD_MEANINGS[kind] for word, kind in KEYWORDS.items()}
# Asks for the next page of a long reply (not a Twilio keyword). The hint itself is the prompt SMS_MORE_PROMPT.
MORE_WORDS = frozenset({"more", "mas"})
SMS_MORE_PROMPT = "sms_more"
# The texts the agency gives Twilio's Advanced Opt-Out for each kind of keyword, in every language.
KEYWORD_PROMPTS = {Keyword.HELP: "sms_help", Keyword.OPT_OUT: "sms_stopped", Keyword.OPT_IN: "sms_started"}


def keyword(body: str) -> Keyword | None:
    """The Twilio keyword a message is, if it is one: the word alone, in any case, with trailing
    punctuation ("Stop.", "HELP!")."""
    word = body.strip().rstrip(".!?¡¿").strip()
    return KEYWORDS.get(fold(word).upper()) if word and " " not in word else None


def asks_for_more(body: str) -> bool:
    return fold(body) in MORE_WORDS


# -- encoding and segments --------------------------------------------------------------------------

# GSM 03.38: the basic character set, and the extension table (each of those costs two characters).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
# Typographic characters written as their GSM-7 forms (a part of Twilio's Smart Encoding table).
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2022": "-",
        "\u00b7": "-",
    }
)


def plain(text: str) -> str:
    """``text`` with typographic punctuation in its GSM-7 form (letters are left as they are)."""
    return text.translate(_PLAIN)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


@dataclass(frozen=True, slots=True)
class Encoded:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7, extension characters count twice) or UTF-16 code units (UCS-2)
    segments: int


def encoded(text: str) -> Encoded:
    """How Twilio sends ``text``: its encoding, length in that encoding, and number of segments."""
    if is_gsm7(text):
        units = len(text) + sum(ch in GSM7_EXTENDED for ch in text)
        single, part, name = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, name = 70, 67, "UCS-2"
    return Encoded(name, units, 1 if units <= single else math.ceil(units / part))


# -- replies in pages -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:(?:[A-Za-z]\.){2,}|[A-Z][a-z]{0,2}\.)$")  # P.O., Mr., St.


def _sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences ("P.O. Box" and "Mr. Smith" are not two)."""
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(paragraph):
        if _ABBREVIATION.search(paragraph[start : end.start()]):
            continue
        sentences.append(paragraph[start : end.start()])
        start = end.end()
    sentences.append(paragraph[start:])
    return [sentence for sentence in sentences if sentence]


def _pieces(paragraph: str, room: int) -> list[str]:
    """A paragraph in pieces of at most ``room`` characters: whole sentences where they fit, else words."""
    if len(paragraph) <= room:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _sentences(paragraph):
        rest = sentence
        while len(rest) > room:
            cut = rest.rfind(" ", 0, room + 1)
            cut = cut if cut > 0 else room
            pieces.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if rest:
            pieces.append(rest)
    return pieces


def pages(paragraphs: Iterable[str], more_hint: str, limit: int = MAX_REPLY_CHARS) -> list[str]:
    """A reply as messages of at most ``limit`` characters; every one but the last ends with
    ``more_hint`` ("Reply MORE for the rest."). Paragraphs stay whole where they fit, sentences next."""
    texts = [plain(" ".join(p.split())) for p in paragraphs if p.strip()]
    whole = "\n\n".join(texts)
    if len(whole) <= limit:
        return [whole] if whole else []
    hint = plain(more_hint)
    room = limit - len(hint) - 2
    result: list[str] = []
    page = ""
    for paragraph in texts:
        for index, piece in enumerate(_pieces(paragraph, room)):
            joined = f"{page}{' ' if index else chr(10) * 2}{piece}" if page else piece
            if len(joined) <= room:
                page = joined
            else:
                result.append(f"{page}\n\n{hint}")
                page = piece
    if page:
        result.append(page)
    return result


def twiml_reply(messages: Sequence[str]) -> str:
    """TwiML answering an incoming message with ``messages`` (none: an empty <Response/>, no reply)
    (https://www.twilio.com/docs/messaging/twiml/message)."""
    response = MessagingResponse()
    for text in messages:
        response.message(text)
    return str(response)


# -- one SMS line: keywords, sessions and pages ------------------------------------------------------


class TextMessageStore(Protocol):
    """Where an SMS line keeps who opted out and the pages still to send (ivr.adapters.redis.sms_store)."""

    def opted_out(self, number: str) -> bool: ...

    def opt_out(self, number: str) -> None: ...

    def opt_in(self, number: str) -> None: ...

    def keep_pages(self, number: str, pages: Sequence[str]) -> None: ...

    def next_page(self, number: str) -> str | None: ...


@dataclass
class SmsLine:
    """One SMS number's conversation with the service: the opt-out and help keywords left to Twilio, the
    flow's replies in pages, "MORE" for the next page. ``session_for`` gives the text session of a number."""

    store: TextMessageStore
    session_for: Callable[[str], TextSession]

    def answer(self, number: str, body: str) -> list[str]:
        """The messages to send back for one incoming message (often one; none for an opt-out or help
        keyword)."""
        session = self.session_for(number)
        kind = keyword(body)
        if kind is Keyword.OPT_OUT:
            self.store.opt_out(number)
            session.conversation.end(session.caller.call_id)
            return []
        if kind is Keyword.HELP:
            return []  # Twilio sends the help text (the agency's sms_help through Advanced Opt-Out)
        if kind is Keyword.OPT_IN:
            self.store.opt_in(number)  # Twilio confirms; the menu starts afresh
            session.conversation.end(session.caller.call_id)
            return self._paged(number, session, session.start())
        if self.store.opted_out(number):
            return []  # nothing until the caller opts in again
        if asks_for_more(body):
            page = self.store.next_page(number)
            if page is not None:
                return [page]
        reply = session.reply(body) if session.active() else session.start()
        return self._paged(number, session, reply)

    def _paged(self, number: str, session: TextSession, reply: TextReply) -> list[str]:
        flow = session.conversation.flow
        language = reply.language if reply.language in flow.languages else flow.default_language
        hint = prompt_text(flow, SMS_MORE_PROMPT, language or flow.default_language, {}, written)
        first, *rest = pages(reply.lines, hint) or [""]
        self.store.keep_pages(number, rest)
        return [first] if first else []
