"""`ivr prompts check`: the table per language, and exit 1 only for what would break a call."""

from __future__ import annotations

from pathlib import Path

from ivr.flow import load_flow
from ivr.flow.model import SMS_FORM
from ivr.media.recordings.manifest import Manifest
from ivr.media.recordings.sources import build_dir
from tests.audio.conftest import run_prompts, write_silence, write_tone

COLUMNS = ["recorded", "drafts", "tts only", "missing text", "text changed", "not built", "broken"]


def _table(output: str) -> dict[str, dict[str, int]]:
    lines = output.splitlines()
    assert lines[0].split() == ["language", "recorded", "drafts", "tts", "only", "missing", "text", "text",
                                "changed", "not", "built", "broken"]  # fmt: skip
    rows = {}
    for line in lines[1:3]:
        language, *counts = line.split()
        rows[language] = dict(zip(COLUMNS, map(int, counts), strict=True))
    return rows


def test_recorded_drafts_and_spoken_prompts_are_counted(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav")
    write_tone(flow_dir / "prompts/en/goodbye.wav")
    write_tone(flow_dir / "prompts/es/welcome.draft.wav")
    assert run_prompts(flow_dir, "build").exit_code == 0
    result = run_prompts(flow_dir, "check", "--verbose")
    assert result.exit_code == 0, result.output
    prompts = {  # what a call may say (a prompt's form for text messages is never said)
        lang: [pid for pid in table if not pid.endswith(SMS_FORM)]
        for lang, table in load_flow(flow_dir).prompts.items()
    }
    table = _table(result.output)
    assert table["en"] == dict.fromkeys(COLUMNS, 0) | {"recorded": 2, "tts only": len(prompts["en"]) - 2}
    assert table["es"] == dict.fromkeys(COLUMNS, 0) | {"drafts": 1, "tts only": len(prompts["es"]) - 1}
    assert "es drafts: welcome" in result.output and "en recorded: goodbye" in result.output
    assert "en tts only: balance_due" in result.output  # a prompt with values is always spoken


def test_a_text_edited_after_recording_is_reported(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav")
    run_prompts(flow_dir, "build")
    catalogue = flow_dir / "prompts/en.yaml"
    text = catalogue.read_text()
    assert "welcome: Welcome to Customer Connect" in text
    catalogue.write_text(
        text.replace("welcome: Welcome to Customer Connect", "welcome: Welcome to Family Connect")
    )
    result = run_prompts(flow_dir, "check")
    assert result.exit_code == 0
    assert _table(result.output)["en"]["text changed"] == 1
    assert "en text changed: welcome" in result.output
    run_prompts(flow_dir, "build")  # the recording did not change: it is still the one for the old text
    assert "en text changed: welcome" in run_prompts(flow_dir, "check").output


def test_new_gone_and_unknown_recordings(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav")
    run_prompts(flow_dir, "build")
    (flow_dir / "prompts/en/welcome.wav").unlink()
    write_tone(flow_dir / "prompts/en/goodbye.wav")
    write_tone(flow_dir / "prompts/es/no_such_prompt.wav")
    result = run_prompts(flow_dir, "check")
    assert result.exit_code == 0, result.output
    assert "en not built: goodbye" in result.output
    assert "en not built: welcome (its recording is gone; it is still played)" in result.output
    assert "es missing text: no_such_prompt (recorded)" in result.output
    assert _table(result.output)["es"]["missing text"] == 1


def test_a_corrupt_or_silent_recording_fails_the_check(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav")
    (flow_dir / "prompts/en/goodbye.wav").write_bytes(b"this is not audio")
    write_silence(flow_dir / "prompts/es/welcome.wav")
    before = run_prompts(flow_dir, "check")  # not built yet: the check reads them itself
    assert before.exit_code == 1
    assert "en broken: goodbye: en/goodbye.wav is not a readable WAV file" in before.output
    assert "es broken: welcome: es/welcome.wav is silent" in before.output
    run_prompts(flow_dir, "build")
    after = run_prompts(flow_dir, "check")
    assert after.exit_code == 1
    table = _table(after.output)
    assert table["en"]["broken"] == table["es"]["broken"] == 1 and table["en"]["recorded"] == 1
    assert "en broken: goodbye: en/goodbye.wav: not a readable WAV file" in after.output
    assert "es broken: welcome: es/welcome.wav: silent" in after.output


def test_a_missing_or_damaged_built_file_fails_the_check(flow_dir: Path) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav")
    write_tone(flow_dir / "prompts/en/goodbye.wav")
    run_prompts(flow_dir, "build")
    manifest = Manifest.load(build_dir(flow_dir))
    welcome, goodbye = manifest.get("en", "welcome"), manifest.get("en", "goodbye")
    assert welcome is not None and welcome.file and goodbye is not None and goodbye.file
    (build_dir(flow_dir) / welcome.file).unlink()
    (build_dir(flow_dir) / goodbye.file).write_bytes(b"RIFF")
    result = run_prompts(flow_dir, "check")
    assert result.exit_code == 1
    assert f"en broken: welcome: en/welcome.wav: the built file {welcome.file} is missing" in result.output
    assert f"en broken: goodbye: en/goodbye.wav: the built file {goodbye.file} is damaged" in result.output
    assert run_prompts(flow_dir, "build").exit_code == 0
    assert run_prompts(flow_dir, "check").exit_code == 0
