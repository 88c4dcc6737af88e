"""Checks on a compiled flow that the schema alone cannot make. Each returns problems in operators' words."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ivr.flow.errors import Problem
from ivr.flow.model import ActionNode, Flow, HangupNode, InputNode, MenuNode, MessageNode, SayItem
from ivr.speech_text import fold


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def targets(node: MenuNode | InputNode | ActionNode | MessageNode | HangupNode) -> Iterator[tuple[str, str]]:
    """(yaml path below the node, target node id) for every transition a node can make."""
    if isinstance(node, MenuNode):
        for index, option in enumerate(node.options):
            yield f"options.{index}.next", option.next
    if isinstance(node, InputNode | MessageNode):
        yield "next", node.next
    if isinstance(node, ActionNode):
        for outcome, target in node.outcomes.items():
            yield f"outcomes.{outcome}", target
        if node.on_error:
            yield "on_error", node.on_error
    if isinstance(node, MenuNode | InputNode) and node.on_exhausted:
        yield "on_exhausted", node.on_exhausted


def _prompt_refs(flow: Flow) -> Iterator[tuple[str, str]]:
    yield from (("defaults.no_input", p) for p in flow.defaults.no_input)
    yield from (("defaults.no_match", p) for p in flow.defaults.no_match)
    yield "defaults.apology", flow.defaults.apology
    for node_id, node in flow.nodes.items():
        if isinstance(node, MenuNode | InputNode):
            yield from ((f"nodes.{node_id}.prompt", p) for p in node.prompt)
            yield from ((f"nodes.{node_id}.no_input", p) for p in node.no_input or ())
            yield from ((f"nodes.{node_id}.no_match", p) for p in node.no_match or ())
        if isinstance(node, MessageNode | HangupNode):
            items: tuple[SayItem, ...] = node.say
            yield from ((f"nodes.{node_id}.say.{i}", item.prompt) for i, item in enumerate(items))


def check_flow(flow: Flow, handler_names: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    names = sorted(flow.nodes)

    def missing(where: str, what: str, target: str) -> None:
        problems.append(
            Problem(f"{what} '{target}', which does not exist{_suggest(target, names)}", yaml_path=where)
        )

    if flow.start not in flow.nodes:
        missing("flow.start", "the flow starts at", flow.start)
    if flow.defaults.on_exhausted not in flow.nodes:
        missing("defaults.on_exhausted", "defaults send exhausted callers to", flow.defaults.on_exhausted)
    if flow.default_language not in flow.languages:
        problems.append(
            Problem(
                f"default language '{flow.default_language}' is not under languages",
                yaml_path="flow.default_language",
            )
        )

    for node_id, node in flow.nodes.items():
        for where, target in targets(node):
            if target not in flow.nodes:
                missing(f"nodes.{node_id}.{where}", f"node '{node_id}' sends callers to", target)
        if isinstance(node, ActionNode) and handler_names is not None and node.handler not in handler_names:
            problems.append(
                Problem(
                    f"node '{node_id}' runs handler '{node.handler}', which the service does not have"
                    f"{_suggest(node.handler, sorted(handler_names))}",
                    yaml_path=f"nodes.{node_id}.handler",
                )
            )
        if isinstance(node, InputNode) and node.min_length > node.max_length:
            problems.append(
                Problem(
                    f"node '{node_id}' asks for at least {node.min_length} digits but at most "
                    f"{node.max_length}",
                    yaml_path=f"nodes.{node_id}.min_length",
                )
            )
        if isinstance(node, MenuNode):
            problems.extend(_check_options(flow, node_id, node))

    for where, prompt_id in _prompt_refs(flow):
        for lang, catalogue in flow.prompts.items():
            if prompt_id not in catalogue:
                problems.append(
                    Problem(
                        f"prompt '{prompt_id}' has no {flow.languages[lang].name} text in prompts/{lang}.yaml"
                        f"{_suggest(prompt_id, sorted(catalogue))}",
                        yaml_path=where,
                    )
                )

    problems.extend(_unreachable(flow))
    return problems


def _check_options(flow: Flow, node_id: str, node: MenuNode) -> Iterator[Problem]:
    keys: dict[str, int] = {}
    words: dict[tuple[str, str], int] = {}
    for index, option in enumerate(node.options):
        where = f"nodes.{node_id}.options.{index}"
        if option.key is None and not option.words:
            yield Problem(f"an option of '{node_id}' has neither a key nor words", yaml_path=where)
        if option.key is not None:
            if option.key in keys:
                yield Problem(
                    f"menu '{node_id}' uses key {option.key} twice (options {keys[option.key] + 1} "
                    f"and {index + 1})",
                    yaml_path=f"{where}.key",
                )
            keys[option.key] = index
        if option.language is not None and option.language not in flow.languages:
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


def _unreachable(flow: Flow) -> Iterator[Problem]:
    seen = {flow.start, flow.defaults.on_exhausted}
    todo = [flow.start, flow.defaults.on_exhausted]
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
