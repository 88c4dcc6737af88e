"""prompts/build/manifest.json: what each build made from each recording, read by the service at start-up.

Per language and prompt id: the built file (relative to the build folder; absent when the recording could
not be used), the source it came from and that source's hash, the hash of the prompt text at the time,
the settings it was built with, its duration, peak and loudness, whether it is a draft, and warnings.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ivr.core.errors import IvrError

MANIFEST = "manifest.json"
FORMAT = 1
HASH_CHARS = 12  # of the content's SHA-256 in a built file's name


class ManifestError(IvrError, ValueError):
    """The manifest exists but cannot be read."""

    hint = "run `ivr prompts build` again"


@dataclass(frozen=True)
class Entry:
    source: str  # <lang>/<file name> under prompts/
    source_hash: str
    settings_hash: str
    text_hash: str
    draft: bool
    file: str | None = None  # <lang>/<prompt_id>-<content hash>.wav under prompts/build/
    duration: float | None = None
    peak_dbfs: float | None = None
    loudness_dbfs: float | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None  # why the recording cannot be played (unreadable, silent)

    @property
    def playable(self) -> bool:
        return self.file is not None and self.error is None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        data["playable"] = self.playable
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            source=str(data["source"]),
            source_hash=str(data["source_hash"]),
            settings_hash=str(data["settings_hash"]),
            text_hash=str(data["text_hash"]),
            draft=bool(data["draft"]),
            file=None if data.get("file") is None else str(data["file"]),
            duration=_number(data.get("duration")),
            peak_dbfs=_number(data.get("peak_dbfs")),
            loudness_dbfs=_number(data.get("loudness_dbfs")),
            warnings=tuple(str(w) for w in data.get("warnings", ())),
            error=None if data.get("error") is None else str(data["error"]),
        )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class Manifest:
    languages: dict[str, dict[str, Entry]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def get(self, language: str, prompt_id: str) -> Entry | None:
        return self.languages.get(language, {}).get(prompt_id)

    def put(self, language: str, prompt_id: str, entry: Entry) -> None:
        self.languages.setdefault(language, {})[prompt_id] = entry

    def files(self) -> set[str]:
        return {e.file for table in self.languages.values() for e in table.values() if e.file}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "settings": self.settings,
            "languages": {
                lang: {pid: table[pid].to_json() for pid in sorted(table)}
                for lang, table in sorted(self.languages.items())
            },
        }

    @classmethod
    def load(cls, build: Path) -> Manifest:
        """The manifest in ``build``; an empty one when there is none. ManifestError when it is damaged."""
        path = build / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise ManifestError(f"{path}: format {found!r}; this version reads format {FORMAT}")
        try:
            return cls(
                languages={
                    str(lang): {str(pid): Entry.from_json(entry) for pid, entry in table.items()}
                    for lang, table in data["languages"].items()
                },
                settings=dict(data.get("settings", {})),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"{path}: not a prompt manifest ({exc!r})") from None

    def save(self, build: Path) -> None:
        build.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        write_atomically(build / MANIFEST, text.encode())


def intact(build: Path, file: str) -> bool:
    """The built file exists and its content still has the hash its name ends with."""
    try:
        content = (build / file).read_bytes()
    except OSError:
        return False
    return PurePosixPath(file).stem.endswith("-" + hashlib.sha256(content).hexdigest()[:HASH_CHARS])


def write_atomically(path: Path, content: bytes) -> None:
    """Readers (a running service, a second build) see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
