"""Read menu_tree.yaml, the files it includes and the prompt catalogues; compile and check a Flow."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ivr.flow.checks import check_flow
from ivr.flow.errors import FlowError, Problem
from ivr.flow.handler_rules import HandlerCatalog
from ivr.flow.model import Flow, IncludedFile, RootFile
from ivr.flow.placeholders import values_in
from ivr.flow.yaml_source import Positions, YamlPath, positions_in, read_yaml_source

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
# The prompts the service says on its own, with the values it fills in (or just their ids: no values).
ServicePrompts = Mapping[str, Collection[str]] | Collection[str]


def _at(where: tuple[str, int, int] | None, file: str) -> tuple[str, int | None, int | None]:
    """File, line and column of a YAML position, or just the file when the position is unknown."""
    return where if where is not None else (file, None, None)


def _schema_problems(exc: ValidationError, positions: Positions, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc: list[str | int] = list(error["loc"])
        known = _fields_at(model, loc[:-1]) if error["type"] == "extra_forbidden" else ()
        # a discriminated union puts the node kind into the path; operators never wrote it there
        if len(loc) > 2 and loc[0] == "nodes" and loc[2] in _NODE_KINDS:
            del loc[2]
        path: YamlPath = tuple(loc)
        where = positions.find(path)
        yaml_path = ".".join(str(part) for part in path) or None
        message = _operator_message(error, path, known)
        if where:
            problems.append(Problem(message, where[0], where[1], where[2], yaml_path))
        else:
            problems.append(Problem(message, yaml_path=yaml_path))
    return problems


def _operator_message(error: Mapping[str, Any], path: YamlPath, known: Iterable[str] = ()) -> str:
    kind = error["type"]
    field = str(path[-1]) if path else "file"
    if kind == "missing":
        return f"'{field}' is required here"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, sorted(known), n=1, cutoff=0.6)
        if close:
            return f"'{field}' is not a field this place knows; did you mean '{close[0]}'?"
        listed = f" (it knows {', '.join(sorted(known))})" if known else ""
        return f"'{field}' is not a field this place knows; check its spelling{listed}"
    if kind == "union_tag_invalid":
        return f"'kind' must be one of {', '.join(sorted(_NODE_KINDS))}"
    if kind == "union_tag_not_found":
        return "every node needs a 'kind': " + ", ".join(sorted(_NODE_KINDS))
    if kind == "string_pattern_mismatch" and field == "key":
        return "a key must be one telephone key: 0-9, * or #"
    if kind == "string_pattern_mismatch" and path and path[0] == "phone_numbers":
        return f"phone number '{error.get('input')}' is not in E.164 form, e.g. +18005550100"
    if kind == "string_pattern_mismatch":
        return f"'{error.get('input')}' is not a valid name here: use lower case letters, digits and _"
    return f"'{field}': {error['msg']}"


def _validate(model: type[M], data: Any, positions: Positions) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FlowError(_schema_problems(exc, positions, model)) from None


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> tuple[str, ...]:
    """The fields the schema knows at ``loc`` (pydantic's error location, node kinds included), for a
    "did you mean" on a misspelt one; empty when the place is not a model."""
    current: Any = model
    for part in loc:
        current = _inside(current, part)
        if current is None:
            return ()
    current = _unwrapped(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return tuple(current.model_fields)
    return ()


def _unwrapped(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _inside(annotation: Any, part: str | int) -> Any:
    """The type found at one step of an error location: a field, a mapping's value, a list's item, or the
    member of a union of node kinds that ``part`` names."""
    annotation = _unwrapped(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType):
        for member in (_unwrapped(arg) for arg in args):
            kind = getattr(member, "model_fields", {}).get("kind")
            if kind is not None and part in get_args(kind.annotation):
                return member
        return None
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (tuple, list) and args and isinstance(part, int):
        return args[0]
    return None


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _suggest_file(entry: str, base: Path, folder: Path) -> str:
    """ "; did you mean 'menus/payments.yaml'?" for the closest YAML file in the folder it names."""
    if not folder.is_dir():
        return ""
    names = [_relative(candidate, base) for candidate in sorted(folder.glob("*.yaml"))]
    close = difflib.get_close_matches(entry, names, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


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

    def include(
        self, entries: Iterable[str], parent: str, parent_positions: Positions, chain: tuple[Path, ...]
    ) -> None:
        for index, entry in enumerate(entries):
            path = (self.base / entry).resolve()
            name = _relative(path, self.base)
            where = _at(parent_positions.find(("include", index)), parent)
            at = f"include.{index}"
            if path in chain:
                cycle = " -> ".join(_relative(p, self.base) for p in (*chain, path))
                self.problems.append(Problem(f"include cycle: {cycle}", *where, yaml_path=at))
                continue
            if path in self.files:
                continue
            if self.base not in path.parents:
                self.problems.append(
                    Problem(f"'{entry}' lies outside the flow's folder", *where, yaml_path=at)
                )
                continue
            if not path.is_file():
                self.problems.append(
                    Problem(
                        f"includes '{entry}', which does not exist"
                        + _suggest_file(entry, self.base, path.parent),
                        *where,
                        yaml_path=at,
                    )
                )
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
            self.include(included.include, name, positions, (*chain, path))


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
            try:
                values_in(table[prompt_id])
            except ValueError:
                where = positions.find((prompt_id,))
                problems.append(
                    Problem(
                        f"prompt '{prompt_id}' has a '{{' or '}}' that does not enclose a value name: write "
                        "a value as {name} (for example {balance}), and a brace meant as text twice ({{ or }})",
                        *_at(where, name),
                    )
                )
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
    location: Path | str,
    handlers: HandlerCatalog | None = None,
    handler_prompts: ServicePrompts = (),
    text_keywords: Mapping[str, str] | None = None,
) -> Flow:
    """Load and check the flow whose root is ``location`` (menu_tree.yaml or the folder holding it).

    Raises FlowError listing every problem found. ``handlers``, when given, are the handlers the running
    service registers, with what each requires of a call's sign-in: an action node naming any other
    handler is an error, and so is a path on which a caller reaches a handler without the sign-in it needs.
    ``handler_prompts`` are prompt ids the service says on its own (with the values it fills in, when a
    mapping): each must exist in every language. ``text_keywords`` are words the SMS carrier answers
    itself: no menu may take one as an answer.
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
    collector.include(root.include, root_name, positions, (root_path.resolve(),))
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
    problems = check_flow(flow, handlers, handler_prompts, text_keywords)
    if problems:
        places = _Places({**collector.sources, root_name: raw}, collector.defined_in, root_name)
        raise FlowError([_place(p, places) for p in problems])
    return flow


# Top-level sections of menu_tree.yaml that checks point into (everything but nodes, which may live in any file).
_ROOT_SECTIONS = ("flow", "languages", "defaults", "hours", "commands", "include")


class _Places:
    """Where things are in a flow's files, read from the bytes the flow was parsed from (never from the
    disk again: a file saved since then would move the lines)."""

    def __init__(self, sources: Mapping[str, bytes], defined_in: Mapping[str, str], root_name: str) -> None:
        self.sources = sources
        self.defined_in = defined_in
        self.root_name = root_name
        self._positions: dict[str, Positions | None] = {}

    def positions(self, file: str) -> Positions | None:
        if file not in self._positions:
            raw = self.sources.get(file)
            self._positions[file] = None if raw is None else positions_in(raw, file)
        return self._positions[file]


def _place(problem: Problem, places: _Places) -> Problem:
    """Give a check's problem the file and line it is about (checks work on the compiled model): the file
    of the node it is about, the root file for the root's sections, or the line of the prompt it is about
    in the prompt file it names."""
    if problem.file and problem.line is None and problem.yaml_path:
        positions = places.positions(problem.file)
        where = positions.find((problem.yaml_path,)) if positions is not None else None
        if where is not None and where[1]:
            return Problem(problem.message, where[0], where[1], where[2], problem.yaml_path)
        return problem
    if problem.file or not problem.yaml_path:
        return problem
    section = problem.yaml_path.split(".")[0]
    if section == "nodes":
        file = places.defined_in.get(problem.yaml_path.split(".")[1])
    else:
        file = places.root_name if section in _ROOT_SECTIONS else None
    if file is None:
        return problem
    positions = places.positions(file)
    where = positions.find(tuple(_path_parts(problem.yaml_path))) if positions is not None else None
    if where is None:
        return Problem(problem.message, file=file, yaml_path=problem.yaml_path)
    return Problem(problem.message, where[0], where[1], where[2], problem.yaml_path)


def locate(problems: Iterable[Problem], flow: Flow) -> list[Problem]:
    """Give problems found on a loaded flow (the warnings of ``ivr.flow.advice``) their file, line and
    column, as ``load_flow`` does for the checks' problems: from the files the flow was compiled from."""
    places = _Places(flow.sources, {}, ROOT_FILE)
    defined_in: dict[str, str] = {}
    for name in flow.sources:
        if name.startswith(f"{PROMPTS_DIR}/"):
            continue
        positions = places.positions(name)
        if positions is None:
            continue
        if ("flow",) in positions.by_path and ROOT_FILE not in flow.sources:
            places.root_name = name  # a root file of another name, loaded by its path
        for path in positions.by_path:
            if len(path) == 2 and path[0] == "nodes":
                defined_in.setdefault(str(path[1]), name)
    places.defined_in = defined_in
    return [_place(problem, places) for problem in problems]


def _path_parts(yaml_path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in yaml_path.split(".")]
