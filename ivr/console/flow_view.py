"""What the console shows of a node: its kind, what it says in each language, its options and targets,
where it is written, and the problems the checks found there."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ivr.flow.checks import targets
from ivr.flow.errors import FlowError, Problem
from ivr.flow.model import (
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
from ivr.flow.yaml_source import Positions, read_yaml

_GATHER_PROMPTS = ("prompt", "short_prompt", "help", "no_input", "no_match")


def _prompt_ids(node: AnyNode) -> list[tuple[str, str]]:
    """(where, prompt id) for every prompt the node says."""
    found: list[tuple[str, str]] = []
    if isinstance(node, MenuNode | InputNode):
        for field in _GATHER_PROMPTS:
            found.extend((field, prompt) for prompt in getattr(node, field) or ())
    if isinstance(node, MessageNode | HangupNode | TransferNode):
        found.extend(_say_ids("say", node.say))
    if isinstance(node, TransferNode):
        found.extend(_say_ids("closed", node.closed))
    return found


def _say_ids(where: str, items: tuple[SayItem, ...]) -> list[tuple[str, str]]:
    return [(where + (" (for each)" if item.for_each else ""), item.prompt) for item in items]


def node_view(flow: Flow, node_id: str, node: AnyNode) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": node_id,
        "kind": node.kind,
        "goal": node.goal,
        "start": node_id == flow.start,
        "prompts": [
            {
                "where": where,
                "prompt": prompt,
                "text": {lang: catalogue.get(prompt, "") for lang, catalogue in flow.prompts.items()},
            }
            for where, prompt in _prompt_ids(node)
        ],
        "targets": [{"via": where, "target": target} for where, target in targets(node)],
        "options": [],
    }
    if isinstance(node, MenuNode):
        view["options"] = [
            {
                "key": option.key,
                "words": {lang: list(words) for lang, words in option.words.items()},
                "next": option.next,
                "command": option.command,
                "language": option.language,
                "when": option.when,
            }
            for option in node.options
        ]
    if isinstance(node, InputNode):
        view["digits"] = {"min": node.min_length, "max": node.max_length, "secret": node.secret}
    if isinstance(node, ActionNode):
        view["handler"] = node.handler
    if isinstance(node, TransferNode):
        view["transfer_to"] = node.to or node.queue
    return view


def _defined_in(flow_root_files: Iterable[tuple[str, Positions]], node_id: str) -> dict[str, Any] | None:
    for name, positions in flow_root_files:
        where = positions.by_path.get(("nodes", node_id))
        if where is not None:
            return {"file": name, "line": where[1], "column": where[2]}
    return None


def flow_view(flow: Flow, files: dict[str, str], root: Path, problems: list[Problem]) -> dict[str, Any]:
    """Every node of ``flow`` with where it is written (among ``files``, read from ``root``) and the problems
    (of the files on disk, when they do not load) that point at it."""
    positions: list[tuple[str, Positions]] = []
    for name in files:
        if name.startswith("prompts/"):
            continue
        try:
            _, found = read_yaml(root / name, name)
        except FlowError:  # a file that does not read is reported among the problems
            continue
        positions.append((name, found))
    nodes = {}
    for node_id, node in flow.nodes.items():
        view = node_view(flow, node_id, node)
        view["defined"] = _defined_in(positions, node_id)
        view["problems"] = [
            str(problem)
            for problem in problems
            if problem.yaml_path and (problem.yaml_path + ".").startswith(f"nodes.{node_id}.")
        ]
        nodes[node_id] = view
    return {
        "name": flow.name,
        "version": flow.version,
        "start": flow.start,
        "languages": {code: spec.name for code, spec in flow.languages.items()},
        "default_language": flow.default_language,
        "nodes": nodes,
        "prompt_ids": sorted({pid for table in flow.prompts.values() for pid in table}),
    }
