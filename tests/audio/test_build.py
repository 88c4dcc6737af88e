"""`ivr prompts build`: telephone format, trimming, one loudness, warnings, and only what changed is redone."""

from __future__ import annotations

import json
import shutil
import subprocess
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.flow import Flow, load_flow
from ivr.media.g711 import mulaw_decode, mulaw_encode
from ivr.media.recordings import segment
from ivr.media.recordings.build import build_prompts
from ivr.media.recordings.lookup import PromptAudio
from ivr.media.recordings.manifest import Entry, Manifest
from ivr.media.recordings.process import BuildSettings, speech_level_dbfs
from ivr.media.recordings.segment import AudioSegment
from ivr.media.recordings.sources import build_dir, prompts_dir
from ivr.media.wav import mulaw_wav, parse_wav
from tests.audio.conftest import run_prompts, wav_format, write_silence, write_tone

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _build(flow_dir: Path, settings: BuildSettings | None = None) -> tuple[Flow, Manifest]:
    flow = load_flow(flow_dir)
    build_prompts(flow, prompts_dir(flow_dir), build_dir(flow_dir), settings=settings)
    return flow, Manifest.load(build_dir(flow_dir))


def _audio(flow_dir: Path, entry: Entry | None) -> AudioSegment:
    assert entry is not None and entry.file is not None
    info = parse_wav((build_dir(flow_dir) / entry.file).read_bytes())
    return AudioSegment(data=mulaw_decode(info.data), sample_width=2, frame_rate=info.rate, channels=1)


def test_a_stereo_cd_quality_recording_becomes_trimmed_8_khz_mono_mu_law(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 2.0, silence=1.0)
    _, manifest = _build(flow_dir)
    entry = manifest.get("en", "welcome")
    assert entry is not None and entry.playable and not entry.draft and entry.file is not None
    assert entry.file.startswith("en/welcome-") and entry.file.endswith(".wav")
    content = (build_dir(flow_dir) / entry.file).read_bytes()
    assert wav_format(content) == (7, 1, 8000, 8)
    # one second of silence on each side is trimmed to the 50 ms kept at each end
    assert entry.duration is not None and 2.0 <= entry.duration <= 2.2
    assert len(parse_wav(content).data) == round(entry.duration * 8000)
    assert entry.source == "en/welcome.wav" and entry.error is None and entry.warnings == ()


def test_quiet_and_loud_recordings_end_at_one_loudness(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0, amplitude=0.02)
    write_tone(flow_dir / "prompts/en/goodbye.wav", 1.0, amplitude=0.7)
    _, manifest = _build(flow_dir)
    levels = [speech_level_dbfs(_audio(flow_dir, manifest.get("en", p))) for p in ("welcome", "goodbye")]
    assert all(abs(level - BuildSettings().loudness_dbfs) < 1.0 for level in levels), levels


def test_the_peak_ceiling_wins_over_the_loudness_target_and_says_so(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0)
    _, manifest = _build(flow_dir, BuildSettings(loudness_dbfs=-1.0))  # a sine's peak is 3 dB over its level
    entry = manifest.get("en", "welcome")
    assert entry is not None and entry.peak_dbfs is not None and entry.peak_dbfs <= -0.9
    assert any("quieter than the other prompts" in warning for warning in entry.warnings)


