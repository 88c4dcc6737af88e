"""Per-channel prompt variants (prompts/<channel>/<language>.yaml) and the flow's `tty:` settings: how they
load, what `ivr validate` says of a wrong one, and that voice and SMS keep the catalogue's prompts."""

from __future__ import annotations

from pathlib import Path

from ivr.channels.prompts import prompt_text
from ivr.channels.text import written
from ivr.core.values import Money
from ivr.flow import Flow, load_flow
from ivr.flow.model import TtySettings
from ivr.runtime.handlers import HANDLER_RULES
from tests.conftest import edit, flow_problems


def test_the_shipped_tty_variants_load_and_are_said_only_on_the_tty_channel(flow: Flow) -> None:
    assert set(flow.channel_prompts) == {"tty"}
    assert set(flow.channel_prompts["tty"]["en"]) == set(flow.channel_prompts["tty"]["es"])
    assert flow.prompt("caller_type", "en", "tty") == "Parent? 1 yes 2 no"
    assert flow.prompt("caller_type", "en") == flow.prompts["en"]["caller_type"]
    assert flow.prompt("balance_due", "en", "tty") == flow.prompts["en"]["balance_due"]  # no variant
    assert prompt_text(flow, "caller_type", "es", {}, written, "tty") == "Padre o tutor? 1 si 2 no"
    assert prompt_text(flow, "caller_type", "es", {}, written).startswith("Si usted es padre o tutor legal")


def test_a_variant_with_values_fills_them_in(flow_dir: Path) -> None:
    (flow_dir / "prompts" / "tty" / "en.yaml").write_text(
        (flow_dir / "prompts" / "tty" / "en.yaml").read_text() + "balance_due: DUE {balance}\n"
    )
    (flow_dir / "prompts" / "tty" / "es.yaml").write_text(
        (flow_dir / "prompts" / "tty" / "es.yaml").read_text() + "balance_due: SALDO {balance}\n"
    )
    flow = load_flow(flow_dir, HANDLER_RULES)
    assert (
        prompt_text(flow, "balance_due", "en", {"balance": Money(123456)}, written, "tty") == "DUE $1,234.56"
    )


def test_a_variant_of_a_prompt_that_does_not_exist_is_reported_with_its_line(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "tty" / "en.yaml", "welcome: Child support", "welcom: Child support")
    found = flow_problems(flow_dir)
    assert any(
        "prompts/tty/en.yaml:7:1: 'welcom' is a TTY variant of a prompt that prompts/en.yaml does not have; "
        "did you mean 'welcome'?" in m
        for m in found
    ), found


def test_a_variant_must_fill_in_the_same_values(flow_dir: Path) -> None:
    path = flow_dir / "prompts" / "tty" / "en.yaml"
    path.write_text(path.read_text() + "balance_due: YOU OWE MONEY\n")
    (flow_dir / "prompts" / "tty" / "es.yaml").write_text(
        (flow_dir / "prompts" / "tty" / "es.yaml").read_text() + "balance_due: SALDO {balance}\n"
    )
    found = flow_problems(flow_dir)
    assert any(
        "the TTY variant of 'balance_due' must fill in the same values as prompts/en.yaml: balance" in m
        for m in found
    ), found


def test_a_variant_in_one_language_needs_one_in_every_language(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "tty" / "es.yaml", "caller_type: Padre o tutor? 1 si 2 no\n", "")
    found = flow_problems(flow_dir)
    assert any(
        "prompt 'caller_type' has a TTY variant in another language but none in prompts/tty/es.yaml" in m
        for m in found
    ), found


def test_without_a_tty_folder_every_channel_says_the_catalogue(flow_dir: Path) -> None:
    for path in (flow_dir / "prompts" / "tty").iterdir():
        path.unlink()
    flow = load_flow(flow_dir, HANDLER_RULES)
    assert flow.channel_prompts == {}
    assert flow.prompt("caller_type", "en", "tty") == flow.prompts["en"]["caller_type"]


def test_the_version_changes_when_a_tty_variant_changes(flow_dir: Path) -> None:
    before = load_flow(flow_dir).version
    edit(flow_dir / "prompts" / "tty" / "en.yaml", "welcome: Child support", "welcome: Child support line")
    assert load_flow(flow_dir).version != before


def test_tty_settings_have_defaults_and_limits(flow: Flow, flow_dir: Path) -> None:
    assert flow.tty == TtySettings(pause_seconds=5.0, no_input_seconds=30.0, page_lines=4)
    edit(
        flow_dir / "menu_tree.yaml",
        "include:\n",
        "tty:\n  pause_seconds: 1\n  page_lines: many\n\ninclude:\n",
    )
    found = flow_problems(flow_dir)
    assert any("menu_tree.yaml" in m and "tty.pause_seconds" in m for m in found), found
    assert any("tty.page_lines" in m for m in found), found
