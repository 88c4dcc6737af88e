"""Read menu_tree.yaml, the files it includes and the prompt catalogues; compile and check a Flow."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ivr.flow.checks import check_flow
from ivr.flow.errors import FlowError, Problem
from ivr.flow.handler_rules import HandlerCatalog
from ivr.flow.model import Flow, IncludedFile, RootFile
from ivr.flow.yaml_source import Positions, YamlPath, read_yaml, read_yaml_source

ROOT_FILE = "menu_tree.yaml"
PROMPTS_DIR = "prompts"
# Channels that may have prompt variants of their own, in prompts/<channel>/<language>.yaml (optional)
CHANNEL_PROMPT_DIRS = ("tty",)
# Where a flow's files are, in its folder: the root, the files it includes, the prompt catalogues and the
# channels' variants. The watcher watches them and the console edits them (files a flow includes from
# elsewhere in its folder are watched through the flow's own sources too).
FLOW_FILE_GLOBS = (ROOT_FILE, "menus/**/*.yaml", f"{PROMPTS_DIR}/*.yaml", f"{PROMPTS_DIR}/*/*.yaml")


def flow_files(root: Path) -> list[Path]:
    """Every file under ``root`` that may be part of its flow."""
    return sorted({path for pattern in FLOW_FILE_GLOBS for path in root.glob(pattern) if path.is_file()})


_NODE_KINDS = {"menu", "input", "action", "message", "hangup", "transfer"}

M = TypeVar("M", bound=BaseModel)


def _at(where: tuple[str, int, int] | None, file: str) -> tuple[str, int | None, int | None]:
    """File, line and column of a YAML position, or just the file when the position is unknown."""
    return where if where is not None else (file, None, None)


def _schema_problems(exc: ValidationError, positions: Positions) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc: list[str | int] = list(error["loc"])
        # a discriminated union puts the node kind into the path; operators never wrote it there
        if len(loc) > 2 and loc[0] == "nodes" and loc[2] in _NODE_KINDS:
            del loc[2]
        path: YamlPath = tuple(loc)
        where = positions.find(path)
        yaml_path = ".".join(str(part) for part in path) or None
        message = _operator_message(error, path)
        if where:
            problems.append(Problem(message, where[0], where[1], where[2], yaml_path))
        else:
            problems.append(Problem(message, yaml_path=yaml_path))
    return problems


def _operator_message(error: Mapping[str, Any], path: YamlPath) -> str:
    kind = error["type"]
    field = str(path[-1]) if path else "file"
    if kind == "missing":
        return f"'{field}' is required here"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field this place knows; check its spelling"
    if kind == "union_tag_invalid":
        return f"'kind' must be one of {', '.join(sorted(_NODE_KINDS))}"
    if kind == "union_tag_not_found":
        return "every node needs a 'kind': " + ", ".join(sorted(_NODE_KINDS))
    if kind == "string_pattern_mismatch" and field == "key":
        return "a key must be one telephone key: 0-9, * or #"
    if kind == "string_pattern_mismatch":
        return f"'{error.get('input')}' is not a valid name here: use lower case letters, digits and _"
    return f"'{field}': {error['msg']}"


def _validate(model: type[M], data: Any, positions: Positions) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FlowError(_schema_problems(exc, positions)) from None


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


class _Collector:
    """Follows include: lists, refusing cycles and two files that define the same node."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.nodes: dict[str, Any] = {}
        self.defined_in: dict[str, str] = {}
        self.files: list[Path] = []
        self.sources: dict[str, bytes] = {}  # every file read, by its name in the flow's folder
        self.problems: list[Problem] = []

    def add_nodes(self, nodes: Mapping[str, Any], name: str, positions: Positions) -> None:
        for node_id, node in nodes.items():
            if node_id in self.nodes:
                where = positions.find(("nodes", node_id))
                self.problems.append(
                    Problem(
                        f"node '{node_id}' is already defined in {self.defined_in[node_id]}; "
                        "node names must be unique across all files",
                        *_at(where, name),
                        yaml_path=f"nodes.{node_id}",
                    )
                )
                continue
            self.nodes[node_id] = node
            self.defined_in[node_id] = name

    def include(self, entries: Iterable[str], parent: str, chain: tuple[Path, ...]) -> None:
        for entry in entries:
            path = (self.base / entry).resolve()
            name = _relative(path, self.base)
            if path in chain:
                cycle = " -> ".join(_relative(p, self.base) for p in (*chain, path))
                self.problems.append(Problem(f"include cycle: {cycle}", file=parent))
                continue
            if path in self.files:
                continue
            if self.base not in path.parents:
                self.problems.append(Problem(f"'{entry}' lies outside the flow's folder", file=parent))
                continue
            try:
                data, positions, raw = read_yaml_source(path, name)
                included = _validate(IncludedFile, data, positions)
            except FlowError as exc:
                self.problems.extend(exc.problems)
                continue
            self.files.append(path)
            self.sources[name] = raw
            self.add_nodes(included.nodes, name, positions)
            self.include(included.include, name, (*chain, path))