def test_clipping_and_a_recording_too_long_for_its_text_are_flagged_but_played(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0, amplitude=1.5)  # flat tops at full scale
    write_tone(flow_dir / "prompts/en/goodbye.wav", 12.0, amplitude=0.3)  # 7 words: at most 6.2 s
    write_tone(flow_dir / "prompts/en/ask_pin.wav", 2.0, amplitude=0.99)  # loud, not clipped
    _, manifest = _build(flow_dir)
    welcome, goodbye, ask_pin = (manifest.get("en", p) for p in ("welcome", "goodbye", "ask_pin"))
    assert welcome is not None and welcome.playable
    assert [w for w in welcome.warnings if w.startswith("clipped in")]
    assert goodbye is not None and goodbye.playable
    assert goodbye.warnings == ("too long: 12.1 s for 7 words (the limit is 6.2 s)",)
    assert ask_pin is not None and ask_pin.warnings == ()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (write_silence, "silent"),
        (lambda path: write_tone(path, 1.0, amplitude=0.003), "silent"),  # -50 dBFS: hiss, not a prompt
        (lambda path: path.write_bytes(b"RIFF\x10\0\0\0WAVEjunkjunkjunk"), "not a readable WAV file"),
        (lambda path: path.write_bytes(bytes(range(256)) * 20), "not a readable WAV file"),
        (lambda path: write_tone(path, 0.0, silence=0.0), "empty"),
    ],
)
def test_corrupt_and_silent_recordings_are_never_playable(
    flow_dir: Path, make: Callable[[Path], object], error: str
) -> None:
    path = flow_dir / "prompts/en/welcome.wav"
    path.parent.mkdir(parents=True)
    make(path)
    result = run_prompts(flow_dir, "build")
    assert result.exit_code == 1
    assert f"not playable: en/welcome.wav: {error}" in result.output
    entry = Manifest.load(build_dir(flow_dir)).get("en", "welcome")
    assert entry is not None and not entry.playable and entry.file is None and entry.error
    assert PromptAudio.load(build_dir(flow_dir)).url_for("en", "welcome") is None
    assert not list(build_dir(flow_dir).glob("en/*.wav"))


def test_rebuilding_after_editing_one_recording_converts_only_that_one(
    flow_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0)
    write_tone(flow_dir / "prompts/en/goodbye.wav", 1.0, frequency=300)
    write_tone(flow_dir / "prompts/es/welcome.wav", 1.0, frequency=500)
    flow, first = _build(flow_dir)

    converted: list[str] = []
    real = segment.decode

    def counting_decode(path: Path) -> AudioSegment:
        converted.append(f"{path.parent.name}/{path.name}")
        return real(path)

    monkeypatch.setattr("ivr.media.recordings.process.decode", counting_decode)
    report = build_prompts(flow, prompts_dir(flow_dir), build_dir(flow_dir))
    assert converted == [] and report.built == [] and len(report.kept) == 3

    write_tone(flow_dir / "prompts/en/goodbye.wav", 1.5, frequency=300)  # the operator records it again
    report = build_prompts(flow, prompts_dir(flow_dir), build_dir(flow_dir))
    assert converted == ["en/goodbye.wav"]
    assert report.built == ["en/goodbye"] and sorted(report.kept) == ["en/welcome", "es/welcome"]
    second = Manifest.load(build_dir(flow_dir))
    assert second.get("en", "welcome") == first.get("en", "welcome")
    assert second.get("es", "welcome") == first.get("es", "welcome")
    old, new = first.get("en", "goodbye"), second.get("en", "goodbye")
    assert old is not None and new is not None and old.file is not None and old.file != new.file
    assert (build_dir(flow_dir) / old.file).exists()  # a running service may still play it

    converted.clear()
    build_prompts(
        flow, prompts_dir(flow_dir), build_dir(flow_dir), settings=BuildSettings(loudness_dbfs=-23.0)
    )
    assert len(converted) == 3  # new settings: everything again

    report = build_prompts(flow, prompts_dir(flow_dir), build_dir(flow_dir), prune=True)
    assert report.pruned and not (build_dir(flow_dir) / old.file).exists()
    assert {p.relative_to(build_dir(flow_dir)).as_posix() for p in build_dir(flow_dir).glob("*/*.wav")} == (
        Manifest.load(build_dir(flow_dir)).files()
    )


def test_a_deleted_built_file_is_rebuilt(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0)
    flow, manifest = _build(flow_dir)
    entry = manifest.get("en", "welcome")
    assert entry is not None and entry.file is not None
    file = entry.file
    (build_dir(flow_dir) / file).unlink()
    report = build_prompts(flow, prompts_dir(flow_dir), build_dir(flow_dir))
    assert report.built == ["en/welcome"] and (build_dir(flow_dir) / file).exists()


