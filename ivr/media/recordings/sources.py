"""Where recordings live: prompts/<lang>/<prompt_id>.<ext>, drafts as <prompt_id>.draft.<ext>."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROMPTS_DIR = "prompts"
BUILD_DIR = "build"
DRAFT_MARK = ".draft"
AUDIO_SUFFIXES = frozenset(
    {".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".aif", ".aiff", ".wma", ".webm"}
)
_PROMPT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def prompts_dir(flow_dir: Path) -> Path:
    return flow_dir / PROMPTS_DIR


def build_dir(flow_dir: Path) -> Path:
    """prompts/build/: generated output, never edited by hand (the .gitignore's build/ keeps it out)."""
    return flow_dir / PROMPTS_DIR / BUILD_DIR


@dataclass(frozen=True)
class Recording:
    language: str
    prompt_id: str
    path: Path
    draft: bool

    @property
    def name(self) -> str:
        """As the manifest and the reports name it: <lang>/<file>."""
        return f"{self.language}/{self.path.name}"

    def content_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def find_recordings(
    prompts: Path, languages: Iterable[str]
) -> tuple[dict[tuple[str, str], Recording], list[str]]:
    """The recording of each (language, prompt id), and notes about files that were passed over.

    A recording wins over a draft of the same prompt; of two recordings, WAV wins, then the first name.
    """
    chosen: dict[tuple[str, str], Recording] = {}
    notes: list[str] = []
    for language in languages:
        folder = prompts / language
        if not folder.is_dir():
            continue
        candidates: dict[str, list[Recording]] = {}
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            suffix = path.suffix.lower()
            if suffix not in AUDIO_SUFFIXES:
                notes.append(f"{language}/{path.name}: not an audio file name; passed over")
                continue
            stem = path.name[: -len(suffix)]
            draft = stem.endswith(DRAFT_MARK)
            prompt_id = stem[: -len(DRAFT_MARK)] if draft else stem
            if not _PROMPT_ID.match(prompt_id):
                notes.append(f"{language}/{path.name}: not named by a prompt id; passed over")
                continue
            candidates.setdefault(prompt_id, []).append(Recording(language, prompt_id, path, draft))
        for prompt_id, found in candidates.items():
            found.sort(key=lambda r: (r.draft, r.path.suffix.lower() != ".wav", r.path.name))
            chosen[(language, prompt_id)] = found[0]
            for other in found[1:]:
                why = "a draft, superseded" if other.draft and not found[0].draft else "a second recording"
                notes.append(f"{other.name}: {why} by {found[0].path.name}; passed over")
    return chosen, notes
