"""Loading operators' YAML: the shipped flow, the safe reader, and errors that name file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.flow import FlowError, load_flow
from ivr.flow.model import TEXT_FORM, InputNode, MenuNode
from ivr.flow.yaml_source import read_yaml
from ivr.runtime.handlers import HANDLER_RULES
from tests.conftest import edit

ROOT = Path(__file__).resolve().parents[2]


def problems(flow_dir: Path) -> list[str]:
    with pytest.raises(FlowError) as caught:
        load_flow(flow_dir, HANDLER_RULES)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_flow_loads_with_every_node_and_both_languages() -> None:
    flow = load_flow(ROOT, HANDLER_RULES)
    assert set(flow.languages) == {"en", "es"}
    assert flow.start == "welcome"
    assert isinstance(flow.nodes["caller_type"], MenuNode)
    ask_pin = flow.nodes["ask_pin"]
    assert isinstance(ask_pin, InputNode) and ask_pin.secret
    # every prompt in both languages; a form for text callers (<id>_text) only where a language needs one
    spoken = {lang: {p for p in table if not p.endswith(TEXT_FORM)} for lang, table in flow.prompts.items()}
    assert spoken["en"] == spoken["es"]
    assert len(flow.version) == 12


def test_the_version_changes_when_a_prompt_changes(flow_dir: Path) -> None:
    before = load_flow(flow_dir).version
    edit(flow_dir / "prompts" / "en.yaml", "Goodbye.", "Bye now.")
    assert load_flow(flow_dir).version != before


def test_the_reader_keeps_yes_no_on_and_digits_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: no\nb: yes\nc: on\nd: 1\ne: 09\nf: ~\ng: [No, Off]\n")
    data, _ = read_yaml(path)
    assert data == {"a": "no", "b": "yes", "c": "on", "d": "1", "e": "09", "f": "~", "g": ["No", "Off"]}


def test_an_unquoted_key_and_no_word_work_in_a_menu(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "welcome.yaml", 'key: "2"', "key: 2")
    edit(
        flow_dir / "menus" / "welcome.yaml",
        'en: ["no", "general information"]',
        "en: [no, general information]",
    )
    flow = load_flow(flow_dir)
    node = flow.nodes["caller_type"]
    assert isinstance(node, MenuNode)
    assert node.options[1].key == "2" and node.options[1].words["en"][0] == "no"


def test_a_duplicate_key_is_an_error_with_its_line(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml",
        "  goodbye_no_response:",
        "  goodbye:\n    kind: hangup\n  goodbye_no_response:",
    )
    [message] = problems(flow_dir)
    assert message.startswith("menus/goodbye.yaml:8:3: the key 'goodbye' appears twice")


def test_a_syntax_error_names_its_line(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "    kind: menu", "    kind: [menu")
    [message] = problems(flow_dir)
    assert message.startswith("menus/main_menu.yaml:")


def test_a_missing_target_suggests_the_closest_node(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "next: payments", "next: paymets")
    found = problems(flow_dir)
    assert any(
        message.startswith("menus/main_menu.yaml:14:9:")
        and "node 'main_menu' sends callers to 'paymets', which does not exist; did you mean 'payments'?"
        in message
        for message in found
    ), found


def test_an_unknown_field_is_named(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "sign_in.yaml",
        "    secret: true\n    no_match: [id_not_valid]",
        "    secrett: true\n    no_match: [id_not_valid]",
    )
    found = problems(flow_dir)
    assert any("menus/sign_in.yaml:27:5: 'secrett' is not a field" in message for message in found), found


def test_a_prompt_missing_in_one_language_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "es.yaml", "signed_in:", "signed_inn:")
    found = problems(flow_dir)
    assert any("prompt 'signed_in' has no Español text in prompts/es.yaml" in message for message in found), (
        found
    )


def test_an_unregistered_handler_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "payments.yaml", "handler: read_payments\n", "handler: read_paymnts\n")
    found = problems(flow_dir)
    assert any(
        "handler 'read_paymnts', which the service does not have; did you mean 'read_payments'?" in m
        for m in found
    ), found


def test_two_options_with_the_same_key_or_word_are_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "welcome.yaml", 'key: "7"', 'key: "2"')
    edit(flow_dir / "menus" / "welcome.yaml", "es: [ninguno, ninguna, otras opciones]", "es: [ninguno, No.]")
    found = problems(flow_dir)
    assert any("menu 'caller_type' uses key 2 twice" in m for m in found), found
    assert any("accepts the word 'No.' for two options" in m for m in found), found


def test_an_unreachable_node_is_reported(flow_dir: Path) -> None:
    (flow_dir / "menus" / "goodbye.yaml").write_text(
        (flow_dir / "menus" / "goodbye.yaml").read_text()
        + "\n  orphan:\n    kind: hangup\n    say: [goodbye]\n"
    )
    assert any("node 'orphan' cannot be reached" in m for m in problems(flow_dir))


def test_an_include_cycle_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "goodbye.yaml", "nodes:", "include: [menus/goodbye.yaml]\nnodes:")
    assert any(
        "include cycle: menu_tree.yaml -> menus/goodbye.yaml -> menus/goodbye.yaml" in m
        for m in problems(flow_dir)
    )


def test_a_node_defined_twice_across_files_is_reported(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml",
        "  goodbye_no_response:",
        "  main_menu:\n    kind: hangup\n  goodbye_no_response:",
    )
    assert any("node 'main_menu' is already defined in menus/main_menu.yaml" in m for m in problems(flow_dir))


def test_a_missing_kind_is_explained(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml", "    kind: hangup\n    say: [goodbye]\n", "    say: [goodbye]\n"
    )
    assert any("every node needs a 'kind'" in m for m in problems(flow_dir))


def test_the_published_json_schema_matches_the_models() -> None:
    from ivr.flow.schema import menu_schema_text

    published = (ROOT / "docs" / "menu-schema.json").read_text(encoding="utf-8")
    assert published == menu_schema_text(), "run: ivr schema -o docs/menu-schema.json"
