"""Checks on a compiled flow that the schema alone cannot make. Each returns problems in operators' words."""

from __future__ import annotations

import difflib
import re
import string
from collections import deque
from collections.abc import Collection, Iterator, Mapping

from babel import Locale, UnknownLocaleError

from ivr.core.speech_text import fold
from ivr.flow.errors import Problem
from ivr.flow.handler_rules import HandlerCatalog, Level
from ivr.flow.model import (
    SMS_FORM,
    TRANSFER_FAILURES,
    VALUE_WORD_VALUES,
    VALUE_WORDS_PREFIX,
    ActionNode,
    AnyNode,
    Flow,
    HangupNode,
    InputNode,
    MenuNode,
    MessageNode,
    SayItem,
    TransferNode,
)
from ivr.flow.placeholders import values_in

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_WAITING = (MenuNode, InputNode)
_LEAVING = (HangupNode, TransferNode)


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def targets(node: AnyNode, exhaustion: bool = True) -> Iterator[tuple[str, str]]:
    """(yaml path below the node, target node id) for every transition a node can make."""
    if isinstance(node, MenuNode):
        for index, option in enumerate(node.options):
            if option.next is not None:
                yield f"options.{index}.next", option.next
    if isinstance(node, InputNode | MessageNode):
        yield "next", node.next
    if isinstance(node, ActionNode):
        for outcome, target in node.outcomes.items():
            yield f"outcomes.{outcome}", target
        if node.on_error:
            yield "on_error", node.on_error
    if isinstance(node, TransferNode):
        if node.when_closed:
            yield "when_closed", node.when_closed
        for outcome, target in node.outcomes.items():
            yield f"outcomes.{outcome}", target
    if exhaustion and isinstance(node, MenuNode | InputNode) and node.on_exhausted:
        yield "on_exhausted", node.on_exhausted


def _say_refs(where: str, items: tuple[SayItem, ...]) -> Iterator[tuple[str, str]]:
    yield from ((f"{where}.{i}", item.prompt) for i, item in enumerate(items))


def _prompt_refs(flow: Flow) -> Iterator[tuple[str, str]]:
    yield from (("defaults.no_input", p) for p in flow.defaults.no_input)
    yield from (("defaults.no_match", p) for p in flow.defaults.no_match)
    yield from (("defaults.help", p) for p in flow.defaults.help)
    yield "defaults.apology", flow.defaults.apology
    for code, spec in flow.languages.items():
        if spec.offer is not None:
            yield f"languages.{code}.offer", spec.offer
    if flow.confirm is not None:
        yield "confirm.prompt", flow.confirm.prompt
    if flow.relay is not None:
        yield "relay.prompt", flow.relay.prompt
    for node_id, node in flow.nodes.items():
        base = f"nodes.{node_id}"
        if isinstance(node, MenuNode | InputNode):
            for field in ("prompt", "short_prompt", "help", "no_input", "no_match"):
                yield from ((f"{base}.{field}", p) for p in getattr(node, field) or ())
        if isinstance(node, MessageNode | HangupNode | TransferNode):
            yield from _say_refs(f"{base}.say", node.say)
        if isinstance(node, TransferNode):
            yield from _say_refs(f"{base}.closed", node.closed)


