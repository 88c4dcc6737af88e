"""The flow's files as the console edits them: read, check a draft, publish, keep every version, roll back.

A draft is checked exactly as `ivr validate` checks the files on disk (``load_service_flow``), in a
temporary copy of the flow's folder with the draft's files in place. Publishing writes the files only when
that check passes (each file replaced atomically); the running services' hot reload (ivr.flow.watcher)
then makes them live, and refuses them again itself if they were broken meanwhile. Every publication keeps
every file of the flow, who published it, and a unified diff against the files that were live before, so
that any version can be restored (a rollback is a publication too).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, func, select

from ivr.adapters.sql.console_tables import FlowPublication
from ivr.adapters.sql.database import make_session_factory
from ivr.core.clock import Clock, SystemClock
from ivr.core.errors import IvrError
from ivr.flow import Flow, FlowError, Problem
from ivr.flow.loader import flow_files
from ivr.service.flow import load_service_flow

# The files a flow is made of, relative to its folder: nothing else may be read or written.
_EDITABLE = re.compile(
    r"^(menu_tree\.yaml|menus/[a-z0-9_\-/]+\.yaml|prompts/[a-z]{2}\.yaml|prompts/[a-z]+/[a-z]{2}\.yaml)$"
)
MAX_FILE_BYTES = 256 * 1024
PUBLISH_LOCK_SECONDS = 30


class FileRefused(IvrError, ValueError):
    """A path that is not one of the flow's files."""


class PublishRefused(IvrError):
    def __init__(self, reason: str, problems: list[Problem] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "message": problem.message,
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "yaml_path": problem.yaml_path,
        "text": str(problem),
    }


class FlowFiles:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def check_path(self, relative: str) -> Path:
        if not _EDITABLE.match(relative) or ".." in relative.split("/"):
            raise FileRefused(f"'{relative}' is not one of the flow's files")
        path = (self.root / relative).resolve()
        if self.root not in path.parents:
            raise FileRefused(f"'{relative}' lies outside the flow's folder")
        return path

    def paths(self) -> list[str]:
        names = (str(path.relative_to(self.root)) for path in flow_files(self.root))
        return sorted(name for name in names if _EDITABLE.match(name))

    def read_all(self) -> dict[str, str]:
        return {name: (self.root / name).read_text(encoding="utf-8") for name in self.paths()}

    def digest(self, files: Mapping[str, str] | None = None) -> str:
        """What the files say, in 16 hex digits: a publication must start from the files it was edited on."""
        content = self.read_all() if files is None else files
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def check_drafts(self, drafts: Mapping[str, str]) -> None:
        for name, text in drafts.items():
            self.check_path(name)
            if len(text.encode()) > MAX_FILE_BYTES:
                raise FileRefused(f"'{name}' is larger than {MAX_FILE_BYTES // 1024} KiB")

    def validate(self, drafts: Mapping[str, str]) -> tuple[Flow | None, list[Problem]]:
        """Check the flow as it would be with ``drafts`` in place, exactly as `ivr validate` does."""
        self.check_drafts(drafts)
        with tempfile.TemporaryDirectory(prefix="ivr-draft-") as folder:
            base = Path(folder)
            for name, text in {**self.read_all(), **drafts}.items():
                target = base / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            try:
                return load_service_flow(base), []
            except FlowError as exc:
                return None, exc.problems

    def write(self, files: Mapping[str, str]) -> None:
        """Replace each file in one step (a reader sees the old file or the new one, never half of one)."""
        for name, text in files.items():
            path = self.check_path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)


def unified_diff(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    parts: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        parts.extend(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                (new or "").splitlines(keepends=True),
                fromfile=f"a/{name}" if old is not None else "/dev/null",
                tofile=f"b/{name}" if new is not None else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in parts)


@dataclass(frozen=True)
class Published:
    id: int
    version: str


def _summary(row: FlowPublication) -> dict[str, Any]:
    added = sum(1 for line in row.diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in row.diff.splitlines() if line.startswith("-") and not line.startswith("---"))
    return {
        "id": row.id,
        "version": row.version,
        "published_at": row.published_at.isoformat(timespec="seconds"),
        "published_by": row.published_by,
        "kind": row.kind,
        "rollback_of": row.rollback_of,
        "lines_added": added,
        "lines_removed": removed,
    }


class Publisher:
    def __init__(
        self, files: FlowFiles, engine: Engine, client: redis.Redis, prefix: str, clock: Clock | None = None
    ) -> None:
        self.files = files
        self._sessions = make_session_factory(engine)
        self._lock = client.lock(
            f"{prefix}console:publishing", timeout=PUBLISH_LOCK_SECONDS, blocking_timeout=10
        )
        self._clock = clock or SystemClock()

    def publish(self, drafts: Mapping[str, str], base_digest: str, operator: str) -> Published:
        """Check and write ``drafts`` (the files that changed) if the files on disk are still the ones the
        operator edited (``base_digest``)."""
        with self._lock:
            live = self.files.read_all()
            if self.files.digest(live) != base_digest:
                raise PublishRefused(
                    "the flow's files changed since you opened them; reload to see the new version"
                )
            return self._publish(live, {**live, **drafts}, operator, "publish", None)

    def rollback(self, publication_id: int, operator: str) -> Published:
        with self._sessions() as session:
            row = session.get(FlowPublication, publication_id)
            if row is None:
                raise PublishRefused(f"there is no publication {publication_id}")
            restored: dict[str, str] = json.loads(row.files)
        with self._lock:
            live = self.files.read_all()
            return self._publish(live, {**live, **restored}, operator, "rollback", publication_id)

    def _publish(
        self, live: dict[str, str], after: dict[str, str], operator: str, kind: str, rollback_of: int | None
    ) -> Published:
        changed = {name: text for name, text in after.items() if live.get(name) != text}
        if not changed:
            raise PublishRefused("nothing changed: these files are already live")
        flow, problems = self.files.validate(changed)
        if flow is None:
            raise PublishRefused("the flow has problems; nothing was published", problems)
        now = self._clock.now()
        with self._sessions.begin() as session:
            if session.scalar(select(func.count()).select_from(FlowPublication)) == 0:
                baseline, _ = self.files.validate({})
                session.add(
                    FlowPublication(
                        version=baseline.version if baseline else "invalid",
                        published_at=now,
                        published_by=None,
                        kind="baseline",
                        files=json.dumps(live, sort_keys=True),
                        diff="",
                    )
                )
            row = FlowPublication(
                version=flow.version,
                published_at=now,
                published_by=operator,
                kind=kind,
                rollback_of=rollback_of,
                files=json.dumps(after, sort_keys=True),
                diff=unified_diff(live, after),
            )
            session.add(row)
            session.flush()
            self.files.write(changed)  # inside the transaction: a failed write records nothing
            return Published(row.id, flow.version)

    def history(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(select(FlowPublication).order_by(FlowPublication.id.desc()).limit(limit))
            return [_summary(row) for row in rows]

    def get(self, publication_id: int) -> dict[str, Any] | None:
        with self._sessions() as session:
            row = session.get(FlowPublication, publication_id)
            return None if row is None else {**_summary(row), "diff": row.diff}
