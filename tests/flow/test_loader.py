"""Loading operators' YAML: the shipped flow, the safe reader, and errors that name file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.flow import FlowError, load_flow
from ivr.flow.model import SMS_FORM, InputNode, MenuNode
from ivr.flow.yaml_source import read_yaml
from ivr.runtime.handlers import HANDLER_RULES
from ivr.service.flow import load_service_flow
from tests.conftest import edit, flow_problems, line_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_flow_loads_with_every_node_and_both_languages() -> None:
    flow = load_flow(ROOT, HANDLER_RULES)
    assert set(flow.languages) == {"en", "es"}
    assert flow.start == "welcome"
    assert isinstance(flow.nodes["caller_type"], MenuNode)
    ask_pin = flow.nodes["ask_pin"]
    assert isinstance(ask_pin, InputNode) and ask_pin.secret
    # every prompt in both languages; a form for text messages (<id>_sms) only where a language needs one
    spoken = {lang: {p for p in table if not p.endswith(SMS_FORM)} for lang, table in flow.prompts.items()}
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
    [message] = flow_problems(flow_dir)
    assert message.startswith("menus/goodbye.yaml:8:3: the key 'goodbye' appears twice")


def test_a_syntax_error_names_its_line(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "    kind: menu", "    kind: [menu")
    [message] = flow_problems(flow_dir)
    assert message.startswith("menus/main_menu.yaml:")


def test_a_missing_target_suggests_the_closest_node(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "next: payments", "next: paymets")
    line = line_of(flow_dir / "menus" / "main_menu.yaml", "next: paymets")
    found = flow_problems(flow_dir)
    assert any(
        message.startswith(f"menus/main_menu.yaml:{line}:9:")
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
    found = flow_problems(flow_dir)
    assert any("menus/sign_in.yaml:27:5: 'secrett' is not a field" in message for message in found), found


def test_a_prompt_missing_in_one_language_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "es.yaml", "signed_in:", "signed_inn:")
    found = flow_problems(flow_dir)
    assert any("prompt 'signed_in' has no Español text in prompts/es.yaml" in message for message in found), (
        found
    )


def test_an_unregistered_handler_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "payments.yaml", "handler: read_payments\n", "handler: read_paymnts\n")
    found = flow_problems(flow_dir)
    assert any(
        "handler 'read_paymnts', which the service does not have; did you mean 'read_payments'?" in m
        for m in found
    ), found


def test_two_options_with_the_same_key_or_word_are_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "welcome.yaml", 'key: "7"', 'key: "2"')
    edit(flow_dir / "menus" / "welcome.yaml", "es: [ninguno, ninguna, otras opciones]", "es: [ninguno, No.]")
    found = flow_problems(flow_dir)
    assert any("menu 'caller_type' uses key 2 twice" in m for m in found), found
    assert any("accepts the word 'No.' for two options" in m for m in found), found


def test_an_unreachable_node_is_reported(flow_dir: Path) -> None:
    (flow_dir / "menus" / "goodbye.yaml").write_text(
        (flow_dir / "menus" / "goodbye.yaml").read_text()
        + "\n  orphan:\n    kind: hangup\n    say: [goodbye]\n"
    )
    assert any("node 'orphan' cannot be reached" in m for m in flow_problems(flow_dir))


def test_an_include_cycle_is_reported(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "goodbye.yaml", "nodes:", "include: [menus/goodbye.yaml]\nnodes:")
    assert any(
        "include cycle: menu_tree.yaml -> menus/goodbye.yaml -> menus/goodbye.yaml" in m
        for m in flow_problems(flow_dir)
    )


def test_a_node_defined_twice_across_files_is_reported(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml",
        "  goodbye_no_response:",
        "  main_menu:\n    kind: hangup\n  goodbye_no_response:",
    )
    assert any(
        "node 'main_menu' is already defined in menus/main_menu.yaml" in m for m in flow_problems(flow_dir)
    )


def test_a_missing_kind_is_explained(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml", "    kind: hangup\n    say: [goodbye]\n", "    say: [goodbye]\n"
    )
    assert any("every node needs a 'kind'" in m for m in flow_problems(flow_dir))


def test_the_published_json_schema_matches_the_models() -> None:
    from ivr.flow.schema import menu_schema_text

    published = (ROOT / "docs" / "menu-schema.json").read_text(encoding="utf-8")
    assert published == menu_schema_text(), "run: ivr schema -o docs/menu-schema.json"


# -- what operators read when an edit is wrong -------------------------------------------------------


def service_problems(flow_dir: Path) -> list[str]:
    """The problems `ivr validate` reports: with the service's handlers, its own prompts and Twilio's SMS
    keywords."""
    with pytest.raises(FlowError) as caught:
        load_service_flow(flow_dir)
    return [str(p) for p in caught.value.problems]


def test_a_misspelt_placeholder_is_refused_with_what_the_node_has(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "es.yaml", "pendiente es de {balance}.", "pendiente es de {balanse}.")
    found = service_problems(flow_dir)
    assert any(
        m.startswith("menus/payments.yaml:")
        and "prompt 'balance_due' in prompts/es.yaml uses {balanse}, which node 'payments_made' is never given"
        in m
        and "did you mean {balance}?" in m
        for m in found
    ), found


def test_a_value_of_another_handler_is_refused(flow_dir: Path) -> None:
    # phone_saved follows save_phone, which tells the prompts nothing: {last_four} would be a blank
    edit(
        flow_dir / "prompts" / "en.yaml",
        "Your phone number is updated.",
        "Your number ending {last_four} is saved.",
    )
    found = service_problems(flow_dir)
    assert any("uses {last_four}, which node 'phone_saved' is never given" in m for m in found), found


def test_an_item_field_is_given_only_inside_its_for_each(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "en.yaml", '"{amount}, paid on {date}."', '"{amount}, paid on {dates}."')
    edit(
        flow_dir / "prompts" / "en.yaml",
        "Your current balance due is {balance}.",
        "Due {balance} and {amount}.",
    )
    found = service_problems(flow_dir)
    assert any(
        "uses {dates}, which an item of 'payments' at node 'payments_made'" in m and "{date}?" in m
        for m in found
    ), found
    assert any(
        "balance_due' in prompts/en.yaml uses {amount}, which node 'payments_made'" in m for m in found
    ), found


def test_a_value_in_a_question_is_refused_as_it_is_lost_on_a_repeat(flow_dir: Path) -> None:
    edit(
        flow_dir / "prompts" / "en.yaml",
        "To save it as your phone number on file, press 1 or say Yes.",
        "Save {last_four}? Press 1.",
    )
    edit(flow_dir / "prompts" / "tty" / "en.yaml", "Save it as your phone on file?", "Save {last_four}?")
    found = service_problems(flow_dir)
    assert any(
        "uses {last_four}, which question 'confirm_phone' (said again on a repeat) is never given" in m
        for m in found
    ), found


def test_a_stray_brace_is_refused_with_its_line(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "es.yaml", "pendiente es de {balance}.", "pendiente es de {balance.")
    line = line_of(flow_dir / "prompts" / "es.yaml", "balance_due:")
    found = service_problems(flow_dir)
    assert any(
        m.startswith(
            f"prompts/es.yaml:{line}:1: prompt 'balance_due' has a '{{' or '}}' that does not enclose"
        )
        for m in found
    ), found


def test_a_colon_in_prompt_text_says_to_quote_it(flow_dir: Path) -> None:
    edit(
        flow_dir / "prompts" / "es.yaml",
        "no_payments_made: No tenemos pagos suyos registrados.",
        "no_payments_made: Nota: no tenemos pagos.",
    )
    line = line_of(flow_dir / "prompts" / "es.yaml", "no_payments_made:")
    [message] = service_problems(flow_dir)
    assert message.startswith(f"prompts/es.yaml:{line}:23: mapping values are not allowed here")
    assert 'put the whole text in double quotes ("Nota: ...")' in message


def test_a_command_target_error_names_its_file_and_line(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "    target: main_menu\n", "    target: main_menus\n")
    line = line_of(flow_dir / "menu_tree.yaml", "target: main_menus")
    found = service_problems(flow_dir)
    assert any(
        m.startswith(f"menu_tree.yaml:{line}:5: the main_menu command sends callers to 'main_menus'")
        and "did you mean 'main_menu'?" in m
        for m in found
    ), found


def test_a_missing_include_names_its_file_and_line(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "  - menus/payments.yaml\n", "  - menus/paymnts.yaml\n")
    line = line_of(flow_dir / "menu_tree.yaml", "menus/paymnts.yaml")
    found = service_problems(flow_dir)
    assert any(
        m.startswith(
            f"menu_tree.yaml:{line}:5: includes 'menus/paymnts.yaml', which does not exist; did you mean "
            "'menus/payments.yaml'?"
        )
        for m in found
    ), found


def test_a_misspelt_field_gets_a_did_you_mean(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "welcome.yaml",
        "    short_prompt: caller_type_short",
        "    short_promt: caller_type_short",
    )
    edit(
        flow_dir / "menus" / "representative.yaml",
        "    ring_seconds: 30\n    closed:",
        "    ring_second: 30\n    closed:",
    )
    line = line_of(flow_dir / "menus" / "welcome.yaml", "short_promt:")
    found = service_problems(flow_dir)
    assert any(
        m.startswith(
            f"menus/welcome.yaml:{line}:5: 'short_promt' is not a field this place knows; did you mean 'short_prompt'?"
        )
        for m in found
    ), found
    assert any(
        "'ring_second' is not a field this place knows; did you mean 'ring_seconds'?" in m for m in found
    ), found


def test_a_misspelt_field_of_menu_tree_gets_a_did_you_mean(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "  max_no_input: 3", "  max_no_imput: 3")
    line = line_of(flow_dir / "menu_tree.yaml", "max_no_imput:")
    [message] = service_problems(flow_dir)
    assert message.startswith(
        f"menu_tree.yaml:{line}:3: 'max_no_imput' is not a field this place knows; did you mean 'max_no_input'?"
    )


def test_a_word_twilio_answers_itself_on_sms_is_no_menu_answer(flow_dir: Path) -> None:
    welcome, information = flow_dir / "menus" / "welcome.yaml", flow_dir / "menus" / "information.yaml"
    edit(welcome, '          en: ["yeah", "yes I am"]', '          en: ["yeah", "yes I am", "help"]')
    edit(information, "          en: [goodbye, bye]", "          en: [goodbye, bye, Stop]")
    edit(flow_dir / "menus" / "contact.yaml", "          en: [save it]", '          en: [save it, "yes"]')
    line = line_of(information, "[goodbye, bye, Stop]")
    found = service_problems(flow_dir)
    assert any(
        m.startswith(
            f"menus/information.yaml:{line}:11: menu 'general_information_end' takes 'Stop' as an answer, "
            "but on SMS Twilio answers STOP itself (an opt-out keyword: it also stops every message"
        )
        for m in found
    ), found
    assert any("'caller_type' takes 'help' as an answer, but on SMS Twilio answers HELP" in m for m in found)
    assert len(found) == 2  # 'yes' at confirm_phone is under spoken: for callers who say it
    assert load_flow(flow_dir, HANDLER_RULES)  # without the SMS keywords (ivr.flow alone), the words pass


def test_a_transfer_must_say_where_callers_go_when_nobody_takes_the_call(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "representative.yaml",
        "      busy: representatives_busy\n      no_answer: representatives_no_answer\n",
        "",
    )
    found = service_problems(flow_dir)
    assert any(
        m.startswith("menus/representative.yaml:")
        and "transfer 'representative' does not say where callers go when the line is busy or not answered"
        in m
        and "add outcomes.busy, outcomes.no_answer" in m
        for m in found
    ), found


def test_an_option_may_run_a_command_the_flow_has(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "representative.yaml",
        "command: main_menu",
        "command: back\n        next: goodbye",
    )
    found = service_problems(flow_dir)
    assert any("an option needs either 'next' (a node) or 'command'" in m for m in found), found
