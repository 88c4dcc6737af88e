"""The call-flow language, declared once as pydantic models.

These models are the schema operators write against (``ivr schema`` publishes them as JSON Schema in
``docs/menu-schema.json``) and the frozen structure the engine walks. They do no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ivr.core.speech_text import FoldedPhrase, folded_phrase
from ivr.flow.handler_rules import HandlerCatalog, HandlerRules
from ivr.flow.hours import Hours

NodeId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="A node name: lower case, digits, _")]
PromptId = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="A prompt id from prompts/<lang>.yaml")
]
# A prompt may have a form for text messages, under its id with this suffix (caller_type_sms): SMS callers
# read it instead, e.g. to leave out a word Twilio answers itself on SMS ("Yes").
SMS_FORM = "_sms"
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="A two-letter language code")]
# Prompts whose ids start so are not said alone: they are the words values are said with in their language
# ("value_USD_other: dollars", "value_date_time: {date}, at {time}"; ivr.channels.vocabulary).
VALUE_WORDS_PREFIX = "value_"
# The values each word around values fills in (ivr.channels.spoken says them); the others fill in none.
VALUE_WORD_VALUES: dict[str, frozenset[str]] = {
    "money": frozenset({"units", "cents"}),
    "minus": frozenset({"amount"}),
    "date_time": frozenset({"date", "time"}),
}
Key = Annotated[str, Field(pattern=r"^[0-9*#]$", description="One telephone key")]
PhoneNumberText = Annotated[
    str, Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="A phone number in E.164 form: +18005550199")
]
ValueName = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="A value's name, as {name} in prompts")
]


def _as_tuple(value: Any) -> Any:
    """Let operators write a single prompt id where a list is expected."""
    if isinstance(value, str):
        return (value,)
    return value


PromptList = Annotated[tuple[PromptId, ...], BeforeValidator(_as_tuple)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LanguageSpec(_Model):
    name: str = Field(description="The language's own name, for documents and tools")
    voice: str = Field(description="Text-to-speech voice for <Say>, e.g. Polly.Joanna")
    recognizer: str = Field(description="Speech recognition language, e.g. en-US")
    locale: str = Field(description="Locale for numbers and dates, e.g. en_US")
    names: tuple[str, ...] = Field(
        (),
        description="What callers say to choose this language at any menu, in any language (español, Spanish)",
    )
    offer: PromptId | None = Field(
        None,
        description='Said in this language to offer it ("Para español, marque 9"): at every menu with an option '
        "to it until the caller has chosen a language, and always at menus with offer_languages",
    )


class ConfirmAnswer(_Model):
    key: Key = Field(description="The key that gives this answer")
    words: dict[LanguageCode, tuple[str, ...]] = Field(default_factory=dict)


class Confirm(_Model):
    """Asking back when the recogniser was not sure: "Did you say payments?"."""

    below_confidence: float = Field(
        ge=0, le=1, description="A spoken answer recognised with less confidence than this is asked back"
    )
    prompt: PromptId = Field(
        description="The question; {choice} is the option's first word in the caller's language"
    )
    yes: ConfirmAnswer
    no: ConfirmAnswer


class Relay(_Model):
    """Callers who reach the line through a relay service (711, IP or video relay, captioned telephone):
    a communications assistant reads them each question and speaks or keys their answer, so every answer
    takes longer. Saying so (the relay command) gives them these waits for the rest of the call."""

    timeout_seconds: int = Field(30, ge=10, le=120, description="Seconds of silence before a no-input")
    max_no_input: int = Field(6, ge=1, le=20, description="Silences allowed at a question")
    prompt: PromptId = Field(description="Said when a caller asks for relay time")


class Defaults(_Model):
    max_no_input: int = Field(3, ge=1, le=9, description="Silences allowed at a node before on_exhausted")
    max_no_match: int = Field(3, ge=1, le=9, description="Unrecognised answers allowed before on_exhausted")
    on_exhausted: NodeId = Field(description="Where a caller goes when a node's attempts run out")
    timeout_seconds: int = Field(6, ge=1, le=60, description="Seconds of silence before a no-input")
    no_input: PromptList = Field(
        description="Prompts said after a silence, one per attempt (the last repeats)"
    )
    no_match: PromptList = Field(description="Prompts said after an unrecognised answer, one per attempt")
    help: PromptList = Field(
        description="Said when a caller asks for help at a node that has no help of its own"
    )
    apology: PromptId = Field(description="Said, in every language, when the service fails mid-call")
    timeout_growth_seconds: int = Field(
        4,
        ge=0,
        le=30,
        description="Added to the wait after each silence at a question: a second silence waits longer",
    )
    end_call_key: Key | None = Field(
        None,
        description="The key that ends the call at every menu that offers it; `ivr validate` warns about a "
        "menu that ends the call on another key, or uses this one for anything but ending the call",
    )


CommandName = Literal["repeat", "help", "back", "main_menu", "representative", "relay"]
COMMAND_NAMES: tuple[CommandName, ...] = ("repeat", "help", "back", "main_menu", "representative", "relay")


class Command(_Model):
    key: Key | None = Field(None, description="The key for this command at every menu and input")
    words: dict[LanguageCode, tuple[str, ...]] = Field(default_factory=dict)
    target: NodeId | None = Field(None, description="main_menu and representative: the node to go to")
    target_before_sign_in: NodeId | None = Field(
        None, description="main_menu: where a caller who has not signed in goes instead"
    )


def _with_spoken(value: Any) -> Any:
    """Words understood only from speech are understood like the others: they join ``words``."""
    if not isinstance(value, dict) or not isinstance(value.get("spoken"), dict):
        return value
    written = value.get("words") or {}
    if not isinstance(written, dict):
        return value  # the schema says what is wrong with it
    words = {lang: list(_as_tuple(phrases) or ()) for lang, phrases in written.items()}
    for lang, phrases in value["spoken"].items():
        listed = words.setdefault(lang, [])
        listed += [phrase for phrase in _as_tuple(phrases) or () if phrase not in listed]
    return {**value, "words": words}


class Option(_Model):
    key: Key | None = Field(None, description="The key that picks this option")
    words: dict[LanguageCode, tuple[str, ...]] = Field(
        default_factory=dict, description="Words or short phrases a caller may say, per language"
    )
    spoken: dict[LanguageCode, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Words understood when spoken (voice, TTY) but never asked of text messages, such as "
        "'yes' or 'end', which Twilio answers itself on SMS",
    )
    next: NodeId | None = Field(None, description="The node this option leads to")
    command: CommandName | None = Field(
        None,
        description="Instead of next: do what this universal command does (main_menu: the main menu, or "
        "before sign-in the first menu; back: the question before this one)",
    )
    language: LanguageCode | Literal["next"] | None = Field(
        None, description="Switch the call to this language (next: the flow's next language after the call's)"
    )
    keeps_language: bool = Field(
        False,
        description="A caller who picks this option with another language's words stays in the call's "
        "language (by default the call switches to the language they answered in)",
    )
    when: Literal["open", "closed"] | None = Field(
        None, description="Offer this option only while the office is open (or closed)"
    )

    @model_validator(mode="after")
    def _goes_somewhere(self) -> Option:
        if (self.next is None) == (self.command is None):
            raise ValueError("an option needs either 'next' (a node) or 'command' (main_menu, back ...)")
        return self


def _as_command_names(value: Any) -> Any:
    if value == "all":
        return COMMAND_NAMES
    return _as_tuple(value)


class _NodeBase(_Model):
    goal: bool = Field(
        False,
        description="A caller who reaches this node got what they came for without a representative "
        "(self-service completion, counted by the operator console's funnel)",
    )


class _Gathering(_NodeBase):
    prompt: PromptList = Field(description="Said first")
    short_prompt: PromptList | None = Field(None, description="Said instead of prompt on the second attempt")
    help: PromptList | None = Field(
        None, description="Said on the third attempt and when the caller asks for help"
    )
    no_input: PromptList | None = None
    no_match: PromptList | None = None
    max_no_input: int | None = Field(None, ge=1, le=9)
    max_no_match: int | None = Field(None, ge=1, le=9)
    on_exhausted: NodeId | None = None
    timeout_seconds: int | None = Field(None, ge=1, le=60)
    without_commands: Annotated[tuple[CommandName, ...], BeforeValidator(_as_command_names)] = Field(
        (), description="Universal commands switched off here, or 'all'"
    )


class MenuNode(_Gathering):
    kind: Literal["menu"]
    options: tuple[Annotated[Option, BeforeValidator(_with_spoken)], ...] = Field(min_length=1)
    short_after_first: bool = Field(
        False,
        description="Once a caller has heard the full prompt, say short_prompt instead (star repeats it all)",
    )
    offer_languages: bool = Field(
        False, description="Offer the other languages here always, not only until the caller has chosen one"
    )


class InputNode(_Gathering):
    kind: Literal["input"]
    min_length: int = Field(1, ge=1, le=32)
    max_length: int = Field(ge=1, le=32)
    finish_key: Key | None = "#"
    secret: bool = Field(False, description="Keys only; the digits are never logged, stored or read back")
    next: NodeId


class ActionNode(_NodeBase):
    kind: Literal["action"]
    handler: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    outcomes: dict[str, NodeId] = Field(min_length=1)
    on_error: NodeId | None = Field(None, description="Where to go when the handler fails")


class SayItem(_Model):
    prompt: PromptId
    for_each: str | None = Field(None, description="Say the prompt once per item of this list value")
    language: LanguageCode | None = Field(
        None, description="Always say this prompt in this language and its voice (e.g. the offer of Spanish)"
    )


def _as_say_items(value: Any) -> Any:
    if isinstance(value, str):
        value = (value,)
    if isinstance(value, list | tuple):
        return tuple({"prompt": item} if isinstance(item, str) else item for item in value)
    return value


SayList = Annotated[tuple[SayItem, ...], BeforeValidator(_as_say_items)]


class MessageNode(_NodeBase):
    kind: Literal["message"]
    say: SayList
    next: NodeId


class HangupNode(_NodeBase):
    kind: Literal["hangup"]
    say: SayList = ()


# How a transfer can come back to the flow: nobody took the call. "completed": the representative took it
# and the conversation is over (left out, the call ends there).
TransferOutcome = Literal["busy", "no_answer", "failed", "completed"]
TRANSFER_FAILURES: tuple[TransferOutcome, ...] = ("busy", "no_answer", "failed")


class TransferNode(_NodeBase):
    kind: Literal["transfer"]
    say: SayList = Field((), description="Said before the transfer")
    to: str | None = Field(None, description="A phone number in E.164 form, e.g. +18005550100")
    queue: str | None = Field(None, description="A call queue name, instead of a number")
    hours: bool = Field(True, description="Transfer only while the office is open")
    closed: SayList = Field((), description="Said when the office is closed")
    when_closed: NodeId | None = Field(
        None, description="Where to go when closed; left out, the caller returns to the question they were at"
    )
    ring_seconds: int = Field(
        30, ge=5, le=600, description="How long the representatives' line rings before it counts as no_answer"
    )
    outcomes: dict[TransferOutcome, NodeId] = Field(
        default_factory=dict,
        description="Where the caller goes when the transfer comes back: busy, no_answer and failed are "
        "required (the line was busy, rang out, or could not be reached); completed (the representative "
        "hung up first) is optional: left out, the call ends",
    )


Node = Annotated[
    MenuNode | InputNode | ActionNode | MessageNode | HangupNode | TransferNode, Field(discriminator="kind")
]
AnyNode = MenuNode | InputNode | ActionNode | MessageNode | HangupNode | TransferNode
GatheringNode = MenuNode | InputNode


class TtySettings(_Model):
    """How a TTY call takes turns (docs/tty.md)."""

    pause_seconds: float = Field(
        5.0,
        ge=2,
        le=60,
        description="A TTY caller's line without GA ends after this much quiet (never in the middle of an ID or PIN)",
    )
    no_input_seconds: float = Field(
        30.0, ge=5, le=300, description="Quiet after our text, with nothing typed, before a no-input"
    )
    page_lines: int = Field(
        4, ge=2, le=40, description="Longer text is sent a page of this many lines at a time, with MORE"
    )


class FlowHeader(_Model):
    name: str
    start: NodeId
    default_language: LanguageCode


class RootFile(_Model):
    """menu_tree.yaml."""

    flow: FlowHeader
    languages: dict[LanguageCode, LanguageSpec] = Field(min_length=1)
    defaults: Defaults
    hours: Hours | None = Field(None, description="Hours of operation, for transfers and 'when: open'")
    commands: dict[CommandName, Command] = Field(default_factory=dict)
    tty: TtySettings = Field(
        default_factory=lambda: TtySettings.model_validate({}), description="Turn-taking on TTY calls"
    )
    spoken_keys: dict[LanguageCode, dict[Key, tuple[str, ...]]] = Field(
        default_factory=dict,
        description="Words that name a key at any menu, per language ('one', 'option two', 'número dos')",
    )
    confirm: Confirm | None = Field(
        None, description="Asking back a spoken answer the recogniser was unsure of"
    )
    relay: Relay | None = Field(None, description="Longer waits for callers through a relay service")
    phone_numbers: dict[ValueName, PhoneNumberText] = Field(
        default_factory=dict,
        description="Numbers any prompt says as {name}: grouped as callers say them, written 1-800-555-0199",
    )
    include: tuple[str, ...] = ()
    nodes: dict[NodeId, Node] = Field(default_factory=dict)


class IncludedFile(_Model):
    """A file under menus/."""

    include: tuple[str, ...] = ()
    nodes: dict[NodeId, Node] = Field(default_factory=dict)


@dataclass(frozen=True)
class Flow:
    """A compiled, checked call flow: what the engine walks and the channels render."""

    name: str
    start: str
    default_language: str
    languages: Mapping[str, LanguageSpec]
    defaults: Defaults
    hours: Hours | None
    commands: Mapping[str, Command]
    nodes: Mapping[str, AnyNode]
    prompts: Mapping[str, Mapping[str, str]]
    version: str
    spoken_keys: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    confirm: Confirm | None = None
    relay: Relay | None = None
    phone_numbers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The service's handlers and how far a call must be signed in for each (empty: checked by no one here)
    handler_rules: Mapping[str, HandlerRules] = field(default_factory=lambda: MappingProxyType({}))
    # The files it was compiled from, by name in the flow's folder: the bytes its version digests, which
    # other servers load it from (ivr.adapters.redis.flow_store).
    sources: Mapping[str, bytes] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    tty: TtySettings = field(default_factory=lambda: TtySettings.model_validate({}))
    # Prompt text for one channel, said instead of the catalogue's: channel -> language -> prompt id -> text
    # (prompts/<channel>/<language>.yaml, e.g. short TTY variants of long prompts)
    channel_prompts: Mapping[str, Mapping[str, Mapping[str, str]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Every phrase callers' words are compared with, folded once, when the flow is built (``phrase``).
    _phrases: Mapping[str, FoldedPhrase] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        phrases = {phrase: folded_phrase(phrase) for phrase in self._written_phrases()}
        object.__setattr__(self, "_phrases", MappingProxyType(phrases))

    def _written_phrases(self) -> Iterator[str]:
        """The phrases as the flow's files write them: languages' names, commands' and options' words,
        the confirmation's yes and no, the words that name keys."""
        for spec in self.languages.values():
            yield from spec.names
        answers = (self.confirm.yes, self.confirm.no) if self.confirm else ()
        options = (
            option for node in self.nodes.values() if isinstance(node, MenuNode) for option in node.options
        )
        for owner in (*self.commands.values(), *answers, *options):
            for phrases in owner.words.values():
                yield from phrases
        for keys in self.spoken_keys.values():
            for phrases in keys.values():
                yield from phrases

    def phrase(self, written: str) -> FoldedPhrase:
        """One of the flow's phrases, folded. Only the flow's: what a caller says is never looked up here
        (and would raise KeyError), so it is never kept."""
        return self._phrases[written]

    def prompt(self, prompt_id: str, language: str, channel: str | None = None) -> str | None:
        """The text of a prompt in a language, the channel's own variant first; None if there is none."""
        if channel is not None:
            variant = self.channel_prompts.get(channel, {}).get(language, {}).get(prompt_id)
            if variant is not None:
                return variant
        return self.prompts.get(language, {}).get(prompt_id)

    def is_open(self, now: dt.datetime | None) -> bool:
        """Whether the office is open; a flow without hours is always open, an unknown time never."""
        if self.hours is None:
            return True
        return now is not None and self.hours.is_open(now)

    @classmethod
    def build(
        cls,
        root: RootFile,
        nodes: Mapping[str, AnyNode],
        prompts: Mapping[str, Mapping[str, str]],
        version: str,
        sources: Mapping[str, bytes] | None = None,
        handler_rules: HandlerCatalog | None = None,
        channel_prompts: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
    ) -> Flow:
        return cls(
            name=root.flow.name,
            start=root.flow.start,
            default_language=root.flow.default_language,
            languages=MappingProxyType(dict(root.languages)),
            defaults=root.defaults,
            hours=root.hours,
            commands=MappingProxyType({str(name): command for name, command in root.commands.items()}),
            nodes=MappingProxyType(dict(nodes)),
            prompts=MappingProxyType({lang: MappingProxyType(dict(t)) for lang, t in prompts.items()}),
            version=version,
            spoken_keys=MappingProxyType(
                {lang: MappingProxyType(dict(keys)) for lang, keys in root.spoken_keys.items()}
            ),
            confirm=root.confirm,
            relay=root.relay,
            phone_numbers=MappingProxyType(dict(root.phone_numbers)),
            sources=MappingProxyType(dict(sources or {})),
            handler_rules=MappingProxyType(dict(handler_rules or {})),
            tty=root.tty,
            channel_prompts=MappingProxyType(
                {
                    channel: MappingProxyType({lang: MappingProxyType(dict(t)) for lang, t in tables.items()})
                    for channel, tables in (channel_prompts or {}).items()
                }
            ),
        )

    def next_language(self, language: str) -> str:
        """The language after ``language`` in the flow's list, round to the first."""
        codes = list(self.languages)
        return codes[(codes.index(language) + 1) % len(codes)] if language in codes else self.default_language
