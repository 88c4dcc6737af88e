"""`ivr prompts draft`: stand-in recordings from an offline text-to-speech engine (espeak-ng).

A draft is written as prompts/<lang>/<prompt_id>.draft.wav (8 kHz mono 16-bit PCM) for every prompt that
has text and no recording; prompts with values are skipped (they are always spoken). A real recording
always wins over a draft. A draft whose prompt text changed since it was built is written again.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ivr.core.errors import IvrError
from ivr.flow.model import SMS_FORM, VALUE_WORDS_PREFIX, Flow
from ivr.media.recordings.manifest import Manifest, ManifestError, write_atomically
from ivr.media.recordings.segment import UnreadableAudio, decode, to_telephone
from ivr.media.recordings.sources import AUDIO_SUFFIXES, DRAFT_MARK, find_recordings
from ivr.media.recordings.texts import has_values, text_hash
from ivr.media.wav import pcm_wav

ESPEAK_VOICES = {"en": "en-us", "es": "es-419"}  # otherwise the language code itself
WORDS_PER_MINUTE = 150  # a little slower than espeak-ng's 175: callers are on the telephone
_TIMEOUT_SECONDS = 120

Job = tuple[str, str, str]  # language, prompt id, text
Progress = Callable[[Sequence[Job]], AbstractContextManager[Iterable[Job]]]


class DraftError(IvrError, RuntimeError):
    pass


@dataclass
class DraftReport:
    written: list[str] = field(default_factory=list)  # <lang>/<prompt id>
    recorded: list[str] = field(default_factory=list)  # have a real recording: no draft needed
    current: list[str] = field(default_factory=list)  # a draft for the current text exists
    with_values: list[str] = field(default_factory=list)  # always spoken


def espeak() -> str | None:
    return shutil.which("espeak-ng")


def _no_progress(items: Sequence[Job]) -> AbstractContextManager[Iterable[Job]]:
    return nullcontext(items)


def draft_prompts(
    flow: Flow,
    prompts: Path,
    build: Path,
    *,
    languages: Collection[str] = (),
    prompt_ids: Collection[str] = (),
    voices: Mapping[str, str] | None = None,
    force: bool = False,
    progress: Progress = _no_progress,
) -> DraftReport:
    """Write drafts; ``languages`` and ``prompt_ids`` narrow the work (empty: all)."""
    program = espeak()
    if program is None:
        raise DraftError("espeak-ng is not installed (Debian and Ubuntu: apt-get install espeak-ng)")
    voices = {**ESPEAK_VOICES, **(voices or {})}
    recordings, _ = find_recordings(prompts, flow.languages)
    try:
        manifest = Manifest.load(build)
    except ManifestError:
        manifest = Manifest()
    report = DraftReport()
    jobs: list[Job] = []
    for language in flow.languages:
        if languages and language not in languages:
            continue
        for prompt_id, text in sorted(flow.prompts[language].items()):
            if (prompt_ids and prompt_id not in prompt_ids) or prompt_id.endswith(SMS_FORM):
                continue  # not asked for, or a prompt's form for text messages: never said
            if prompt_id.startswith(VALUE_WORDS_PREFIX):
                continue  # value words are said inside other prompts, never recorded alone
            where = f"{language}/{prompt_id}"
            recording = recordings.get((language, prompt_id))
            entry = manifest.get(language, prompt_id)
            if has_values(text):
                report.with_values.append(where)
            elif recording is not None and not recording.draft:
                report.recorded.append(where)
            elif (
                recording is not None and not force and (entry is None or entry.text_hash == text_hash(text))
            ):
                report.current.append(where)
            else:
                jobs.append((language, prompt_id, text))
    with progress(jobs) as items:
        for language, prompt_id, text in items:
            target = prompts / language / f"{prompt_id}{DRAFT_MARK}.wav"
            _remove_other_drafts(target)
            write_atomically(target, speak(program, voices.get(language, language), text))
            report.written.append(f"{language}/{prompt_id}")
    return report


def speak(program: str, voice: str, text: str) -> bytes:
    """The text spoken by espeak-ng, as an 8 kHz mono 16-bit PCM WAV file."""
    with tempfile.TemporaryDirectory(prefix="ivr-draft-") as folder:
        output = Path(folder) / "speech.wav"
        command = [program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-b", "1", "-w", str(output), "--stdin"]
        try:
            # espeak-ng from PATH with fixed arguments; the text goes in on stdin, never through a shell
            subprocess.run(  # noqa: S603 - fixed argument list, no shell
                command, input=text.encode(), capture_output=True, check=True, timeout=_TIMEOUT_SECONDS
            )
            segment = to_telephone(decode(output))
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip() or f"exit status {exc.returncode}"
            raise DraftError(f"espeak-ng failed with voice '{voice}': {detail}") from None
        except (OSError, subprocess.SubprocessError, UnreadableAudio) as exc:
            raise DraftError(f"espeak-ng failed with voice '{voice}': {exc}") from None
    return pcm_wav(segment.raw_data, segment.frame_rate)


def _remove_other_drafts(target: Path) -> None:
    """A draft in another format (say .mp3) would be passed over in favour of the new WAV; remove it."""
    stem = target.name[: -len(".wav")]
    for path in target.parent.glob(f"{stem}.*"):
        if (
            path != target
            and path.suffix.lower() in AUDIO_SUFFIXES
            and path.name[: -len(path.suffix)] == stem
        ):
            path.unlink()
