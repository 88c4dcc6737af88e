"""Rule 1: every change to a call's state happens in this file.

``step(flow, state, event, now)`` is a pure function. It looks at the node the call is waiting at, decides
what the event means there, and walks the flow until it reaches a node that waits for the caller (menu,
input), needs data (action: the runtime runs the handler and calls ``step`` again with HandlerFinished),
or leaves the flow (hangup, transfer). Message nodes are said on the way. ``now`` is only read to decide
hours of operation; the runtime passes its clock's time.

At every menu and input the universal commands come first (repeat, help, back, main menu,
representative; each can be switched off per node), then the node's own options or digits. Silence and
answers not understood are counted separately; the second attempt hears the node's short prompt, the third
its help, and when either count runs out the caller goes to the node's (or the default) on_exhausted.

Sign-in (``sign_in.py``) is part of the state and changes only here: a handler reports what happened and
``sign_in.apply`` decides. A handler the call has not signed in far enough for is never run (the caller
takes the node's on_error); secret inputs (IDs, PINs) turn off the commands that would leave them for
another part of the flow ("back", "main menu") and are never retraced by "back"; and every change of who
the call is about forgets the "back" history and the flow's counters that belonged to the earlier one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from ivr.core.errors import IvrError
from ivr.core.speech_text import find_phrase, fold
from ivr.core.values import Value, Values
from ivr.engine import sign_in
from ivr.engine.actions import Action, Gather, Hangup, RunHandler, Say, Transfer
from ivr.engine.events import (
    CallEnded,
    CallStarted,
    DigitsEntered,
    Event,
    HandlerFinished,
    NoInput,
    SpeechHeard,
    TransferEnded,
)
from ivr.engine.sign_in import Anonymous, PinRefused, SignIn, SignInViolation
from ivr.engine.state import CallState
from ivr.flow.handler_rules import Level
from ivr.flow.model import (
    ActionNode,
    AnyNode,
    Command,
    ConfirmAnswer,
    Flow,
    GatheringNode,
    HangupNode,
    InputNode,
    MenuNode,
    MessageNode,
    Option,
    SayItem,
    TransferNode,
)

# More nodes than this without waiting for the caller means the flow loops on itself.
MAX_HOPS_PER_TURN = 64
# How many questions "back" can retrace.
MAX_HISTORY = 12
# Commands that would take a caller from a secret input to another part of the flow: off at every secret
# input, whatever the flow says. The representative command stays: a caller stuck at a PIN can always ask
# for a person (a transfer ends the flow; closed, it comes back to the same question).
LEAVING_COMMANDS = frozenset({"back", "main_menu"})
# Commands that ask the same question again: said in the call's language, they do not settle it.
ASKING_AGAIN = frozenset({"repeat", "help", "relay"})
_DIGITS = re.compile(r"^[0-9]+$")


class Retry(StrEnum):
    """Why an answer was not taken: counted apart, said apart (the node's no_input or no_match prompts)."""

    NO_INPUT = "no_input"
    NO_MATCH = "no_match"


class FlowLoopError(IvrError, RuntimeError):
    """The flow passed through too many nodes without waiting for the caller."""

    hint = "`ivr validate` names the loop; make one of its nodes wait for the caller"


@dataclass(frozen=True, slots=True)
class Turn:
    state: CallState
    actions: tuple[Action, ...]
    visited: tuple[str, ...] = ()  # the nodes entered this turn, in order (for coverage and metrics)
    retry: Retry | None = None  # the answer was not taken (also when the attempts ran out)
    chosen: int | None = None  # the index of the menu option the answer picked, at the menu it answered

    @property
    def says(self) -> tuple[Say, ...]:
        """What the turn says, in order: its prompts, those inside a Gather included."""
        said: list[Say] = []
        for action in self.actions:
            if isinstance(action, Say):
                said.append(action)
            elif isinstance(action, Gather):
                said.extend(action.prompts)
        return tuple(said)


def step(flow: Flow, state: CallState | None, event: Event, now: dt.datetime | None = None) -> Turn:
    """Advance one call by one event."""
    if isinstance(event, CallStarted):
        language = (
            event.language if event.language in flow.languages and event.language else flow.default_language
        )
        fresh = CallState(
            call_id=event.call_id,
            flow_version=flow.version,
            node=flow.start,
            language=language,
            turn=1,
            number_verified=event.number_verified,
            epoch=event.epoch,
        )
        return _Walk(flow, now).enter(fresh, flow.start)
    if state is None:
        raise ValueError("only CallStarted may begin a call")
    if isinstance(event, CallEnded):
        return Turn(replace(state, ended=True), ())
    if state.ended:
        return Turn(state, (Hangup(),))

    state = _on(flow, state)
    walk = _Walk(flow, now)
    node = flow.nodes[state.node]
    if isinstance(event, HandlerFinished):
        return walk.finished(state, node, event) if isinstance(node, ActionNode) else Turn(state, ())
    if isinstance(event, TransferEnded) or isinstance(node, TransferNode):
        # A call being transferred moves only when the transfer ends, and the end of a transfer moves
        # nothing else: either, out of place, hears where the call is.
        if not isinstance(node, TransferNode) or not isinstance(event, TransferEnded):
            return replay(flow, state)
        return walk.transfer_ended(replace(state, turn=state.turn + 1), node, event.outcome)

    return walk.answer(replace(state, turn=state.turn + 1), node, event)


def _signed(state: CallState, now: SignIn) -> CallState:
    """The state with a new sign-in. A change of who the call is about, or of how far it is signed in,
    forgets the questions "back" would retrace and the counters kept about the earlier sign-in."""
    if now == state.sign_in:
        return state
    return replace(state, sign_in=now, history=(), counters=())


def _on(flow: Flow, state: CallState) -> CallState:
    """The state as ``flow`` can carry it on: a language the flow no longer has becomes its default, and a
    question asked back on another version of the flow is asked no more (its option index may differ)."""
    if state.language not in flow.languages:
        state = replace(state, language=flow.default_language)
    if state.flow_version != flow.version and state.confirming is not None:
        state = replace(state, confirming=None)
    return state


def _words_language(state: CallState, heard_in: str | None, keeps_language: bool = False) -> str:
    """The language a call goes on in after words heard in ``heard_in`` (None: a key). "Sí" as the first
    answer at the English menu: the caller speaks Spanish. Once a language is chosen, a word of another
    ("Yes", as the brochure says it) changes nothing; nor where an option keeps the call's language."""
    if heard_in is None or state.language_chosen or keeps_language:
        return state.language
    return heard_in


def _secret(node: object) -> bool:
    return isinstance(node, InputNode) and node.secret


def _languages_from(flow: Flow, language: str) -> tuple[str, ...]:
    """The call's language first, then the flow's others: callers mix languages ("agente" in English)."""
    return (language, *(other for other in flow.languages if other != language))


def _command(flow: Flow, node: GatheringNode, language: str, event: Event) -> tuple[str, str | None] | None:
    """The universal command this answer asks for, if any, in any language of the flow, with the language
    its words were heard in (None for a key)."""
    folded = fold(event.text) if isinstance(event, SpeechHeard) else ""
    for lang in _languages_from(flow, language):
        for name, command in flow.commands.items():
            if name in node.without_commands or (name in LEAVING_COMMANDS and _secret(node)):
                continue
            if _is_command(flow, command, lang, event, folded):
                return name, lang if isinstance(event, SpeechHeard) else None
    return None


def _is_command(flow: Flow, command: Command, language: str, event: Event, folded: str) -> bool:
    """Whether ``event`` asks for ``command``; ``folded`` is the speech heard, folded (ivr.core.speech_text)."""
    if isinstance(event, DigitsEntered):  # "#" may be a command's key at a menu; elsewhere it ends entry
        return command.key is not None and command.key in {event.digits, event.digits.rstrip("#")}
    if isinstance(event, SpeechHeard):
        return any(flow.phrase(phrase).text == folded for phrase in command.words.get(language, ()))
    return False


class _Walk:
    """The transitions of one step, with the flow and the time they are made at."""

    def __init__(self, flow: Flow, now: dt.datetime | None) -> None:
        self.flow = flow
        self.open = flow.is_open(now)

    def finished(self, state: CallState, node: ActionNode, event: HandlerFinished) -> Turn:
        """A handler's outcome: apply what it reports of the sign-in, then go where the outcome leads."""
        exhausted = self.flow.defaults.on_exhausted
        target = node.outcomes.get(event.outcome) or node.on_error or exhausted
        updated = state
        if event.sign_in is not None:
            try:
                updated = _signed(state, sign_in.apply(state.sign_in, event.sign_in))
            except SignInViolation:  # a handler acted for someone else: fail closed, say it is unavailable
                updated = _signed(state, Anonymous())
                target = node.on_error or exhausted
            if isinstance(event.sign_in, PinRefused):
                updated = replace(updated, failed_sign_ins=state.failed_sign_ins + 1)
        return self.enter(updated.with_counters(event.counters), target, values=event.values)

    def transfer_ended(self, state: CallState, node: TransferNode, outcome: str) -> Turn:
        """A transfer came back: where the flow says that outcome goes; without a node for it, the call
        ends (a representative who hung up first: the conversation is over)."""
        target = next((to for name, to in node.outcomes.items() if name == outcome), None)
        if target is None:
            return Turn(replace(state, ended=True), (Hangup(),))
        return self.enter(state, target)

    # -- answers at a waiting node -------------------------------------------------------------

    def answer(self, state: CallState, node: AnyNode, event: Event) -> Turn:
        """The caller's answer (or silence) where the call waits: a yes or no to "Did you say ...?", then a
        universal command, then the node's own options or digits."""
        if isinstance(node, MenuNode) and state.confirming is not None:
            settled = self.settle_confirmation(state, node, event)
            if settled is not None:
                return settled
            state = replace(state, confirming=None)  # neither yes nor no: an answer to the menu itself
        if isinstance(node, MenuNode | InputNode):
            found = _command(self.flow, node, state.language, event)
            if found is not None:
                name, heard_in = found
                if self.settles_language(state, name, heard_in):  # "representante": said in Spanish
                    state = replace(state, language=_words_language(state, heard_in), language_chosen=True)
                return self.command(state, node, name)
        if isinstance(node, MenuNode):
            return self.answer_menu(state, node, event)
        if isinstance(node, InputNode):
            return self.answer_input(state, node, event)
        # The call is parked on a node that does not wait (a handler failed mid-turn): carry on from it.
        return self.enter(state, state.node)

    @staticmethod
    def settles_language(state: CallState, name: str, heard_in: str | None) -> bool:
        """A command's words settle a call's language not yet chosen, except help, repeat and relay said
        in the language the call already has (the question comes again, still offering the others)."""
        if heard_in is None or state.language_chosen:
            return False
        return _words_language(state, heard_in) != state.language or name not in ASKING_AGAIN

    def command(self, state: CallState, node: GatheringNode, name: str) -> Turn:
        command = self.flow.commands[name]
        if name == "repeat":
            return self.ask(state, node, full=True)
        if name == "help":
            helped = node.help or self.flow.defaults.help
            return self.ask(state, node, full=True, before=tuple(Say(p) for p in helped))
        if name == "relay":
            relay = self.flow.relay
            said = (Say(relay.prompt),) if relay is not None else ()
            return self.ask(replace(state, relay=True), node, full=True, before=said)
        if name == "back":
            if not state.history:
                return self.ask(state, node)
            previous = state.history[-1]
            return self.enter(replace(state, history=state.history[:-1]), previous, remember=False)
        target = command.target
        if name == "main_menu" and sign_in.level(state.sign_in) < Level.SIGNED_IN:
            target = command.target_before_sign_in or target
        if target is None:
            return self.ask(state, node)
        return self.enter(state, target)

    def answer_menu(self, state: CallState, node: MenuNode, event: Event) -> Turn:
        if isinstance(event, NoInput):
            return self.retry(state, node, Retry.NO_INPUT)
        found = self.match_option(node, state.language, event)
        if found is None:
            named = self.named_language(event)
            if named is not None:  # "Spanish", "inglés": the same question, in that language
                return self.ask(replace(state, language=named, language_chosen=True), node, full=True)
            return self.retry(state, node, Retry.NO_MATCH)
        option, heard_in = found
        confirm = self.flow.confirm
        if (
            confirm is not None
            and isinstance(event, SpeechHeard)
            and event.confidence is not None
            and event.confidence < confirm.below_confidence
        ):
            # asked back in the words the caller used
            state = replace(state, language=_words_language(state, heard_in, option.keeps_language))
            return self.ask_back(replace(state, confirming=node.options.index(option)), option, heard_in)
        return self.take(state, node, option, heard_in)

    def take(self, state: CallState, node: MenuNode, option: Option, heard_in: str | None) -> Turn:
        """The caller picked ``option`` (in ``heard_in``'s words, or by key): the call's language is settled."""
        if option.language == "next":
            language = self.flow.next_language(state.language)
        elif option.language is not None:
            language = option.language
        else:
            language = _words_language(state, heard_in, option.keeps_language)
        state = replace(state, language=language, language_chosen=True, confirming=None)
        if option.next is None:  # an option that does what a universal command does
            taken = self.command(state, node, option.command or "repeat")
        else:
            taken = self.enter(state, option.next)
        return replace(taken, chosen=node.options.index(option))

    def ask_back(self, state: CallState, option: Option, heard_in: str | None) -> Turn:
        """ "Did you say payments?": the option's first words in the language it was heard in."""
        confirm = self.flow.confirm
        assert confirm is not None  # noqa: S101 - answer_menu asks back only with a confirm block
        language = heard_in or state.language
        words = option.words.get(language) or option.words.get(state.language) or (option.key or "",)
        hints = (*confirm.yes.words.get(state.language, ()), *confirm.no.words.get(state.language, ()))
        gather = Gather(
            prompts=(Say(confirm.prompt, {"choice": words[0]}),),
            hints=hints,
            timeout_seconds=self.timeout(state, self.flow.nodes[state.node]),
        )
        return Turn(state, (gather,))

    def settle_confirmation(self, state: CallState, node: MenuNode, event: Event) -> Turn | None:
        """A yes or a no to "Did you say ...?"; None for any other answer (taken as an answer to the menu)."""
        confirm = self.flow.confirm
        index = state.confirming
        if confirm is None or index is None or not 0 <= index < len(node.options):
            return None
        if isinstance(event, NoInput):
            return self.retry(replace(state, confirming=None), node, Retry.NO_INPUT)
        said = self.yes_or_no(confirm.yes, confirm.no, state.language, event)
        if said is None:
            return None
        if said:
            return self.take(state, node, node.options[index], None)
        # "No": the menu again, as an answer not understood (counted, so nobody is asked back forever)
        return self.retry(replace(state, confirming=None), node, Retry.NO_MATCH)

    def yes_or_no(self, yes: ConfirmAnswer, no: ConfirmAnswer, language: str, event: Event) -> bool | None:
        """True for a yes, False for a no (whichever of their words was said first), None for neither."""
        if isinstance(event, DigitsEntered):
            key = event.digits.rstrip("#")
            return True if key == yes.key else False if key == no.key else None
        if not isinstance(event, SpeechHeard):
            return None
        words = fold(event.text).split()
        languages = _languages_from(self.flow, language)
        said = self.first_said(
            words,
            [tuple(p for lang in languages for p in answer.words.get(lang, ())) for answer in (yes, no)],
        )
        return None if said is None else said == 0

    def named_language(self, event: Event) -> str | None:
        """The language a caller named ("español", "English") at a menu, if any."""
        if not isinstance(event, SpeechHeard):
            return None
        words = fold(event.text).split()
        for code, spec in self.flow.languages.items():
            for name in spec.names:
                # the name, and at most two words more ("spanish please", "inglés, por favor"): in a
                # sentence ("no hablo inglés, hablo español") a language's name names no choice
                phrase = self.flow.phrase(name)
                if len(words) <= len(phrase.words) + 2 and find_phrase(words, phrase) is not None:
                    return code
        return None

    def answer_input(self, state: CallState, node: InputNode, event: Event) -> Turn:
        if isinstance(event, NoInput):
            return self.retry(state, node, Retry.NO_INPUT)
        digits: str | None = None
        if isinstance(event, DigitsEntered):
            digits = event.digits.replace(node.finish_key, "") if node.finish_key else event.digits
        elif isinstance(event, SpeechHeard) and not node.secret:
            digits = "".join(ch for ch in event.text if ch.isdigit())
        if (
            digits is None
            or not _DIGITS.match(digits)
            or not node.min_length <= len(digits) <= node.max_length
        ):
            return self.retry(state, node, Retry.NO_MATCH)
        return self.enter(replace(state, language_chosen=True), node.next, digits=digits)

    def offered(self, node: MenuNode) -> list[Option]:
        """The options available now ('when: open' options only while the office is open)."""
        return [o for o in node.options if o.when is None or (o.when == "open") == self.open]

    def match_option(self, node: MenuNode, language: str, event: Event) -> tuple[Option, str | None] | None:
        """The option an answer picks, and the language whose words picked it (None: a key)."""
        options = self.offered(node)
        if isinstance(event, DigitsEntered):
            key = event.digits.rstrip("#")[:1]
            keyed = next((option for option in options if option.key == key), None)
            return None if keyed is None else (keyed, None)
        if not isinstance(event, SpeechHeard):
            return None
        words = fold(event.text).split()
        if len(words) == 1 and len(words[0]) == 1:  # a recogniser that heard "1" for a spoken key
            spoken_key = next((option for option in options if option.key == words[0]), None)
            if spoken_key is not None:
                return spoken_key, None
        # The caller's language first; then the others, for callers who mix languages ("Yes" in Spanish);
        # then the words that name a key ("one", "option two", "número dos").
        languages = _languages_from(self.flow, language)
        for lang in languages:
            best = self.first_said(words, [option.words.get(lang, ()) for option in options])
            if best is not None:
                return options[best], lang
        said = " ".join(words)
        for lang in languages:  # the whole answer: "one" or "segundo" inside a sentence names nothing
            spoken = self.flow.spoken_keys.get(lang, {})
            for option in options:
                if any(self.flow.phrase(phrase).text == said for phrase in spoken.get(option.key or "", ())):
                    return option, lang
        return None

    def first_said(self, words: list[str], phrases: list[tuple[str, ...]]) -> int | None:
        """Of the flow's phrase lists, the index of the one with a phrase said earliest in ``words``."""
        best: tuple[int, int] | None = None
        for index, options in enumerate(phrases):
            for phrase in options:
                position = find_phrase(words, self.flow.phrase(phrase))
                if position is not None and (best is None or position < best[0]):
                    best = (position, index)
        return None if best is None else best[1]

    def retry(self, state: CallState, node: GatheringNode, kind: Retry) -> Turn:
        defaults = self.flow.defaults
        if kind is Retry.NO_INPUT:
            count, limit = state.no_input + 1, node.max_no_input or defaults.max_no_input
            if state.relay and self.flow.relay is not None:  # a relay caller is never hurried off the line
                limit = max(limit, self.flow.relay.max_no_input)
            prompts = node.no_input or defaults.no_input
            state = replace(state, no_input=count)
        else:
            count, limit = state.no_match + 1, node.max_no_match or defaults.max_no_match
            prompts = node.no_match or defaults.no_match
            state = replace(state, no_match=count)
        if count >= limit:
            return replace(self.enter(state, node.on_exhausted or defaults.on_exhausted), retry=kind)
        apology = Say(prompts[min(count, len(prompts)) - 1])
        attempt = max(state.no_input, state.no_match) + 1
        return replace(self.ask(state, node, attempt, before=(apology,)), retry=kind)

    # -- what a waiting node asks --------------------------------------------------------------

    def ask(
        self,
        state: CallState,
        node: GatheringNode,
        attempt: int = 1,
        values: Values | None = None,
        full: bool = False,
        before: tuple[Action, ...] = (),
        visited: tuple[str, ...] = (),
    ) -> Turn:
        """The turn that asks ``node``'s question (after ``before``); the state remembers a full prompt heard."""
        shortened = self.shortened(state, node, attempt, full)
        first_full = not shortened and attempt == 1 and isinstance(node, MenuNode) and node.short_after_first
        if first_full and state.node not in state.heard:
            state = replace(state, heard=(*state.heard, state.node))
        gather = self.gather(state, node, attempt, values, shortened)
        return Turn(state, (*before, gather), visited)

    def shortened(self, state: CallState, node: GatheringNode, attempt: int, full: bool) -> bool:
        """Whether the short prompt is said instead of the full one: the second attempt, or a menu heard before."""
        if node.short_prompt is None or full or attempt >= 3:
            return False
        if attempt == 2:
            return True
        return isinstance(node, MenuNode) and node.short_after_first and state.node in state.heard

    def timeout(self, state: CallState, node: object) -> int:
        """Seconds of silence before a no-input: longer after each silence, and for relay callers."""
        base = self.flow.defaults.timeout_seconds
        if isinstance(node, MenuNode | InputNode) and node.timeout_seconds:
            base = node.timeout_seconds
        if state.relay and self.flow.relay is not None:
            base = max(base, self.flow.relay.timeout_seconds)
        return base + self.flow.defaults.timeout_growth_seconds * state.no_input

    def offers(self, state: CallState, node: GatheringNode) -> tuple[Say, ...]:
        """The other languages' offers ("Para español, marque 9"), each said in its own language, at a menu
        whose options switch to them (elsewhere the offer's key could mean something else): until the caller
        has chosen a language, and always at a menu with offer_languages."""
        if not isinstance(node, MenuNode) or (state.language_chosen and not node.offer_languages):
            return ()
        targets = {option.language for option in self.offered(node) if option.language is not None}
        return tuple(
            Say(spec.offer, language=code)
            for code, spec in self.flow.languages.items()
            if code != state.language and spec.offer is not None and (code in targets or "next" in targets)
        )

    def gather(
        self,
        state: CallState,
        node: GatheringNode,
        attempt: int,
        values: Values | None = None,
        shortened: bool = False,
    ) -> Gather:
        if attempt >= 3 and node.help:
            prompt_ids = node.help
        elif shortened and node.short_prompt:
            prompt_ids = node.short_prompt
        else:
            prompt_ids = node.prompt
        prompts = (*self.offers(state, node), *(Say(prompt, values or {}) for prompt in prompt_ids))
        timeout = self.timeout(state, node)
        if isinstance(node, InputNode):
            return Gather(
                prompts=prompts,
                min_digits=node.min_length,
                max_digits=node.max_length,
                finish_key=node.finish_key,
                secret=node.secret,
                timeout_seconds=timeout,
            )
        hints: list[str] = []
        for option in self.offered(node):
            hints.extend(option.words.get(state.language, ()))
        for name, command in self.flow.commands.items():
            if name not in node.without_commands:
                hints.extend(command.words.get(state.language, ()))
        for spec in self.flow.languages.values():
            hints.extend(spec.names)
        return Gather(prompts=prompts, hints=tuple(dict.fromkeys(hints)), timeout_seconds=timeout)

    # -- walking the flow ----------------------------------------------------------------------

    def farewell(self, state: CallState, items: tuple[SayItem, ...], values: Values) -> list[Say]:
        """What a hangup or transfer says: in every language, the caller's first, until they have chosen one
        (a caller who speaks only Spanish is not sent off in English)."""
        said = self.says(items, values)
        if state.language_chosen:
            return said
        return [
            replace(say, language=code) if say.language is None else say
            for code in _languages_from(self.flow, state.language)
            for say in said
            if say.language is None or code == state.language
        ]

    def says(self, items: tuple[SayItem, ...], values: Values) -> list[Say]:
        says = []
        for item in items:
            if item.for_each is None:
                says.append(Say(item.prompt, values, item.language))
                continue
            listed: Value = values.get(item.for_each, ())
            if isinstance(listed, tuple):
                says.extend(Say(item.prompt, {**values, **entry}, item.language) for entry in listed)
        return says

    def enter(
        self,
        state: CallState,
        node_id: str,
        values: Values | None = None,
        digits: str | None = None,
        remember: bool = True,
    ) -> Turn:
        """Walk from ``node_id`` until the flow waits, needs data or leaves. ``remember``: push the question
        the caller is leaving onto the history that "back" retraces."""
        values = values or {}
        origin = state.node
        origin_node = self.flow.nodes.get(origin)
        if (
            remember
            and isinstance(origin_node, MenuNode | InputNode)
            and not _secret(origin_node)  # "back" never returns anyone to an ID or PIN question
            and origin != node_id
        ):
            state = replace(state, history=(*state.history, origin)[-MAX_HISTORY:])
        actions: list[Action] = []
        visited: list[str] = []
        for _ in range(MAX_HOPS_PER_TURN):
            node = self.flow.nodes[node_id]
            visited.append(node_id)
            state = replace(state, node=node_id, no_input=0, no_match=0, confirming=None)
            if isinstance(node, MessageNode):
                actions.extend(self.says(node.say, values))
                node_id, digits = node.next, None
                continue
            if isinstance(node, HangupNode):
                actions.extend(self.farewell(state, node.say, values))
                actions.append(Hangup())
                return Turn(replace(state, ended=True), tuple(actions), tuple(visited))
            if isinstance(node, TransferNode):
                if self.open or not node.hours:
                    actions.extend(self.farewell(state, node.say, values))
                    returns = bool(node.outcomes)  # the call waits here for the transfer to come back
                    actions.append(Transfer(node.to, node.queue, node.ring_seconds, returns))
                    return Turn(replace(state, ended=not returns), tuple(actions), tuple(visited))
                actions.extend(self.says(node.closed, values))
                if node.when_closed is not None:
                    node_id = node.when_closed
                    continue
                if isinstance(origin_node, MenuNode | InputNode):  # back to the question they were at
                    state = replace(
                        state, node=origin, history=state.history[:-1] if remember else state.history
                    )
                    return self.ask(state, origin_node, before=tuple(actions), visited=tuple(visited))
                node_id = self.flow.defaults.on_exhausted
                continue
            if isinstance(node, ActionNode):
                rules = self.flow.handler_rules.get(node.handler)
                if rules is not None and sign_in.level(state.sign_in) < rules.needs:
                    # A step this call has not signed in for (a flow `ivr validate` would refuse): never
                    # run it; the caller hears the node's error path.
                    node_id, digits = node.on_error or self.flow.defaults.on_exhausted, None
                    continue
                actions.append(RunHandler(node.handler, digits))
                return Turn(state, tuple(actions), tuple(visited))
            return self.ask(state, node, values=values, before=tuple(actions), visited=tuple(visited))
        raise FlowLoopError(f"the flow passed {MAX_HOPS_PER_TURN} nodes without waiting for the caller")


def replay(flow: Flow, state: CallState, full: bool = False) -> Turn:
    """What the caller should hear again where the call stands, changing nothing: for a webhook that was
    delivered twice, arrived late, or lost a race with another request for the same call. ``full``: the
    whole question, never its short form, for a caller who may not have heard the answer that led to it
    (an answer saved whose reply was lost, then an outage answer or Twilio's retry)."""
    if state.ended:
        return Turn(state, (Hangup(),))
    state = _on(flow, state)
    node = flow.nodes.get(state.node)
    walk = _Walk(flow, None)
    if (
        isinstance(node, MenuNode)
        and state.confirming is not None
        and 0 <= state.confirming < len(node.options)
    ):
        return walk.ask_back(state, node.options[state.confirming], None)
    if isinstance(node, MenuNode | InputNode):
        shortened = walk.shortened(state, node, 1, full)
        return Turn(state, (walk.gather(state, node, attempt=1, shortened=shortened),))
    if isinstance(node, TransferNode):  # being put through: the transfer again, never silence
        return Turn(state, (Transfer(node.to, node.queue, node.ring_seconds, returns=True),))
    return Turn(state, ())
