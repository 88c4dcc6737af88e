"""`ivr validate`'s warnings: what a flow may do but an operator should know before a caller meets it."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from ivr.channels.spoken import libraries
from ivr.cli.main import main
from ivr.flow.advice import advise
from ivr.flow.loader import locate
from ivr.service.flow import load_service_flow
from tests.conftest import edit

ROOT = Path(__file__).resolve().parents[2]


def warnings(flow_dir: Path) -> list[str]:
    flow = load_service_flow(flow_dir)
    return [str(warning) for warning in locate(advise(flow, libraries()), flow)]


def at(flow_dir: Path, file: str, line_text: str, token: str, after: str = "") -> str:
    """``file:line:column`` of ``token`` on the first line holding ``line_text`` (after a line holding
    ``after``), counted in the file as it is now."""
    lines = (flow_dir / file).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    number = next(i for i in range(start, len(lines)) if line_text in lines[i])
    return f"{file}:{number + 1}:{lines[number].index(token) + 1}"


def test_the_shipped_flow_gives_no_warnings() -> None:
    assert warnings(ROOT) == []


# -- 1. one key ends the call ----------------------------------------------------------------------

END_ON_8 = (
    "menu 'general_information_end' ends the call on key 8 (option 3 leads to 'goodbye'), but 9 is the key "
    "that ends the call (defaults.end_call_key): callers who learned that 9 ends the call will not find it "
    "here (at nodes.general_information_end.options.2.key)"
)


def test_a_menu_that_ends_the_call_on_another_key(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "information.yaml", '- key: "9"', '- key: "8"')
    place = at(flow_dir, "menus/information.yaml", '- key: "8"', "key")
    assert warnings(flow_dir) == [f"{place}: {END_ON_8}"]


def test_a_message_that_then_hangs_up_ends_the_call_too(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "goodbye.yaml",
        "  goodbye_no_response:",
        "  signed_off:\n    kind: message\n    say: [goodbye]\n    next: goodbye\n\n  goodbye_no_response:",
    )
    edit(
        flow_dir / "menus" / "main_menu.yaml",
        '      - key: "9"',
        '      - key: "8"\n        next: signed_off\n      - key: "9"',
    )
    place = at(flow_dir, "menus/main_menu.yaml", '- key: "8"', "key")
    assert warnings(flow_dir) == [
        f"{place}: menu 'main_menu' ends the call on key 8 (option 6 leads to 'signed_off'), but 9 is the key "
        "that ends the call (defaults.end_call_key): callers who learned that 9 ends the call will not find "
        "it here (at nodes.main_menu.options.5.key)"
    ]


def test_the_end_call_key_used_for_something_else(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", "        next: goodbye", "        next: payments")
    place = at(flow_dir, "menus/main_menu.yaml", '- key: "9"', "key")
    assert warnings(flow_dir) == [
        f"{place}: menu 'main_menu' uses key 9 for something else (option 6 leads to 'payments'), but 9 is "
        "the key that ends the call everywhere (defaults.end_call_key): a caller who presses it to hang up "
        "goes on instead (at nodes.main_menu.options.5.key)"
    ]


def test_options_without_a_key_and_menus_where_every_answer_ends_the_call_are_left_alone(
    flow_dir: Path,
) -> None:
    # words only: nothing to press
    edit(flow_dir / "menus" / "information.yaml", '- key: "9"\n        words:', "- words:")
    # a closing survey: every key ends the call, none on 9
    edit(
        flow_dir / "menus" / "goodbye.yaml",
        "  goodbye_no_response:",
        "  survey:\n    kind: menu\n    prompt: goodbye\n    options:\n"
        '      - key: "1"\n        next: goodbye\n      - key: "2"\n        next: goodbye_no_response\n\n'
        "  goodbye_no_response:",
    )
    edit(
        flow_dir / "menus" / "main_menu.yaml",
        '      - key: "9"',
        '      - key: "8"\n        next: survey\n      - key: "9"',
    )
    assert warnings(flow_dir) == []


def test_a_flow_without_an_end_call_key_is_not_held_to_one(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", '  end_call_key: "9"\n', "")
    edit(flow_dir / "menus" / "information.yaml", '- key: "9"', '- key: "8"')
    assert warnings(flow_dir) == []


# -- 2. what a language lacks ----------------------------------------------------------------------


def test_value_words_a_language_lacks_point_at_the_default_languages_words(flow_dir: Path) -> None:
    edit(flow_dir / "prompts" / "es.yaml", 'value_money: "{units} con {cents}"\n', "")
    edit(flow_dir / "prompts" / "es.yaml", "value_USD_other: dólares\n", "")
    money = at(flow_dir, "prompts/en.yaml", "value_money:", "value_money")
    dollars = at(flow_dir, "prompts/en.yaml", "value_USD_other:", "value_USD_other")
    assert warnings(flow_dir) == [
        f"{dollars}: 'value_USD_other' has no Español text in prompts/es.yaml: Español callers hear amounts "
        "in USD as figures the voice reads itself; add it there (at value_USD_other)",
        f"{money}: 'value_money' has no Español text in prompts/es.yaml: Español callers hear the units and "
        "cents of an amount without a word between them; add it there (at value_money)",
    ]


def test_a_voice_recogniser_and_locale_for_another_language(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "voice: Polly.Lupe", "voice: Polly.Joanna")
    edit(flow_dir / "menu_tree.yaml", "recognizer: es-US", "recognizer: en-US")
    edit(flow_dir / "menu_tree.yaml", "locale: es_US", "locale: en_US")
    spanish = "    name: Español"
    assert warnings(flow_dir) == [
        f"{at(flow_dir, 'menu_tree.yaml', 'locale:', 'locale', spanish)}: the locale of Español (es), 'en_US', "
        "is for another language: its numbers, dates and plural forms would be those of 'en' "
        "(at languages.es.locale)",
        f"{at(flow_dir, 'menu_tree.yaml', 'recognizer:', 'recognizer', spanish)}: Español (es) is recognised "
        "as 'en-US', a tag for another language: what callers say in Español would not be understood; use a "
        "tag that starts with es- (at languages.es.recognizer)",
        f"{at(flow_dir, 'menu_tree.yaml', 'voice:', 'voice', spanish)}: Español (es) is said by the voice "
        "'Polly.Joanna', which speaks en: Español prompts would be read with its pronunciation "
        "(at languages.es.voice)",
    ]


def with_armenian(flow_dir: Path) -> None:
    """A third language, Armenian, whose prompts are (for now) the English ones: num2words has no Armenian
    words, and no Polly voice speaks it (the English voice stands in)."""
    edit(
        flow_dir / "menu_tree.yaml",
        "\ndefaults:",
        "  hy:\n    name: Հայերեն\n    voice: Polly.Joanna\n    recognizer: hy-AM\n    locale: hy_AM\n"
        "\ndefaults:",
    )
    shutil.copy(flow_dir / "prompts" / "en.yaml", flow_dir / "prompts" / "hy.yaml")
    shutil.copy(flow_dir / "prompts" / "tty" / "en.yaml", flow_dir / "prompts" / "tty" / "hy.yaml")


NUMBERS_AS_FIGURES = (
    "num2words has no number words for Հայերեն (hy, hy_AM): amounts and numbers will be said as figures the "
    "voice reads itself (at languages.hy.locale)"
)
ENGLISH_VOICE = (
    "Հայերեն (hy) is said by the voice 'Polly.Joanna', which speaks en: Հայերեն prompts would be read with "
    "its pronunciation (at languages.hy.voice)"
)
NEXT_OF_THREE = (
    "menu 'caller_type' switches to the next language on key 9: with 3 languages (English, Español, "
    "Հայերեն), key 9 steps through them in turn and a caller must listen to each; an option per language "
    "(language: xx) or the languages' names are clearer (at nodes.caller_type.options.3.language)"
)


def test_a_third_language_num2words_does_not_cover_and_language_next(flow_dir: Path) -> None:
    with_armenian(flow_dir)
    armenian = "  hy:"
    assert warnings(flow_dir) == [
        f"{at(flow_dir, 'menu_tree.yaml', 'locale:', 'locale', armenian)}: {NUMBERS_AS_FIGURES}",
        f"{at(flow_dir, 'menu_tree.yaml', 'voice:', 'voice', armenian)}: {ENGLISH_VOICE}",
        f"{at(flow_dir, 'menus/welcome.yaml', 'language: next', 'language')}: {NEXT_OF_THREE}",
    ]


def test_two_languages_may_take_turns_on_one_key(flow_dir: Path) -> None:
    flow = load_service_flow(flow_dir)
    assert [w for w in advise(flow) if "next language" in w.message] == []
    assert len(flow.languages) == 2


# -- ivr validate ----------------------------------------------------------------------------------


def test_validate_prints_warnings_with_their_place_and_still_exits_0(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "information.yaml", '- key: "9"', '- key: "8"')
    with_armenian(flow_dir)
    result = CliRunner().invoke(main, ["validate", str(flow_dir)], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    on_8 = at(flow_dir, "menus/information.yaml", '- key: "8"', "key")
    assert [line for line in lines if line.startswith("warning: ")] == [
        f"warning: {on_8}: {END_ON_8}",
        f"warning: {at(flow_dir, 'menu_tree.yaml', 'locale:', 'locale', '  hy:')}: {NUMBERS_AS_FIGURES}",
        f"warning: {at(flow_dir, 'menu_tree.yaml', 'voice:', 'voice', '  hy:')}: {ENGLISH_VOICE}",
        f"warning: {at(flow_dir, 'menus/welcome.yaml', 'language: next', 'language')}: {NEXT_OF_THREE}",
    ]
    assert lines[-1].startswith("The flow is valid:") and ", 3 languages," in lines[-1]