def check_flow(
    flow: Flow,
    handlers: HandlerCatalog | None,
    handler_prompts: Mapping[str, Collection[str]] | Collection[str] | None = None,
    text_keywords: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of a compiled flow. ``handler_prompts``: the prompts the service says on its own,
    with the values it fills in (a plain collection: prompts said without values). ``text_keywords``: the
    words the text-message carrier answers itself (STOP, HELP, YES ...), with what it does with them."""
    service_prompts = _service_prompts(handler_prompts)
    problems = [
        *_check_header(flow),
        *_check_nodes(flow, None if handlers is None else set(handlers)),
        *_check_prompts(flow, set(service_prompts)),
        *_check_channel_prompts(flow),
        *_check_text_keywords(flow, text_keywords or {}),
    ]
    if not problems:  # the graph checks assume every target exists
        problems.extend(_unreachable(flow))
        problems.extend(_loops_without_waiting(flow))
        problems.extend(_no_way_out(flow))
        if handlers is not None:
            problems.extend(_reachable_without_sign_in(flow, handlers))
            problems.extend(check_placeholders(flow, handlers, service_prompts))
    return problems


def _service_prompts(
    given: Mapping[str, Collection[str]] | Collection[str] | None,
) -> dict[str, frozenset[str]]:
    if given is None:
        return {}
    if isinstance(given, Mapping):
        return {prompt: frozenset(values) for prompt, values in given.items()}
    return {prompt: frozenset() for prompt in given}


def _missing(flow: Flow, where: str, what: str, target: str) -> Problem:
    return Problem(
        f"{what} '{target}', which does not exist{_suggest(target, sorted(flow.nodes))}", yaml_path=where
    )


def _check_header(flow: Flow) -> Iterator[Problem]:
    if flow.start not in flow.nodes:
        yield _missing(flow, "flow.start", "the flow starts at", flow.start)
    if flow.defaults.on_exhausted not in flow.nodes:
        yield _missing(
            flow, "defaults.on_exhausted", "defaults send exhausted callers to", flow.defaults.on_exhausted
        )
    if flow.default_language not in flow.languages:
        yield Problem(
            f"default language '{flow.default_language}' is not under languages",
            yaml_path="flow.default_language",
        )
    for name, command in flow.commands.items():
        for field in ("target", "target_before_sign_in"):
            target = getattr(command, field)
            if target is not None and target not in flow.nodes:
                yield _missing(
                    flow, f"commands.{name}.{field}", f"the {name} command sends callers to", target
                )
        if name in ("main_menu", "representative") and command.target is None:
            yield Problem(f"the {name} command needs a target node", yaml_path=f"commands.{name}")
    if "relay" in flow.commands and flow.relay is None:
        yield Problem(
            "the relay command gives relay callers longer waits, but the flow has no 'relay:' block saying "
            "how long (add relay: with timeout_seconds, max_no_input and prompt)",
            yaml_path="commands.relay",
        )
    yield from _check_locales(flow)
    for where, words in _language_keyed(flow):
        for lang in words:
            if lang not in flow.languages:
                yield Problem(
                    f"words given for language '{lang}', which is not under languages", yaml_path=where
                )


def _babel_knows(locale: str) -> bool:
    try:
        Locale.parse(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True


def _check_locales(flow: Flow) -> Iterator[Problem]:
    """A locale Babel has no data for: dates, times and amounts could not be said in it, mid-call."""
    for code, spec in flow.languages.items():
        if _babel_knows(spec.locale):
            continue
        known = [name for name in (spec.recognizer.replace("-", "_"), code) if _babel_knows(name)]
        such_as = f", such as {known[0]}" if known else ""
        yield Problem(
            f"Babel does not know the locale '{spec.locale}' of {spec.name} ({code}): dates, times and amounts "
            f"could not be said in it; use a locale Babel knows{such_as}",
            yaml_path=f"languages.{code}.locale",
        )


def _language_keyed(flow: Flow) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(yaml path, {language: words}) for every flow-wide list of words kept per language."""
    yield "spoken_keys", flow.spoken_keys
    for name, command in flow.commands.items():
        yield f"commands.{name}.words", command.words
    if flow.confirm is not None:
        yield "confirm.yes.words", flow.confirm.yes.words
        yield "confirm.no.words", flow.confirm.no.words


def _check_nodes(flow: Flow, handler_names: set[str] | None) -> Iterator[Problem]:
    for node_id, node in flow.nodes.items():
        base = f"nodes.{node_id}"
        for where, target in targets(node):
            if target not in flow.nodes:
                yield _missing(flow, f"{base}.{where}", f"node '{node_id}' sends callers to", target)
        if isinstance(node, ActionNode) and handler_names is not None and node.handler not in handler_names:
            yield Problem(
                f"node '{node_id}' runs handler '{node.handler}', which the service does not have"
                f"{_suggest(node.handler, sorted(handler_names))}",
                yaml_path=f"{base}.handler",
            )
        if isinstance(node, InputNode) and node.min_length > node.max_length:
            yield Problem(
                f"node '{node_id}' asks for at least {node.min_length} digits but at most {node.max_length}",
                yaml_path=f"{base}.min_length",
            )
        if isinstance(node, MenuNode):
            yield from _check_options(flow, node_id, node)
        if isinstance(node, TransferNode):
            yield from _check_transfer(flow, node_id, node)


def _check_prompts(flow: Flow, handler_prompts: set[str]) -> Iterator[Problem]:
    refs = [
        *_prompt_refs(flow),
        *(("prompts said by the service's handlers", p) for p in sorted(handler_prompts)),
    ]
    for where, prompt_id in refs:
        for lang, catalogue in flow.prompts.items():
            if prompt_id not in catalogue:
                yield Problem(
                    f"prompt '{prompt_id}' has no {flow.languages[lang].name} text in prompts/{lang}.yaml"
                    f"{_suggest(prompt_id, sorted(catalogue))}",
                    yaml_path=where,
                )


def _values(text: str) -> set[str] | None:
    """The names of the values a prompt text fills in; None if its braces do not parse."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return None


def _check_channel_prompts(flow: Flow) -> Iterator[Problem]:
    """A channel's variant replaces a prompt the catalogue has, with the same values, in every language
    where the prompt is varied at all."""
    for channel, tables in flow.channel_prompts.items():
        varied = {prompt_id for table in tables.values() for prompt_id in table}
        for lang in flow.languages:
            table = tables.get(lang, {})
            file = f"prompts/{channel}/{lang}.yaml"
            catalogue = flow.prompts.get(lang, {})
            for prompt_id, text in table.items():
                if prompt_id not in catalogue:
                    yield Problem(
                        f"'{prompt_id}' is a {channel.upper()} variant of a prompt that prompts/{lang}.yaml "
                        f"does not have{_suggest(prompt_id, sorted(catalogue))}",
                        file=file,
                        yaml_path=prompt_id,
                    )
                    continue
                ours, theirs = _values(text), _values(catalogue[prompt_id])
                if ours is None:
                    yield Problem(f"the braces in '{prompt_id}' do not parse", file=file, yaml_path=prompt_id)
                elif theirs is not None and ours != theirs:
                    yield Problem(
                        f"the {channel.upper()} variant of '{prompt_id}' must fill in the same values as "
                        f"prompts/{lang}.yaml: {', '.join(sorted(theirs)) or 'none'}",
                        file=file,
                        yaml_path=prompt_id,
                    )
            for prompt_id in sorted(varied - set(table)):
                if prompt_id in catalogue:
                    yield Problem(
                        f"prompt '{prompt_id}' has a {channel.upper()} variant in another language but none "
                        f"in {file}",
                        file=file,
                    )


def _check_transfer(flow: Flow, node_id: str, node: TransferNode) -> Iterator[Problem]:
    base = f"nodes.{node_id}"
    if (node.to is None) == (node.queue is None):
        yield Problem(
            f"transfer '{node_id}' needs either 'to' (a number) or 'queue', not both", yaml_path=base
        )
    if node.to is not None and not _E164.match(node.to):
        yield Problem(
            f"transfer '{node_id}' number '{node.to}' is not in E.164 form, e.g. +18005550100",
            yaml_path=f"{base}.to",
        )
    if node.goal:
        yield Problem(
            f"transfer '{node_id}' is marked as a goal, but a call that reaches a representative is not "
            "completed in self-service",
            yaml_path=f"{base}.goal",
        )
    if node.hours and flow.hours is None:
        yield Problem(
            f"transfer '{node_id}' follows hours of operation, but the flow has no 'hours:'",
            yaml_path=f"{base}.hours",
        )
    missing = [outcome for outcome in TRANSFER_FAILURES if outcome not in node.outcomes]
    if missing:
        yield Problem(
            f"transfer '{node_id}' does not say where callers go when the line is "
            f"{' or '.join(_FAILURE_WORDS[outcome] for outcome in missing)}: they would hear silence; add "
            + ", ".join(f"outcomes.{outcome}" for outcome in missing)
            + " (a node that says what happened and offers a way on)",
            yaml_path=f"{base}.outcomes" if node.outcomes else base,
        )


_FAILURE_WORDS = {"busy": "busy", "no_answer": "not answered", "failed": "out of order"}


def _check_options(flow: Flow, node_id: str, node: MenuNode) -> Iterator[Problem]:
    keys: dict[str, int] = {}
    words: dict[tuple[str, str], int] = {}
    command_keys = {
        command.key: name
        for name, command in flow.commands.items()
        if command.key is not None and name not in node.without_commands
    }
    for index, option in enumerate(node.options):
        where = f"nodes.{node_id}.options.{index}"
        if option.key is None and not option.words:
            yield Problem(f"an option of '{node_id}' has neither a key nor words", yaml_path=where)
        if option.key is not None:
            if option.key in keys:
                yield Problem(
                    f"menu '{node_id}' uses key {option.key} twice (options {keys[option.key] + 1} and {index + 1})",
                    yaml_path=f"{where}.key",
                )
            if option.key in command_keys:
                yield Problem(
                    f"menu '{node_id}' uses key {option.key}, which is the {command_keys[option.key]} command's key; "
                    f"choose another key or add 'without_commands: [{command_keys[option.key]}]'",
                    yaml_path=f"{where}.key",
                )
            keys[option.key] = index
        if option.command is not None and option.command not in flow.commands:
            yield Problem(
                f"option {index + 1} of '{node_id}' does what the {option.command} command does, but the "
                f"flow has no {option.command} command under commands:",
                yaml_path=f"{where}.command",
            )
        if option.when is not None and flow.hours is None:
            yield Problem(
                f"option {index + 1} of '{node_id}' depends on hours, but the flow has no 'hours:'",
                yaml_path=f"{where}.when",
            )
        if option.language not in (None, "next", *flow.languages):
            yield Problem(
                f"option switches to language '{option.language}', which is not under languages",
                yaml_path=f"{where}.language",
            )
        for lang, phrases in option.words.items():
            if lang not in flow.languages:
                yield Problem(
                    f"words given for language '{lang}', which is not under languages",
                    yaml_path=f"{where}.words.{lang}",
                )
            for phrase in phrases:
                folded = fold(phrase)
                if (lang, folded) in words and words[(lang, folded)] != index:
                    yield Problem(
                        f"menu '{node_id}' accepts the word '{phrase}' for two options "
                        f"({words[(lang, folded)] + 1} and {index + 1})",
                        yaml_path=f"{where}.words.{lang}",
                    )
                words[(lang, folded)] = index


def _command_targets(flow: Flow) -> list[str]:
    found: list[str] = []
    for command in flow.commands.values():
        found.extend(t for t in (command.target, command.target_before_sign_in) if t is not None)
    return found


def _unreachable(flow: Flow) -> Iterator[Problem]:
    roots = [flow.start, flow.defaults.on_exhausted, *_command_targets(flow)]
    seen = set(roots)
    todo = list(roots)
    while todo:
        node = flow.nodes.get(todo.pop())
        if node is None:
            continue
        for _, target in targets(node):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for node_id in flow.nodes:
        if node_id not in seen:
            yield Problem(f"node '{node_id}' cannot be reached by any caller", yaml_path=f"nodes.{node_id}")


def _loops_without_waiting(flow: Flow) -> Iterator[Problem]:
    """Cycles made only of nodes that never wait for the caller (message, action, closed transfer)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()

    def visit(node_id: str, path: list[str]) -> Iterator[Problem]:
        state[node_id] = 1
        path.append(node_id)
        node = flow.nodes[node_id]
        for where, target in targets(node, exhaustion=False):
            if isinstance(flow.nodes[target], (*_WAITING, HangupNode)):
                continue
            if where.startswith("outcomes.") and isinstance(node, TransferNode):
                continue  # a transfer's outcome comes back only after the call was put through
            if state.get(target) == 1:
                cycle = path[path.index(target) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    loop = " -> ".join([*cycle, target])
                    yield Problem(
                        f"the flow loops without waiting for the caller: {loop}", yaml_path=f"nodes.{target}"
                    )
            elif target not in state:
                yield from visit(target, path)
        path.pop()
        state[node_id] = 2

    for node_id, node in flow.nodes.items():
        if node_id not in state and not isinstance(node, _WAITING):
            yield from visit(node_id, [])


def _no_way_out(flow: Flow) -> Iterator[Problem]:
    """Questions from which the caller can never end the call or reach a person, short of giving up."""
    can_leave = {node_id for node_id, node in flow.nodes.items() if isinstance(node, _LEAVING)}
    command_exits = any(
        t in can_leave for t in _command_targets(flow)
    )  # e.g. a representative command reachable everywhere
    changed = True
    while changed:
        changed = False
        for node_id, node in flow.nodes.items():
            if node_id not in can_leave and any(t in can_leave for _, t in targets(node, exhaustion=False)):
                can_leave.add(node_id)
                changed = True
    for node_id, node in flow.nodes.items():
        if node_id in can_leave or not isinstance(node, _WAITING):
            continue
        if command_exits and len(node.without_commands) == 0:
            continue
        yield Problem(
            f"node '{node_id}' has no way out: no answer there leads to goodbye or a transfer",
            yaml_path=f"nodes.{node_id}",
        )


# Commands that never leave the node they are given at.
_STAYING_COMMANDS = frozenset(
    {"repeat", "help", "back"}
)  # "back" only retraces questions of the same sign-in
_LEAVING_AT_SECRET = frozenset({"back", "main_menu"})  # off at secret inputs (ivr.engine.machine)
_NEEDS_WORDS = {
    Level.MUST_CHANGE_PIN: "a caller who has passed sign-in (a temporary PIN is enough)",
    Level.SIGNED_IN: "a caller signed in with their PIN",
}

_Place = tuple[str, Level]


def _sign_in_moves(flow: Flow, handlers: HandlerCatalog, node_id: str, level: Level) -> Iterator[_Place]:
    """Where a caller at ``node_id``, signed in as far as ``level``, can go next, and how far signed in.
    Handlers the call is not signed in for are left out: the engine takes their on_error instead."""
    node = flow.nodes[node_id]
    exhausted = flow.defaults.on_exhausted
    if isinstance(node, ActionNode):
        rules = handlers.get(node.handler)
        if rules is not None and level < rules.needs:
            yield node.on_error or exhausted, level
            return
        for outcome, target in node.outcomes.items():
            yield target, rules.after(outcome, level) if rules else level
        yield node.on_error or exhausted, level  # a handler that fails, or answers an outcome not listed
        return
    for _, target in targets(node):
        yield target, level
    if isinstance(node, TransferNode) and node.when_closed is None:
        yield exhausted, level  # closed and not at a question: the engine sends the caller on
    if not isinstance(node, MenuNode | InputNode):
        return
    if node.on_exhausted is None:
        yield exhausted, level
    secret = isinstance(node, InputNode) and node.secret
    by_option = {o.command for o in node.options if o.command} if isinstance(node, MenuNode) else set()
    for name, command in flow.commands.items():
        if name in _STAYING_COMMANDS or (name in node.without_commands and name not in by_option):
            continue
        if secret and name in _LEAVING_AT_SECRET:
            continue
        goes_to = command.target
        if name == "main_menu" and level < Level.SIGNED_IN:
            goes_to = command.target_before_sign_in or goes_to
        if goes_to is not None:
            yield goes_to, level


def _reachable_without_sign_in(flow: Flow, handlers: HandlerCatalog) -> Iterator[Problem]:
    """Action nodes whose handler needs a signed-in caller, on a path that does not sign in first."""
    start: _Place = (flow.start, Level.NONE)
    came_from: dict[_Place, _Place | None] = {start: None}
    todo = deque([start])
    reported: set[str] = set()
    while todo:
        place = todo.popleft()
        node_id, level = place
        node = flow.nodes[node_id]
        if isinstance(node, ActionNode) and node_id not in reported:
            rules = handlers.get(node.handler)
            if rules is not None and level < rules.needs:
                reported.add(node_id)
                yield Problem(
                    f"node '{node_id}' runs '{node.handler}', which needs {_NEEDS_WORDS[rules.needs]}, "
                    f"but callers can reach it without signing in: {_path(came_from, place)}; "
                    "lead callers there only through the sign-in steps",
                    yaml_path=f"nodes.{node_id}",
                )
        for move in _sign_in_moves(flow, handlers, node_id, level):
            if move not in came_from:
                came_from[move] = place
                todo.append(move)


def _path(came_from: dict[_Place, _Place | None], place: _Place) -> str:
    nodes: list[str] = []
    step: _Place | None = place
    while step is not None:
        if not nodes or nodes[-1] != step[0]:
            nodes.append(step[0])
        step = came_from[step]
    return " -> ".join(reversed(nodes))


# -- placeholders: every {value} a prompt uses must reach it on every path --------------------------


def _given_values(flow: Flow, handlers: HandlerCatalog) -> dict[str, frozenset[str]]:
    """For each node that says something on the way (message, hangup, transfer), the values it is given
    on every path that reaches it: what a handler's outcome carries, passed along message nodes until the
    caller is asked something. A path from a question, a command or an error carries none."""
    given: dict[str, frozenset[str] | None] = dict.fromkeys(flow.nodes)  # None: no path seen yet
    todo: deque[str] = deque()

    def arrive(node_id: str, values: frozenset[str]) -> None:
        known = given.get(node_id)
        narrowed = values if known is None else known & values
        if node_id in given and narrowed != known:
            given[node_id] = narrowed
            todo.append(node_id)

    for root in (flow.start, flow.defaults.on_exhausted, *_command_targets(flow)):
        arrive(root, frozenset())
    for node in flow.nodes.values():
        if isinstance(node, MenuNode | InputNode):
            for _, target in targets(node):
                arrive(target, frozenset())
        elif isinstance(node, ActionNode):
            rules = handlers.get(node.handler)
            for outcome, target in node.outcomes.items():
                arrive(target, rules.values_of(outcome) if rules else frozenset())
            if node.on_error:
                arrive(node.on_error, frozenset())
        elif isinstance(node, TransferNode):
            for target in node.outcomes.values():
                arrive(target, frozenset())
    while todo:
        node_id = todo.popleft()
        node = flow.nodes[node_id]
        values = given[node_id] or frozenset()
        if isinstance(node, MessageNode):
            arrive(node.next, values)
        elif isinstance(node, TransferNode) and node.when_closed:
            arrive(node.when_closed, values)
    return {node_id: values or frozenset() for node_id, values in given.items()}


def _list_items(handlers: HandlerCatalog) -> dict[str, frozenset[str]]:
    """Every list value a handler gives (what for_each walks), with the fields of its items."""
    items: dict[str, frozenset[str]] = {}
    for rules in handlers.values():
        for name, fields in rules.items.items():
            items[name] = items.get(name, frozenset()) | fields
    return items


def _placeholder_problem(
    flow: Flow, prompt_id: str, lang: str, name: str, where: str, whom: str, available: frozenset[str]
) -> Problem:
    has = f"; it has {', '.join(sorted(available))}" if available else "; none are given there"
    close = difflib.get_close_matches(name, sorted(available), n=1)
    hint = f"; did you mean {{{close[0]}}}?" if close else ""
    return Problem(
        f"prompt '{prompt_id}' in prompts/{lang}.yaml uses {{{name}}}, which {whom} is never given, so "
        f"callers would hear a blank{has}{hint}",
        yaml_path=where,
    )


def _check_text(
    flow: Flow, prompt_id: str, where: str, whom: str, available: frozenset[str]
) -> Iterator[Problem]:
    available = available | frozenset(flow.phone_numbers)  # said in any prompt
    for lang, catalogue in flow.prompts.items():
        for form in (prompt_id, prompt_id + SMS_FORM):  # and its form for text messages, if it has one
            text = catalogue.get(form)
            if text is None:
                continue
            try:
                used = values_in(text)
            except ValueError:
                continue  # an unmatched brace: the prompt catalogue reports it with its line
            for name in sorted(used - available):
                yield _placeholder_problem(flow, form, lang, name, where, whom, available)


# Values the engine itself fills into a flow-wide prompt: the option asked back, in the caller's words.
ENGINE_VALUES: Mapping[str, frozenset[str]] = {"confirm.prompt": frozenset({"choice"})}


def check_placeholders(
    flow: Flow, handlers: HandlerCatalog, service_prompts: Mapping[str, frozenset[str]]
) -> Iterator[Problem]:
    """Placeholders no path fills: a misspelt value ({balanse}), a value of another handler, a list value
    said outside its for_each, a value in a question (said again on a repeat, when no values are at hand)."""
    given = _given_values(flow, handlers)
    items = _list_items(handlers)
    nothing: frozenset[str] = frozenset()
    for where, prompt_id in _prompt_refs(flow):
        node_id = where.split(".")[1] if where.startswith("nodes.") else None
        node = flow.nodes.get(node_id or "")
        if node is None or isinstance(node, MenuNode | InputNode):
            whom = f"question '{node_id}' (said again on a repeat)" if node_id else where
            yield from _check_text(flow, prompt_id, where, whom, ENGINE_VALUES.get(where, nothing))
            continue
        values = given.get(node_id or "", nothing)
        scalars = values - set(items)
        item = _say_item(node, where)
        whom = f"node '{node_id}'"
        if item is not None and item.for_each is not None:
            if item.for_each not in values:
                yield Problem(
                    f"node '{node_id}' says '{prompt_id}' for each of '{item.for_each}', which it is never "
                    f"given{_suggest(item.for_each, sorted(values & set(items)))}",
                    yaml_path=f"{where}.for_each",
                )
                continue
            whom = f"an item of '{item.for_each}' at node '{node_id}'"
            scalars = scalars | items.get(item.for_each, nothing)
        yield from _check_text(flow, prompt_id, where, whom, scalars)
    for prompt_id, values in sorted(service_prompts.items()):
        yield from _check_text(flow, prompt_id, "prompts said by the service itself", "the service", values)
    yield from _check_value_words(flow)


def _check_value_words(flow: Flow) -> Iterator[Problem]:
    """The words around values ({units} and {cents}) fill in their own values and nothing else: another
    name would stop the value from being said at all."""
    for lang, catalogue in flow.prompts.items():
        for prompt_id, text in sorted(catalogue.items()):
            if not prompt_id.startswith(VALUE_WORDS_PREFIX):
                continue
            allowed = VALUE_WORD_VALUES.get(prompt_id.removeprefix(VALUE_WORDS_PREFIX), frozenset())
            for name in sorted((_values(text) or set()) - allowed):
                close = difflib.get_close_matches(name, sorted(allowed), n=1)
                takes = (
                    f"it takes {', '.join('{' + v + '}' for v in sorted(allowed))}"
                    if allowed
                    else "it takes none"
                )
                yield Problem(
                    f"prompt '{prompt_id}' uses {{{name}}}, which the words around a value never fill in "
                    f"(callers would hear an apology instead of the value); {takes}"
                    + (f"; did you mean {{{close[0]}}}?" if close else ""),
                    file=f"prompts/{lang}.yaml",
                    yaml_path=prompt_id,
                )


def _say_item(node: AnyNode, where: str) -> SayItem | None:
    """The say item a prompt reference (``nodes.x.say.2``, ``nodes.x.closed.0``) points at."""
    *_, field, index = where.split(".")
    listed = getattr(node, field, None)
    if not index.isdigit() or not isinstance(listed, tuple) or int(index) >= len(listed):
        return None
    found = listed[int(index)]
    return found if isinstance(found, SayItem) else None


def _check_text_keywords(flow: Flow, keywords: Mapping[str, str]) -> Iterator[Problem]:
    """Menu answers a text message can never deliver: Twilio answers these words itself on SMS (and a
    STOP word also stops every message to the caller). Every menu counts: with account access by text, an
    SMS caller can reach them all."""
    folded = {fold(word): (word, meaning) for word, meaning in keywords.items()}
    for node_id, node in flow.nodes.items():
        if not isinstance(node, MenuNode):
            continue
        for index, option in enumerate(node.options):
            for lang, phrases in option.words.items():
                spoken = {fold(phrase) for phrase in option.spoken.get(lang, ())}
                for phrase in phrases:
                    found = folded.get(fold(phrase))
                    if found is None or fold(phrase) in spoken:
                        continue
                    word, meaning = found
                    yield Problem(
                        f"menu '{node_id}' takes '{phrase}' as an answer, but on SMS Twilio answers {word} "
                        f"itself ({meaning}): a caller who texts it never reaches this menu; use another "
                        f"word, or keep it for callers who speak it under 'spoken:'",
                        yaml_path=f"nodes.{node_id}.options.{index}.words.{lang}",
                    )