def _read_prompts(
    base: Path,
    languages: Iterable[str],
    problems: list[Problem],
    sources: dict[str, bytes],
    channel: str | None = None,
) -> dict[str, dict[str, str]]:
    """The prompt catalogue of each language, or a channel's variants (whose files are optional). The bytes
    of every file read go into ``sources``: the flow's version is their digest."""
    catalogues: dict[str, dict[str, str]] = {}
    folder = base / PROMPTS_DIR if channel is None else base / PROMPTS_DIR / channel
    for lang in languages:
        path = folder / f"{lang}.yaml"
        if channel is not None and not path.exists():
            continue
        name = _relative(path, base)
        try:
            data, positions, raw = read_yaml_source(path, name)
        except FlowError as exc:
            problems.extend(exc.problems)
            catalogues[lang] = {}
            continue
        sources[name] = raw
        if not isinstance(data, dict):
            problems.append(Problem("a prompt file maps prompt ids to their text", file=name))
            catalogues[lang] = {}
            continue
        table: dict[str, str] = {}
        for prompt_id, text in data.items():
            if not isinstance(text, str) or not text.strip():
                where = positions.find((prompt_id,))
                problems.append(
                    Problem(f"prompt '{prompt_id}' needs its text as one string", *_at(where, name))
                )
                continue
            table[prompt_id] = " ".join(text.split())
        catalogues[lang] = table
    return catalogues


def flow_version(sources: Mapping[str, bytes]) -> str:
    """The version of a flow: a digest of the exact bytes its files had when they were parsed (never read
    again, so that an edit saved meanwhile cannot lend its name to what was parsed before it)."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(sources[name])
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def load_flow(
    location: Path | str, handlers: HandlerCatalog | None = None, handler_prompts: Iterable[str] = ()
) -> Flow:
    """Load and check the flow whose root is ``location`` (menu_tree.yaml or the folder holding it).

    Raises FlowError listing every problem found. ``handlers``, when given, are the handlers the running
    service registers, with what each requires of a call's sign-in: an action node naming any other
    handler is an error, and so is a path on which a caller reaches a handler without the sign-in it needs.
    ``handler_prompts`` are prompt ids the handlers put in their values: each must exist in every language.
    """
    path = Path(location)
    root_path = path / ROOT_FILE if path.is_dir() else path
    base = root_path.parent.resolve()
    root_name = root_path.name
    data, positions, raw = read_yaml_source(root_path, root_name)
    root = _validate(RootFile, data, positions)

    collector = _Collector(base)
    collector.files.append(root_path.resolve())
    collector.sources[_relative(root_path.resolve(), base)] = raw
    collector.add_nodes(root.nodes, root_name, positions)
    collector.include(root.include, root_name, (root_path.resolve(),))
    problems = list(collector.problems)
    prompts = _read_prompts(base, root.languages, problems, collector.sources)
    channel_prompts: dict[str, dict[str, dict[str, str]]] = {}
    for channel in CHANNEL_PROMPT_DIRS:
        variants = _read_prompts(base, root.languages, problems, collector.sources, channel)
        if variants:
            channel_prompts[channel] = variants
    if problems:
        raise FlowError(problems)

    nodes = {node_id: node for node_id, node in collector.nodes.items()}
    sources = dict(collector.sources)
    flow = Flow.build(root, nodes, prompts, flow_version(sources), sources, handlers, channel_prompts)
    problems = check_flow(flow, handlers, set(handler_prompts))
    if problems:
        raise FlowError([_place(p, collector, base) for p in problems])
    return flow


def _place(problem: Problem, collector: _Collector, base: Path) -> Problem:
    """Give a check's problem the file of the node it is about (checks work on the compiled model), or
    the line of the prompt it is about in the file it names."""
    if problem.file and problem.line is None and problem.yaml_path and (base / problem.file).is_file():
        _, positions = read_yaml(base / problem.file, problem.file)
        where = positions.find((problem.yaml_path,))
        if where is not None and where[1]:
            return Problem(problem.message, where[0], where[1], where[2], problem.yaml_path)
        return problem
    if problem.file or not problem.yaml_path or not problem.yaml_path.startswith("nodes."):
        return problem
    node_id = problem.yaml_path.split(".")[1]
    file = collector.defined_in.get(node_id)
    if file is None:
        return problem
    _, positions = read_yaml(base / file, file)
    where = positions.find(tuple(_path_parts(problem.yaml_path)))
    if where is None:
        return Problem(problem.message, file=file, yaml_path=problem.yaml_path)
    return Problem(problem.message, where[0], where[1], where[2], problem.yaml_path)


def _path_parts(yaml_path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in yaml_path.split(".")]
