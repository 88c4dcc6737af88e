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
    Command,
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
        )
        return _Walk(flow, now).enter(fresh, flow.start)
    if state is None:
        raise ValueError("only CallStarted may begin a call")
    if isinstance(event, CallEnded):
        return Turn(replace(state, ended=True), ())
    if state.ended:
        return Turn(state, (Hangup(),))

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

    state = replace(state, turn=state.turn + 1)
    if isinstance(node, MenuNode | InputNode):
        command = _command(flow, node, state.language, event)
        if command is not None:
            return walk.command(state, node, command)
    if isinstance(node, MenuNode):
        return walk.answer_menu(state, node, event)
    if isinstance(node, InputNode):
        return walk.answer_input(state, node, event)
    # The call is parked on a node that does not wait (a handler failed mid-turn): carry on from it.
    return walk.enter(state, state.node)


def _signed(state: CallState, now: SignIn) -> CallState:
    """The state with a new sign-in. A change of who the call is about, or of how far it is signed in,
    forgets the questions "back" would retrace and the counters kept about the earlier sign-in."""
    if now == state.sign_in:
        return state
    return replace(state, sign_in=now, history=(), counters=())


def _secret(node: object) -> bool:
    return isinstance(node, InputNode) and node.secret


def _command(flow: Flow, node: GatheringNode, language: str, event: Event) -> str | None:
    """The universal command this answer asks for, if any."""
    for name, command in flow.commands.items():
        if name in node.without_commands or (name in LEAVING_COMMANDS and _secret(node)):
            continue
        if _is_command(command, language, event):
            return name
    return None


def _is_command(command: Command, language: str, event: Event) -> bool:
    if isinstance(event, DigitsEntered):
        return command.key is not None and event.digits.rstrip("#") == command.key
    if isinstance(event, SpeechHeard):
        folded = fold(event.text)
        return any(fold(phrase) == folded for phrase in command.words.get(language, ()))
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

    def command(self, state: CallState, node: GatheringNode, name: str) -> Turn:
        command = self.flow.commands[name]
        if name == "repeat":
            return Turn(state, (self.gather(state, node, attempt=1),))
        if name == "help":
            helped = node.help or self.flow.defaults.help
            return Turn(state, (*(Say(p) for p in helped), self.gather(state, node, attempt=1)))
        if name == "back":
            if not state.history:
                return Turn(state, (self.gather(state, node, attempt=1),))
            previous = state.history[-1]
            return self.enter(replace(state, history=state.history[:-1]), previous, remember=False)
        target = command.target
        if name == "main_menu" and sign_in.level(state.sign_in) < Level.SIGNED_IN:
            target = command.target_before_sign_in or target
        if target is None:
            return Turn(state, (self.gather(state, node, attempt=1),))
        return self.enter(state, target)

    def answer_menu(self, state: CallState, node: MenuNode, event: Event) -> Turn:
        if isinstance(event, NoInput):
            return self.retry(state, node, Retry.NO_INPUT)
        option = self.match_option(node, state.language, event)
        if option is None:
            return self.retry(state, node, Retry.NO_MATCH)
        if option.language is not None:
            state = replace(state, language=option.language)
        if option.next is None:  # an option that does what a universal command does
            return self.command(state, node, option.command or "repeat")
        return self.enter(state, option.next)

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
        return self.enter(state, node.next, digits=digits)

    def offered(self, node: MenuNode) -> list[Option]:
        """The options available now ('when: open' options only while the office is open)."""
        return [o for o in node.options if o.when is None or (o.when == "open") == self.open]

    def match_option(self, node: MenuNode, language: str, event: Event) -> Option | None:
        options = self.offered(node)
        if isinstance(event, DigitsEntered):
            key = event.digits.rstrip("#")[:1]
            return next((option for option in options if option.key == key), None)
        if not isinstance(event, SpeechHeard):
            return None
        words = fold(event.text).split()
        if len(words) == 1 and len(words[0]) == 1:  # a recogniser that heard "1" for a spoken key
            spoken_key = next((option for option in options if option.key == words[0]), None)
            if spoken_key is not None:
                return spoken_key
        # The caller's language first; then the others, for callers who mix languages ("Yes" in Spanish).
        for lang in (language, *(other for other in self.flow.languages if other != language)):
            best: tuple[int, int] | None = None
            for index, option in enumerate(options):
                for phrase in option.words.get(lang, ()):
                    position = find_phrase(words, phrase)
                    if position is not None and (best is None or position < best[0]):
                        best = (position, index)
            if best is not None:
                return options[best[1]]
        return None

    def retry(self, state: CallState, node: GatheringNode, kind: Retry) -> Turn:
        defaults = self.flow.defaults
        if kind is Retry.NO_INPUT:
            count, limit = state.no_input + 1, node.max_no_input or defaults.max_no_input
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
        return Turn(state, (apology, self.gather(state, node, attempt)), retry=kind)

    # -- what a waiting node asks --------------------------------------------------------------

    def gather(
        self, state: CallState, node: GatheringNode, attempt: int, values: Values | None = None
    ) -> Gather:
        if attempt >= 3 and node.help:
            prompt_ids = node.help
        elif attempt >= 2 and node.short_prompt:
            prompt_ids = node.short_prompt
        else:
            prompt_ids = node.prompt
        prompts = tuple(Say(prompt, values or {}) for prompt in prompt_ids)
        timeout = node.timeout_seconds or self.flow.defaults.timeout_seconds
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
        return Gather(prompts=prompts, hints=tuple(hints), timeout_seconds=timeout)

    # -- walking the flow ----------------------------------------------------------------------

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
            state = replace(state, node=node_id, no_input=0, no_match=0)
            if isinstance(node, MessageNode):
                actions.extend(self.says(node.say, values))
                node_id, digits = node.next, None
                continue
            if isinstance(node, HangupNode):
                actions.extend(self.says(node.say, values))
                actions.append(Hangup())
                return Turn(replace(state, ended=True), tuple(actions), tuple(visited))
            if isinstance(node, TransferNode):
                if self.open or not node.hours:
                    actions.extend(self.says(node.say, values))
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
                    actions.append(self.gather(state, origin_node, attempt=1))
                    return Turn(state, tuple(actions), tuple(visited))
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
            actions.append(self.gather(state, node, attempt=1, values=values))
            return Turn(state, tuple(actions), tuple(visited))
        raise FlowLoopError(f"the flow passed {MAX_HOPS_PER_TURN} nodes without waiting for the caller")


def replay(flow: Flow, state: CallState) -> Turn:
    """What the caller should hear again where the call stands, changing nothing: for a webhook that was
    delivered twice, arrived late, or lost a race with another request for the same call."""
    if state.ended:
        return Turn(state, (Hangup(),))
    node = flow.nodes.get(state.node)
    if isinstance(node, MenuNode | InputNode):
        return Turn(state, (_Walk(flow, None).gather(state, node, attempt=1),))
    if isinstance(node, TransferNode):  # being put through: the transfer again, never silence
        return Turn(state, (Transfer(node.to, node.queue, node.ring_seconds, returns=True),))
    return Turn(state, ())
