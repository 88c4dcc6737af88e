"""Audio made in the tests (sine tones and silence written with the standard library) and a copy of the
shipped flow in a temporary folder, so builds never touch the working tree."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from array import array
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.cli.main import main
from tests.conftest import ROOT


def write_tone(
    path: Path,
    seconds: float = 1.0,
    *,
    amplitude: float = 0.3,
    frequency: float = 440.0,
    rate: int = 44100,
    channels: int = 2,
    silence: float = 0.5,
) -> Path:
    """A sine tone with ``silence`` seconds of silence before and after; amplitude above 1 clips."""
    lead = int(silence * rate)
    count = int(seconds * rate)
    samples = array("h")
    for i in range(lead + count + lead):
        value = (
            amplitude * 32767 * math.sin(2 * math.pi * frequency * i / rate)
            if lead <= i < lead + count
            else 0
        )
        sample = max(-32768, min(32767, round(value)))
        samples.extend([sample] * channels)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return path


def write_silence(path: Path, seconds: float = 2.0, rate: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\0\0" * int(seconds * rate))
    return path


def wav_format(content: bytes) -> tuple[int, int, int, int]:
    """(format tag, channels, sample rate, bits per sample), read straight from the RIFF chunks."""
    assert content[:4] == b"RIFF" and content[8:12] == b"WAVE"
    position = 12
    while position + 8 <= len(content):
        chunk, size = content[position : position + 4], struct.unpack_from("<I", content, position + 4)[0]
        if chunk == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", content, position + 8)
            return tag, channels, rate, bits
        position += 8 + size + size % 2
    raise AssertionError("no fmt chunk")


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    """The shipped call flow (YAML only, no recordings), copied."""
    folder = tmp_path / "flow"
    folder.mkdir()
    shutil.copy(ROOT / "menu_tree.yaml", folder)
    shutil.copytree(ROOT / "menus", folder / "menus")
    (folder / "prompts").mkdir()
    for catalogue in (ROOT / "prompts").glob("*.yaml"):
        shutil.copy(catalogue, folder / "prompts")
    return folder


def run_prompts(flow_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["prompts", "--flow", str(flow_dir), *args], catch_exceptions=False)


@pytest.fixture
def seeded_database(tmp_path: Path) -> str:
    """The audio tests sign nobody in: the app gets an empty SQLite database (create_app makes its tables),
    and they run once, not once per database."""
    return f"sqlite:///{tmp_path / 'accounts.sqlite3'}"
