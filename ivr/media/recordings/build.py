"""`ivr prompts build`: every recording to the telephone format, redoing only what changed.

A recording is rebuilt when its content, its file name or the build settings changed, or when its built
file is gone; otherwise its manifest entry is kept as it was, including the text hash of the prompt at the
time it was built (so `ivr prompts check` can tell a recording made for an older text).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ivr.flow.model import Flow
from ivr.media.recordings.manifest import HASH_CHARS, Entry, Manifest, ManifestError, intact, write_atomically
from ivr.media.recordings.process import BuildSettings, RecordingError, process_file
from ivr.media.recordings.sources import Recording, find_recordings
from ivr.media.recordings.texts import has_values, text_hash

Progress = Callable[[Sequence[Recording]], AbstractContextManager[Iterable[Recording]]]


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)  # <lang>/<prompt id>
    kept: list[str] = field(default_factory=list)  # unchanged since the last build
    failed: list[str] = field(default_factory=list)  # "<lang>/<file>: why", never played
    warnings: list[str] = field(default_factory=list)  # "<lang>/<prompt id>: what", still played
    notes: list[str] = field(default_factory=list)  # files passed over
    pruned: list[str] = field(default_factory=list)


def _no_progress(items: Sequence[Recording]) -> AbstractContextManager[Iterable[Recording]]:
    return contextlib.nullcontext(items)


def build_prompts(
    flow: Flow,
    prompts: Path,
    build: Path,
    *,
    settings: BuildSettings | None = None,
    progress: Progress = _no_progress,
    prune: bool = False,
) -> BuildReport:
    report = BuildReport()
    builder = _Builder(build, settings or BuildSettings(), report)
    recordings, report.notes = find_recordings(prompts, flow.languages)
    try:
        previous = Manifest.load(build)
    except ManifestError as exc:
        report.notes.append(f"the previous manifest is damaged, so everything is rebuilt: {exc}")
        previous = Manifest()
    manifest = Manifest(settings=builder.settings.to_json())
    work = []
    for (language, prompt_id), recording in sorted(recordings.items()):
        text = flow.prompts[language].get(prompt_id)
        if text is None:
            report.notes.append(
                f"{recording.name}: prompts/{language}.yaml has no text '{prompt_id}'; passed over"
            )
        elif has_values(text):
            report.notes.append(
                f"{recording.name}: the prompt has values, so it is always spoken; passed over"
            )
        else:
            work.append(recording)
    with progress(work) as items:
        for recording in items:
            text = flow.prompts[recording.language][recording.prompt_id]
            entry = builder.entry(recording, text, previous.get(recording.language, recording.prompt_id))
            manifest.put(recording.language, recording.prompt_id, entry)
            if entry.error:
                report.failed.append(f"{recording.name}: {entry.error}")
            where = f"{recording.language}/{recording.prompt_id}"
            report.warnings.extend(f"{where}: {warning}" for warning in entry.warnings)
    manifest.save(build)
    if prune:
        report.pruned = _prune(build, manifest)
    return report


class _Builder:
    def __init__(self, build: Path, settings: BuildSettings, report: BuildReport) -> None:
        self.build = build
        self.settings = settings
        self.digest = settings.digest()
        self.report = report

    def entry(self, recording: Recording, text: str, old: Entry | None) -> Entry:
        where = f"{recording.language}/{recording.prompt_id}"
        source_hash = recording.content_hash()
        if (
            old is not None
            and old.source == recording.name
            and old.source_hash == source_hash
            and old.settings_hash == self.digest
            and (old.file is None or intact(self.build, old.file))
        ):
            self.report.kept.append(where)
            return old
        self.report.built.append(where)
        entry = Entry(
            source=recording.name,
            source_hash=source_hash,
            settings_hash=self.digest,
            text_hash=text_hash(text),
            draft=recording.draft,
        )
        try:
            result = process_file(recording.path, text, self.settings)
        except RecordingError as exc:
            return replace(entry, error=str(exc))
        content_hash = hashlib.sha256(result.wav).hexdigest()[:HASH_CHARS]
        file = f"{recording.language}/{recording.prompt_id}-{content_hash}.wav"
        write_atomically(self.build / file, result.wav)
        return replace(
            entry,
            file=file,
            duration=result.duration,
            peak_dbfs=result.peak_dbfs,
            loudness_dbfs=result.loudness_dbfs,
            warnings=result.warnings,
        )


def _prune(build: Path, manifest: Manifest) -> list[str]:
    """Delete built files the manifest no longer names (run it after the service has reloaded)."""
    keep = manifest.files()
    removed = []
    for path in sorted(build.glob("*/*.wav")):
        name = path.relative_to(build).as_posix()
        if name not in keep:
            path.unlink()
            removed.append(name)
    return removed
