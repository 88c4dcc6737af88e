"""`ivr prompts draft`: espeak-ng stand-ins for prompts without a recording, marked as drafts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.media.recordings.manifest import Manifest
from ivr.media.recordings.sources import build_dir
from tests.audio.conftest import run_prompts, wav_format, write_tone

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_drafts_are_written_for_prompts_without_a_recording(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/goodbye.wav")
    result = run_prompts(flow_dir, "draft", "welcome", "goodbye", "balance_due", "--language", "en")
    assert result.exit_code == 0, result.output
    assert "1 drafts written, 0 already current, 1 recorded, 1 with values (always spoken)" in result.output
    drafts = sorted(p.name for p in (flow_dir / "prompts/en").glob("*.draft.*"))
    assert drafts == ["welcome.draft.wav"]
    content = (flow_dir / "prompts/en/welcome.draft.wav").read_bytes()
    assert wav_format(content) == (1, 1, 8000, 16)  # 8 kHz mono PCM: small, and readable without ffmpeg
    assert not (flow_dir / "prompts/es").exists()

    assert run_prompts(flow_dir, "build").exit_code == 0
    entry = Manifest.load(build_dir(flow_dir)).get("en", "welcome")
    assert entry is not None and entry.playable and entry.draft and entry.source == "en/welcome.draft.wav"
    assert entry.duration is not None and 1.5 < entry.duration < 8.0  # nine words, spoken
    check = run_prompts(flow_dir, "check", "--verbose")
    assert check.exit_code == 0 and "en drafts: welcome" in check.output


@needs_espeak
def test_a_draft_is_written_again_only_when_its_text_changed(flow_dir: Path) -> None:
    run_prompts(flow_dir, "draft", "welcome", "ask_pin", "-l", "es")
    run_prompts(flow_dir, "build")
    welcome = flow_dir / "prompts/es/welcome.draft.wav"
    first = welcome.read_bytes()
    again = run_prompts(flow_dir, "draft", "welcome", "ask_pin", "-l", "es")
    assert "0 drafts written, 2 already current" in again.output
    catalogue = flow_dir / "prompts/es.yaml"
    text = catalogue.read_text()
    assert "welcome: Bienvenido a Cliente Conectado" in text
    catalogue.write_text(
        text.replace("welcome: Bienvenido a Cliente Conectado", "welcome: Hola, esto es Cliente Conectado")
    )
    assert "es text changed: welcome" in run_prompts(flow_dir, "check").output
    changed = run_prompts(flow_dir, "draft", "welcome", "ask_pin", "-l", "es")
    assert "1 drafts written, 1 already current" in changed.output
    assert welcome.read_bytes() != first
    run_prompts(flow_dir, "build")
    assert "es text changed:" not in run_prompts(flow_dir, "check").output


def test_without_espeak_ng_drafting_says_what_to_install(
    flow_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    result = run_prompts(flow_dir, "draft")
    assert result.exit_code == 1
    assert "espeak-ng is not installed" in result.output
    assert not (flow_dir / "prompts/en").exists()


def test_a_voice_must_be_lang_equals_voice(flow_dir: Path) -> None:
    result = run_prompts(flow_dir, "draft", "--voice", "es-419")
    assert result.exit_code == 2 and "'es-419' is not LANG=VOICE" in result.output
