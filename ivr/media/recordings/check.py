"""`ivr prompts check`: per language, what callers hear recorded, what they hear from text-to-speech, and
what needs an operator: missing text, recordings made for an older text, builds to redo, broken files.

Only broken files make the check fail: a recording that cannot be decoded or is silent, or a built file
the manifest names that is missing or damaged. Everything else still lets every call go through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ivr.flow.model import SMS_FORM, Flow
from ivr.media.recordings.manifest import MANIFEST, Manifest, ManifestError, intact
from ivr.media.recordings.process import BuildSettings, RecordingError, process_file
from ivr.media.recordings.sources import find_recordings
from ivr.media.recordings.texts import has_values, text_hash
from ivr.media.wav import MULAW, TELEPHONE_RATE, WavError, parse_wav


@dataclass
class LanguageCheck:
    language: str
    recorded: list[str] = field(default_factory=list)  # built, played to callers
    drafts: list[str] = field(default_factory=list)  # built from a draft, played to callers
    tts_only: list[str] = field(default_factory=list)  # no recording (or a prompt with values): <Say>
    missing_text: list[str] = field(default_factory=list)  # no text in this language's catalogue
    text_changed: list[str] = field(default_factory=list)  # recorded for an older text
    not_built: list[str] = field(default_factory=list)  # new or changed since the last build
    broken: list[str] = field(default_factory=list)  # "id: why" - fails the check
    warnings: list[str] = field(default_factory=list)  # "id: what" from the build


@dataclass
class CheckReport:
    languages: list[LanguageCheck]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not any(language.broken for language in self.languages)


def check_prompts(flow: Flow, prompts: Path, build: Path) -> CheckReport:
    recordings, notes = find_recordings(prompts, flow.languages)
    try:
        manifest = Manifest.load(build)
    except ManifestError as exc:
        manifest = Manifest()
        notes.append(f"{MANIFEST} cannot be read, so no recording is played: {exc}")
    # every prompt a call may say (a prompt's form for text messages, <id>_sms, is never said)
    every_id = {pid for table in flow.prompts.values() for pid in table if not pid.endswith(SMS_FORM)}
    settings = BuildSettings()
    checks = []
    for language in flow.languages:
        texts = flow.prompts[language]
        check = LanguageCheck(language)
        recorded_ids = {pid for (lang, pid) in recordings if lang == language}
        for prompt_id in sorted(every_id | recorded_ids):
            text = texts.get(prompt_id)
            recording = recordings.get((language, prompt_id))
            entry = manifest.get(language, prompt_id)
            if text is None:
                check.missing_text.append(prompt_id + (" (recorded)" if recording else ""))
                continue
            if recording is None or has_values(text):
                check.tts_only.append(prompt_id)
                if entry is not None:
                    check.not_built.append(f"{prompt_id} (its recording is gone; it is still played)")
                continue
            if (
                entry is None
                or entry.source != recording.name
                or entry.source_hash != recording.content_hash()
            ):
                check.not_built.append(prompt_id)
                try:  # not built yet: is it usable at all?
                    process_file(recording.path, text, settings)
                except RecordingError as exc:
                    check.broken.append(f"{prompt_id}: {recording.name} is {exc}")
                continue
            problem = entry.error or _built_file_problem(build, entry.file)
            if problem:
                check.broken.append(f"{prompt_id}: {recording.name}: {problem}")
                continue
            (check.drafts if entry.draft else check.recorded).append(prompt_id)
            if entry.text_hash != text_hash(text):
                check.text_changed.append(prompt_id)
            check.warnings.extend(f"{prompt_id}: {warning}" for warning in entry.warnings)
        checks.append(check)
    return CheckReport(checks, notes)


def _built_file_problem(build: Path, file: str | None) -> str | None:
    if file is None:
        return "the manifest names no built file"
    try:
        info = parse_wav((build / file).read_bytes())
    except FileNotFoundError:
        return f"the built file {file} is missing; run `ivr prompts build`"
    except (OSError, WavError) as exc:
        return f"the built file {file} is damaged ({exc}); run `ivr prompts build`"
    if (info.format_tag, info.rate, info.channels, info.bits) != (MULAW, TELEPHONE_RATE, 1, 8):
        return f"the built file {file} is not 8 kHz mono mu-law; run `ivr prompts build`"
    if not intact(build, file):
        return (
            f"the built file {file} is damaged (its content does not match its name); run `ivr prompts build`"
        )
    return None
