"""`ivr validate`, `ivr graph` and `ivr test` as an operator runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import main
from tests.conftest import edit, line_of

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def run_script(path: Path, script: str) -> tuple[int, str]:
    """`ivr test` of one call script written to ``path``, without the coverage report."""
    path.write_text(script)
    return run("test", str(path), "--no-coverage")


def test_validate_accepts_the_shipped_flow() -> None:
    code, output = run("validate", str(ROOT))
    assert code == 0 and output.startswith("The flow is valid:")


def test_validate_names_the_line_of_a_broken_edit(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "next: payments", "next: paymets")
    code, output = run("validate", str(flow_dir))
    assert code == 1
    line = line_of(flow_dir / "menus" / "main_menu.yaml", "next: paymets")
    assert f"menus/main_menu.yaml:{line}:9: node 'main_menu' sends callers to 'paymets'" in output
    assert "the flow would not be used" in output


def test_graph_as_mermaid_and_dot(tmp_path: Path) -> None:
    code, output = run("graph", str(ROOT))
    assert code == 0 and output.startswith("flowchart LR\n")
    assert "  main_menu -->|1 / payments| payments" in output
    code, _ = run("graph", str(ROOT), "-o", str(tmp_path / "flow.dot"))
    dot = (tmp_path / "flow.dot").read_text()
    assert code == 0 and dot.startswith("digraph flow {") and "caller_type -> sign_in_here" in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_as_svg(tmp_path: Path) -> None:
    code, _ = run("graph", str(ROOT), "-o", str(tmp_path / "flow.svg"))
    svg = (tmp_path / "flow.svg").read_text()
    assert code == 0 and "<svg" in svg and "main_menu" in svg


def test_the_shipped_scripts_pass_and_cover_every_node_and_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = run("test")
    assert "Not covered" not in output, output
    assert code == 0, output
    assert output.rstrip().endswith(
        f"{len(list((ROOT / 'tests' / 'calls').glob('*.yaml')))} passed, 0 failed"
    )


def test_a_failing_step_shows_what_was_heard_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = run_script(
        tmp_path / "wrong.yaml",
        "name: expects the wrong thing\nsteps:\n  - hear: [welcome]\n  - press: '2'\n    hear_text: Adiós\n",
    )
    assert code == 1
    assert "step 1: expected to hear ['welcome'], heard ['welcome', 'offer_spanish', 'caller_type']" in output
    assert "step 2: expected to hear 'Adiós'; heard: 'Customer Connect is available by phone" in output
    assert output.rstrip().endswith("0 passed, 1 failed")


def test_one_script_leaves_paths_uncovered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = run("test", "tests/calls/temporary_pin.yaml")
    assert code == 1
    assert "Not covered by any script" in output and "node 'payments'" in output


def test_sms_keywords_lists_what_twilio_answers_and_the_replies_to_give_it() -> None:
    code, output = run("sms-keywords", str(ROOT))
    assert code == 0
    assert (
        "opt-out keywords: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, ALTO, PARAR"
        in output
    )
    assert "opt-in keywords: START, YES, UNSTOP, INICIO" in output
    assert "  Español reply (sms_stopped): Ya no recibirá mensajes de Cliente Conectado." in output
    assert "longer than" not in output  # every reply fits a phone


def test_a_transfer_step_of_a_call_script_needs_a_transfer_in_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "calls" / "transfer.yaml"
    script.parent.mkdir()
    script.write_text(
        "name: busy before any transfer\nsteps:\n  - hear: [welcome, offer_spanish, caller_type]\n"
        "  - transfer: busy\n  - press: '0'\n    ends: transfer\n  - press: '1'\n"
    )
    monkeypatch.chdir(ROOT)
    code, output = run("test", str(script))
    assert code == 1
    assert "no transfer is in progress" in output
    assert "the call is being transferred: say how the transfer ends" in output


def test_an_answer_later_than_the_call_waits_is_heard_as_silences_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`after:` is a caller's pace: the waits that run out before the answer are silences, as Twilio's
    Gather posts them; an answer after the last one never arrives."""
    monkeypatch.chdir(ROOT)
    code, output = run_script(
        tmp_path / "slow.yaml",
        "name: slow\nat: 2026-11-22T20:00:00-08:00\nsteps:\n  - hear: [welcome, offer_spanish, caller_type]\n"
        "  - press: '2'\n    after: 9\n"
        "    hear: [no_input_first, offer_spanish, caller_type_short, general_information, general_information_end]\n"
        "  - press: '9'\n    after: 90\n    ends: hangup\n"
        "    hear: [no_input_first, general_information_end, no_input_again, general_information_end, goodbye_no_response]\n",
    )
    assert code == 0, output


def test_a_script_time_without_an_offset_is_the_agencys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`at: 2026-11-24T10:00` is ten in the morning where the agency is: the office is open, and the
    sign-in's audit row is kept at that moment (every stored time needs a zone)."""
    monkeypatch.chdir(ROOT)
    code, output = run_script(
        tmp_path / "naive.yaml",
        "name: naive time\nat: 2026-11-24T10:00\nsteps:\n  - hear: [welcome, offer_spanish, caller_type]\n"
        "  - press: '1'\n  - press: '1000000003#'\n  - press: '9999#'\n    hear: [temporary_pin_notice, change_pin_new]\n"
        "  - press: '4826#'\n  - press: '4826#'\n    hear: [pin_changed, main_menu]\n"
        "  - press: '0'\n    hear: [transfer_to_representative]\n    ends: transfer\n",
    )
    assert code == 0, output
