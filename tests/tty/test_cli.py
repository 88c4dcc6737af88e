"""`ivr tty encode` and `ivr tty decode`."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

from click.testing import CliRunner

from ivr.cli.tty import tty
from ivr.media.wav import read_wav, write_wav


def test_registered_on_the_main_command() -> None:
    import click

    from ivr.cli.main import main

    with click.Context(main) as context:
        assert main.get_command(context, "tty") is tty


def test_encode_then_decode(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    runner = CliRunner()
    encoded = runner.invoke(tty, ["encode", "Hello, caller #7\nPress 1.", "-o", str(out)])
    assert encoded.exit_code == 0, encoded.output
    assert "sending: 'HELLO, CALLER NO.7\\r\\nPRESS 1.'" in encoded.stderr
    with wave.open(str(out)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
    decoded = runner.invoke(tty, ["decode", str(out)])
    assert decoded.exit_code == 0, decoded.output
    assert decoded.stdout == "HELLO, CALLER NO.7\nPRESS 1.\n"


def test_mulaw_and_stop_bits(tmp_path: Path) -> None:
    out = tmp_path / "mulaw.wav"
    runner = CliRunner()
    result = runner.invoke(tty, ["encode", "NO 9", "-o", str(out), "--mulaw", "--stop-bits", "1.5"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[20] == 7  # mu-law format tag
    samples, _ = read_wav(out)
    assert len(samples) == round((0.150 + 6 * 7.5 / 45.45 + 0.050) * 8000)  # LTRS N O SP FIGS 9
    assert runner.invoke(tty, ["decode", str(out)]).stdout == "NO 9\n"


def test_decode_unshift_on_space(tmp_path: Path) -> None:
    from ivr.media.tty.baudot import modulate

    path = tmp_path / "usos.wav"
    write_wav(path, modulate([0x1B, 0x17, 0x04, 0x18, 0x0A]))  # FIGS 1 SPACE O R
    runner = CliRunner()
    assert runner.invoke(tty, ["decode", str(path)]).stdout == "1 94\n"
    assert runner.invoke(tty, ["decode", "--unshift-on-space", str(path)]).stdout == "1 OR\n"


def test_decode_chooses_the_reading_that_is_text(tmp_path: Path) -> None:
    from ivr.media.tty.baudot import modulate

    path = tmp_path / "ga.wav"
    write_wav(path, modulate([0x1B, 0x17, 0x04, 0x1A, 0x03]))  # FIGS 1 SPACE G A: "1 GA" or "1 +-"
    assert CliRunner().invoke(tty, ["decode", str(path)]).stdout == "1 GA\n"


def test_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    nothing = runner.invoke(tty, ["encode", "\U0001f600\u65e5", "-o", str(tmp_path / "x.wav")])
    assert nothing.exit_code == 2
    assert "nothing in TEXT" in nothing.output
    bad = tmp_path / "bad.wav"
    bad.write_text("hello")
    refused = runner.invoke(tty, ["decode", str(bad)])
    assert refused.exit_code == 1
    assert "not a RIFF WAVE file" in refused.output


def test_the_command_loads_numpy_only_when_it_runs() -> None:
    probe = "import sys, ivr.media.tty, ivr.cli.tty; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
