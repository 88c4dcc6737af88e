"""Rule 1: every change to a call's state happens in this file.

``step(flow, state, event)`` is a pure function. It looks at the node the call is waiting at, decides
what the event means there, and walks the flow until it reaches a node that waits for the caller (menu,
input), needs data (action: the runtime runs the handler and calls ``step`` again with HandlerFinished),
or ends the call (hangup). Message nodes are said on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ivr.engine.actions import Action, Gather, Hangup, RunHandler, Say
from ivr.engine.events import (
    CallEnded,
    CallStarted,
    DigitsEntered,
    Event,
    HandlerFinished,
    NoInput,
    SpeechHeard,
)
from ivr.engine.state import CallState
from ivr.flow.model import (
    ActionNode,
    Flow,
    HangupNode,
    InputNode,
    MenuNode,
    MessageNode,
    Option,
    SayItem,
)
from ivr.speech_text import find_phrase, fold
from ivr.values import Value, Values

# More nodes than this without waiting for the caller means the flow loops on itself.
MAX_HOPS_PER_TURN = 64
_DIGITS = re.compile(r"^[0-9]+$")


class FlowLoopError(RuntimeError):
    """The flow passed through too many nodes without waiting for the caller."""


@dataclass(frozen=True, slots=True)
class Turn:
    state: CallState
    actions: tuple[Action, ...]


def step(flow: Flow, state: CallState | None, event: Event) -> Turn:
    """Advance one call by one event."""
    if isinstance(event, CallStarted):
        language = (
            event.language if event.language in flow.languages and event.language else flow.default_language
        )
        fresh = CallState(
            call_id=event.call_id, flow_version=flow.version, node=flow.start, language=language, turn=1
        )
        return _enter(flow, fresh, flow.start)
    if state is None:
        raise ValueError("only CallStarted may begin a call")
    if isinstance(event, CallEnded):
        return Turn(replace(state, ended=True), ())
    if state.ended:
        return Turn(state, (Hangup(),))

    node = flow.nodes[state.node]
    if isinstance(event, HandlerFinished):
        if not isinstance(node, ActionNode):
            return Turn(state, ())
        target = node.outcomes.get(event.outcome) or node.on_error or flow.defaults.on_exhausted
        updated = replace(state, claimed=event.claimed, participant=event.participant or state.participant)
        return _enter(flow, updated.with_counters(event.counters), target, values=event.values)

    state = replace(state, turn=state.turn + 1)
    if isinstance(node, MenuNode):
        return _answer_menu(flow, state, node, event)
    if isinstance(node, InputNode):
        return _answer_input(flow, state, node, event)
    # The call is parked on a node that does not wait (a handler failed mid-turn): carry on from it.
    return _enter(flow, state, state.node)


def _answer_menu(flow: Flow, state: CallState, node: MenuNode, event: Event) -> Turn:
    if isinstance(event, NoInput):
        return _retry(flow, state, node, "no_input")
    if _is_repeat(flow, state.language, event):
        return Turn(state, (_gather(flow, state, node),))
    option = _match_option(flow, node, state.language, event)
    if option is None:
        return _retry(flow, state, node, "no_match")
    if option.language is not None:
        state = replace(state, language=option.language)
    return _enter(flow, state, option.next)


def _answer_input(flow: Flow, state: CallState, node: InputNode, event: Event) -> Turn:
    if isinstance(event, NoInput):
        return _retry(flow, state, node, "no_input")
    if _is_repeat(flow, state.language, event):
        return Turn(state, (_gather(flow, state, node),))
    digits: str | None = None
    if isinstance(event, DigitsEntered):
        digits = event.digits.replace(node.finish_key, "") if node.finish_key else event.digits
    elif isinstance(event, SpeechHeard) and not node.secret:
        digits = "".join(ch for ch in event.text if ch.isdigit())
    if digits is None or not _DIGITS.match(digits) or not node.min_length <= len(digits) <= node.max_length:
        return _retry(flow, state, node, "no_match")
    return _enter(flow, state, node.next, digits=digits)


def _is_repeat(flow: Flow, language: str, event: Event) -> bool:
    command = flow.commands.get("repeat")
    if command is None:
        return False
    if isinstance(event, DigitsEntered):
        return command.key is not None and event.digits.rstrip("#") == command.key
    if isinstance(event, SpeechHeard):
        folded = fold(event.text)
        return any(fold(phrase) == folded for phrase in command.words.get(language, ()))
    return False


def _match_option(flow: Flow, node: MenuNode, language: str, event: Event) -> Option | None:
    if isinstance(event, DigitsEntered):
        key = event.digits.rstrip("#")[:1]
        return next((option for option in node.options if option.key == key), None)
    if not isinstance(event, SpeechHeard):
        return None
    words = fold(event.text).split()
    if len(words) == 1 and len(words[0]) == 1:  # a recogniser that heard "1" for a spoken key
        spoken_key = next((option for option in node.options if option.key == words[0]), None)
        if spoken_key is not None:
            return spoken_key
    # The caller's language first; then the others, for callers who mix languages ("Yes" in Spanish).
    for lang in (language, *(lang for lang in flow.languages if lang != language)):
        best: tuple[int, int] | None = None
        for index, option in enumerate(node.options):
            for phrase in option.words.get(lang, ()):
                position = find_phrase(words, phrase)
                if position is not None and (best is None or position < best[0]):
                    best = (position, index)
        if best is not None:
            return node.options[best[1]]
    return None


def _retry(flow: Flow, state: CallState, node: MenuNode | InputNode, kind: str) -> Turn:
    defaults = flow.defaults
    if kind == "no_input":
        count, limit = state.no_input + 1, node.max_no_input or defaults.max_no_input
        prompts = node.no_input or defaults.no_input
        state = replace(state, no_input=count)
    else:
        count, limit = state.no_match + 1, node.max_no_match or defaults.max_no_match
        prompts = node.no_match or defaults.no_match
        state = replace(state, no_match=count)
    if count >= limit:
        return _enter(flow, state, node.on_exhausted or defaults.on_exhausted)
    apology = Say(prompts[min(count, len(prompts)) - 1])
    return Turn(state, (apology, _gather(flow, state, node)))


def _gather(flow: Flow, state: CallState, node: MenuNode | InputNode, values: Values | None = None) -> Gather:
    prompts = tuple(Say(prompt, values or {}) for prompt in node.prompt)
    timeout = node.timeout_seconds or flow.defaults.timeout_seconds
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
    for option in node.options:
        hints.extend(option.words.get(state.language, ()))
    repeat = flow.commands.get("repeat")
    if repeat is not None:
        hints.extend(repeat.words.get(state.language, ()))
    return Gather(prompts=prompts, hints=tuple(hints), timeout_seconds=timeout)


def _says(items: tuple[SayItem, ...], values: Values) -> list[Say]:
    says = []
    for item in items:
        if item.for_each is None:
            says.append(Say(item.prompt, values, item.language))
            continue
        listed: Value = values.get(item.for_each, ())
        if isinstance(listed, tuple):
            says.extend(Say(item.prompt, {**values, **entry}, item.language) for entry in listed)
    return says


def _enter(
    flow: Flow,
    state: CallState,
    node_id: str,
    values: Values | None = None,
    digits: str | None = None,
) -> Turn:
    values = values or {}
    actions: list[Action] = []
    for _ in range(MAX_HOPS_PER_TURN):
        node = flow.nodes[node_id]
        state = replace(state, node=node_id, no_input=0, no_match=0)
        if isinstance(node, MessageNode):
            actions.extend(_says(node.say, values))
            node_id, digits = node.next, None
            continue
        if isinstance(node, HangupNode):
            actions.extend(_says(node.say, values))
            actions.append(Hangup())
            return Turn(replace(state, ended=True), tuple(actions))
        if isinstance(node, ActionNode):
            actions.append(RunHandler(node.handler, digits))
            return Turn(state, tuple(actions))
        actions.append(_gather(flow, state, node, values))
        return Turn(state, tuple(actions))
    raise FlowLoopError(f"the flow passed {MAX_HOPS_PER_TURN} nodes without waiting for the caller")
