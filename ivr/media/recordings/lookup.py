"""PromptAudio: which prompts have a playable recording, read once from the build's manifest.

The running service needs nothing else from ivr.media.recordings: the voice renderer asks ``url_for`` and the
audio blueprint asks ``path_for``. A missing manifest means no recordings (every prompt is spoken); so
does a damaged one, with a warning in the log. Call ``load`` again to pick up a new build.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from ivr.media.recordings.manifest import Manifest, ManifestError, intact

log = logging.getLogger(__name__)

URL_PREFIX = "/prompts/audio"


class PromptAudio:
    def __init__(
        self, build: Path | None = None, files: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        """``files``: language -> prompt id -> file name inside ``build``/<language>/."""
        self._build = build
        self._files = MappingProxyType({lang: dict(table) for lang, table in (files or {}).items()})
        self._names = {(lang, name) for lang, table in self._files.items() for name in table.values()}

    @classmethod
    def load(cls, build: Path) -> PromptAudio:
        try:
            manifest = Manifest.load(build)
        except ManifestError as exc:
            log.warning("prompt recordings are not played: %s", exc)
            return cls(build)
        files: dict[str, dict[str, str]] = {}
        for language, table in manifest.languages.items():
            for prompt_id, entry in table.items():
                if not entry.playable or entry.file is None:
                    continue
                parts = PurePosixPath(entry.file).parts
                if len(parts) != 2 or parts[0] != language or parts[1].startswith("."):
                    log.warning("manifest entry %s/%s names an unexpected file", language, prompt_id)
                    continue
                if not intact(build, entry.file):
                    log.warning("built prompt %s is missing or damaged; it is spoken instead", entry.file)
                    continue
                files.setdefault(language, {})[prompt_id] = parts[1]
        count = sum(len(table) for table in files.values())
        if count:
            log.info("playing %d recorded prompts from %s", count, build)
        return cls(build, files)

    def __len__(self) -> int:
        return len(self._names)

    def url_for(self, language: str, prompt_id: str) -> str | None:
        """The path (under the service's base URL) of the prompt's recording, or None: speak it."""
        name = self._files.get(language, {}).get(prompt_id)
        return None if name is None else f"{URL_PREFIX}/{language}/{name}"

    def path_for(self, language: str, name: str) -> Path | None:
        """The built file behind a URL, only if the manifest names it as playable."""
        if self._build is None or (language, name) not in self._names:
            return None
        return self._build / language / name
