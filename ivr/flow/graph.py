"""The flow as a picture: Graphviz DOT (rendered to SVG or PNG by `dot`) and Mermaid text for documents."""

from __future__ import annotations

import re

from ivr.flow.checks import targets
from ivr.flow.model import (
    ActionNode,
    AnyNode,
    Flow,
    HangupNode,
    InputNode,
    MenuNode,
    MessageNode,
    TransferNode,
)

_SHAPES = {
    MenuNode: ("box", "rounded", "#dbeafe"),
    InputNode: ("box", "rounded,dashed", "#fef3c7"),
    ActionNode: ("hexagon", "filled", "#e9d5ff"),
    MessageNode: ("note", "filled", "#f3f4f6"),
    HangupNode: ("doublecircle", "filled", "#fecaca"),
    TransferNode: ("cds", "filled", "#bbf7d0"),
}


def _edge_label(node: AnyNode, where: str, language: str) -> str:
    if isinstance(node, MenuNode) and where.startswith("options."):
        option = node.options[int(where.split(".")[1])]
        words = option.words.get(language, ())
        parts = [option.key] if option.key else []
        if words:
            parts.append(f'"{words[0]}"')
        if option.when:
            parts.append(f"({option.when})")
        return " / ".join(parts)
    if where.startswith("outcomes."):
        return where.split(".", 1)[1]
    return {"next": "", "on_exhausted": "attempts run out", "on_error": "error", "when_closed": "closed"}.get(
        where, where
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def to_dot(flow: Flow, language: str | None = None) -> str:
    language = language or flow.default_language
    lines = [
        "digraph flow {",
        f"  label={_quote(f'{flow.name} (flow {flow.version})')};",
        '  rankdir=LR; node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9];',
    ]
    for node_id, node in flow.nodes.items():
        shape, style, colour = _SHAPES[type(node)]
        detail = node.kind if not isinstance(node, ActionNode) else f"action: {node.handler}"
        if isinstance(node, TransferNode):
            detail = f"transfer: {node.to or node.queue}"
        start = ", penwidth=2" if node_id == flow.start else ""
        label = _quote(node_id + r"\n" + detail)
        lines.append(
            f'  {node_id} [label={label}, shape={shape}, style="{style}", fillcolor="{colour}"{start}];'
        )
    for node_id, node in flow.nodes.items():
        for where, target in targets(node):
            label = _edge_label(node, where, language)
            dashed = ", style=dashed, color=gray50" if where in ("on_exhausted", "on_error") else ""
            lines.append(f"  {node_id} -> {target} [label={_quote(label)}{dashed}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return " ".join(re.sub(r'["]', "", text).split())


def to_mermaid(flow: Flow, language: str | None = None) -> str:
    language = language or flow.default_language
    lines = ["flowchart LR"]
    for node_id, node in flow.nodes.items():
        label = _mermaid_text(f"{node_id}: {node.kind}")
        if isinstance(node, MenuNode | InputNode):
            lines.append(f'  {node_id}(["{label}"])')
        elif isinstance(node, ActionNode):
            lines.append(f'  {node_id}{{{{"{label}"}}}}')
        elif isinstance(node, HangupNode | TransferNode):
            lines.append(f'  {node_id}(("{label}"))')
        else:
            lines.append(f'  {node_id}["{label}"]')
    for node_id, node in flow.nodes.items():
        for where, target in targets(node):
            label = _mermaid_text(_edge_label(node, where, language))
            arrow = "-.->" if where in ("on_exhausted", "on_error") else "-->"
            lines.append(
                f"  {node_id} {arrow}|{label}| {target}" if label else f"  {node_id} {arrow} {target}"
            )
    return "\n".join(lines) + "\n"