def test_the_manifest_records_the_text_and_skips_what_cannot_be_recorded(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0)
    write_tone(flow_dir / "prompts/en/balance_due.wav", 1.0)  # "Your current balance due is {balance}."
    write_tone(flow_dir / "prompts/en/no_such_prompt.wav", 1.0)
    (flow_dir / "prompts/en/notes.txt").write_text("studio session 3")
    result = run_prompts(flow_dir, "build")
    assert result.exit_code == 0, result.output
    assert "en/balance_due.wav: the prompt has values, so it is always spoken; passed over" in result.output
    assert "en/no_such_prompt.wav: prompts/en.yaml has no text 'no_such_prompt'; passed over" in result.output
    assert "en/notes.txt: not an audio file name; passed over" in result.output
    data = json.loads((build_dir(flow_dir) / "manifest.json").read_text())
    assert set(data["languages"]["en"]) == {"welcome"}
    welcome = data["languages"]["en"]["welcome"]
    assert welcome["playable"] is True and welcome["draft"] is False and len(welcome["text_hash"]) == 64
    assert set(welcome) >= {
        "file",
        "source",
        "source_hash",
        "duration",
        "peak_dbfs",
        "loudness_dbfs",
        "warnings",
    }


def test_a_recording_beats_a_draft_and_a_draft_is_marked(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.draft.wav", 1.0)
    write_tone(flow_dir / "prompts/en/goodbye.draft.wav", 1.0)
    write_tone(flow_dir / "prompts/en/goodbye.wav", 1.0)
    result = run_prompts(flow_dir, "build")
    assert "en/goodbye.draft.wav: a draft, superseded by goodbye.wav; passed over" in result.output
    manifest = Manifest.load(build_dir(flow_dir))
    welcome, goodbye = manifest.get("en", "welcome"), manifest.get("en", "goodbye")
    assert welcome is not None and welcome.draft
    assert goodbye is not None and not goodbye.draft


def test_wav_builds_without_ffmpeg(flow_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0, rate=22050)
    ulaw = mulaw_encode(array("h", [8000, -8000] * 8000).tobytes())  # a mu-law WAV, as phones record
    (flow_dir / "prompts/en/goodbye.wav").write_bytes(mulaw_wav(ulaw))
    write_tone(flow_dir / "prompts/en/ask_pin.mp3", 1.0)  # not really MP3; it is never opened
    _, manifest = _build(flow_dir)
    assert manifest.settings["resampler"] == "pydub"
    for prompt_id in ("welcome", "goodbye"):
        entry = manifest.get("en", prompt_id)
        assert entry is not None and entry.playable and entry.file is not None, entry
        assert wav_format((build_dir(flow_dir) / entry.file).read_bytes()) == (7, 1, 8000, 8)
    mp3 = manifest.get("en", "ask_pin")
    assert mp3 is not None and mp3.error == (
        "reading .mp3 files needs ffmpeg, which is not installed (convert the file to WAV, or install ffmpeg for "
        "other formats)"
    )


@needs_ffmpeg
def test_mp3_is_read_through_ffmpeg(flow_dir: Path) -> None:
    source = write_tone(flow_dir / "work/welcome.wav", 1.5)
    (flow_dir / "prompts/en").mkdir()
    subprocess.run(
        [
            str(shutil.which("ffmpeg")),
            "-nostdin",
            "-v",
            "error",
            "-i",
            source,
            flow_dir / "prompts/en/welcome.mp3",
        ],
        check=True,
    )
    _, manifest = _build(flow_dir)
    entry = manifest.get("en", "welcome")
    assert entry is not None and entry.playable and entry.source == "en/welcome.mp3"
    assert entry.duration is not None and 1.4 <= entry.duration <= 1.7
    assert manifest.settings["resampler"] == "ffmpeg"
