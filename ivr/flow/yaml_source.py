"""A safe YAML reader for operator files.

Every plain scalar stays a string (``no``, ``yes``, ``on``, ``1`` and ``09`` mean what they say; the
pydantic schema converts the few numeric and boolean fields), duplicate keys are errors, and the position
of every mapping key is remembered so that errors can point at a line and column.

A file is refused before it can cost much: larger than MAX_FILE_BYTES, with more than MAX_ALIASES aliases,
or expanding (aliases followed) to more than MAX_ENTRIES entries. Aliases are shared, not copied, in the
parsed document, but everything that walks it (positions, the schema) follows them: a "billion laughs"
file of a few lines would otherwise grow to gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ivr.flow.errors import FlowError, Problem

YamlPath = tuple[str | int, ...]

MAX_FILE_BYTES = 512 * 1024  # a whole shipped flow is about 40 KB
MAX_ALIASES = 100
MAX_ENTRIES = 100_000  # scalars, lists and mappings, with every alias expanded


@dataclass
class Positions:
    """Where each YAML path was written: ``("nodes", "main_menu", "options", 0)`` -> (file, line, column)."""

    by_path: dict[YamlPath, tuple[str, int, int]] = field(default_factory=dict)

    def find(self, path: YamlPath) -> tuple[str, int, int] | None:
        while path:
            if path in self.by_path:
                return self.by_path[path]
            path = path[:-1]
        return self.by_path.get(())


class _StringLoader(yaml.SafeLoader):
    """SafeLoader whose plain scalars are all strings and whose mappings reject duplicate keys."""


# Drop every implicit resolver (bool, int, float, null, timestamp): a plain scalar is a string.
_StringLoader.yaml_implicit_resolvers = {}


def _construct_mapping(loader: _StringLoader, node: yaml.MappingNode) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain word or number", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"the key '{key}' appears twice; keep one",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StringLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _walk_positions(node: yaml.Node, path: YamlPath, file: str, out: Positions) -> None:
    out.by_path[path] = (file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            _walk_positions(value_node, (*path, key), file, out)
            # an error about a key points at the key itself, not at its value
            out.by_path[(*path, key)] = (file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk_positions(item, (*path, index), file, out)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many entries ``node`` stands for with every alias followed, counted once per distinct node."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes) for item in node.value)
    sizes[id(node)] = size
    return size


def _refuse_costly(text: str, name: str) -> None:
    aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_StringLoader))
    if aliases > MAX_ALIASES:
        raise FlowError(
            [
                Problem(
                    f"the file uses {aliases} aliases (*name); at most {MAX_ALIASES} are allowed", file=name
                )
            ]
        )


# What the parser's words mean for someone editing prompts and menus, and what to do about it.
_ADVICE = (
    (
        "mapping values are not allowed here",
        "a colon followed by a space starts a new field, so this line holds two; if the colon belongs to "
        'the text, put the whole text in double quotes ("Nota: ...") or write >- after the field name and '
        "the text on the lines below it, indented",
    ),
    ("could not find expected ':'", "every entry is a name, a colon and a value (name: value)"),
    ("found character '\\t' that cannot start any token", "indent with spaces, not tabs"),
    (
        "did not find expected key",
        "this line is indented differently from the fields around it: line it up with them",
    ),
    (
        "did not find expected '-' indicator",
        "items of a list each start with '- ' at the same indentation",
    ),
    ("expected <block end>", "this line is indented differently from the fields around it: line it up"),
    (
        "found unexpected end of stream",
        "a quote is opened and never closed: close it (a quote of the same kind inside the text is "
        "written twice)",
    ),
    (
        "found unknown escape character",
        "in double quotes a backslash starts an escape: write \\\\ for a backslash, or use single quotes",
    ),
    ("expected ',' or ']'", "a list in [brackets] is not closed, or its items are not separated by commas"),
    (
        "expected ',' or '}'",
        "a mapping in {braces} is not closed, or its entries are not separated by commas",
    ),
    ("found undefined alias", "a *name refers to an &name that is not defined above it"),
    (
        "found character '@' that cannot start any token",
        "a value cannot start with @ or `: put it in quotes",
    ),
    (
        "found character '`' that cannot start any token",
        "a value cannot start with @ or `: put it in quotes",
    ),
)


def _advised(problem: str, context: str | None) -> str:
    """The parser's own words, and what to do about them."""
    words = f"{context}: {problem}" if context and "quoted scalar" in context else problem
    for known, advice in _ADVICE:
        if known in problem:
            return f"{words}: {advice}"
    if context and "quoted scalar" in context:
        return f"{words}: a quote is opened and never closed (a quote of the same kind inside the text is written twice)"
    return words


def read_yaml(path: Path, display_name: str | None = None) -> tuple[Any, Positions]:
    """Read one YAML file; raise FlowError naming the line and column of a syntax or duplicate-key error."""
    data, positions, _ = read_yaml_source(path, display_name)
    return data, positions


def read_yaml_source(path: Path, display_name: str | None = None) -> tuple[Any, Positions, bytes]:
    """``read_yaml``, and the exact bytes that were parsed (the flow's version is their digest)."""
    name = display_name or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FlowError(
                [
                    Problem(
                        f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; split it with include:",
                        file=name,
                    )
                ]
            )
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise FlowError([Problem(f"the file {name} does not exist", file=name)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError([Problem(f"the file cannot be read: {exc}", file=name)]) from None
    return (*_parse(text, name), raw)


def positions_in(raw: bytes, display_name: str) -> Positions | None:
    """Where each YAML path was written in bytes that were read before; None if they do not parse."""
    try:
        return _parse(raw.decode("utf-8"), display_name)[1]
    except (FlowError, UnicodeDecodeError):
        return None


def _parse(text: str, name: str) -> tuple[Any, Positions]:
    positions = Positions()
    try:
        _refuse_costly(text, name)
        node = yaml.compose(text, Loader=_StringLoader)  # _StringLoader derives from SafeLoader
        if node is None:
            return {}, positions
        if _expanded_size(node, {}) > MAX_ENTRIES:
            raise FlowError(
                [
                    Problem(
                        f"the file expands to more than {MAX_ENTRIES:,} entries through its aliases",
                        file=name,
                    )
                ]
            )
        _walk_positions(node, (), name, positions)
        loader = _StringLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        message = _advised(exc.problem or "the YAML cannot be read", exc.context)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise FlowError([Problem(message, file=name, line=line, column=column)]) from None
    except yaml.YAMLError as exc:
        raise FlowError([Problem(f"the YAML cannot be read: {exc}", file=name)]) from None
    except RecursionError:
        raise FlowError([Problem("the YAML is nested too deeply to read", file=name)]) from None
    return data, positions
