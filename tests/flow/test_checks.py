"""The checks an operator's edit must pass before any caller hears it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.flow.hours import Hours
from tests.conftest import edit, flow_problems, line_of


def test_a_loop_that_never_waits_for_the_caller(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "sign_in.yaml",
        "    say: [signed_in]\n    next: main_menu",
        "    say: [signed_in]\n    next: signed_in",
    )
    found = flow_problems(flow_dir)
    assert any("the flow loops without waiting for the caller: signed_in -> signed_in" in m for m in found), (
        found
    )


def test_a_question_with_no_way_out(flow_dir: Path) -> None:
    path = flow_dir / "menus" / "information.yaml"
    text = path.read_text()
    end = text.index("  other_options:")
    # every answer at general_information_end leads back to general information, and no command is on
    trapped = (
        text[:end]
        .replace("next: caller_type", "next: general_information")
        .replace("next: goodbye", "next: general_information")
    )
    trapped = trapped.replace(
        "    prompt: general_information_end\n",
        "    prompt: general_information_end\n    without_commands: all\n",
    )
    path.write_text(trapped + text[end:])
    found = flow_problems(flow_dir)
    assert any("node 'general_information_end' has no way out" in m for m in found), found


def test_a_transfer_number_must_be_e164(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "representative.yaml", 'to: "+18005550100"', 'to: "800-555-0100"')
    found = flow_problems(flow_dir)
    assert any(
        "number '800-555-0100' is not in E.164 form" in m and "representative.yaml:8:5" in m for m in found
    ), found


def test_an_option_key_that_is_a_command_key(flow_dir: Path) -> None:
    edit(flow_dir / "menus" / "main_menu.yaml", 'key: "9"', 'key: "0"')
    found = flow_problems(flow_dir)
    assert any("uses key 0, which is the representative command's key" in m for m in found), found


def test_hours_that_do_not_parse(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "    mon: 08:00-17:00", "    mon: 8am-5pm")
    edit(flow_dir / "menu_tree.yaml", "America/Los_Angeles", "Pacific/Nowhere")
    found = flow_problems(flow_dir)
    assert any(
        "'8am-5pm' is not a time range like 08:00-17:00" in m and "menu_tree.yaml:" in m for m in found
    ), found
    assert any("'Pacific/Nowhere' is not a time zone name" in m for m in found), found


def test_a_command_target_that_does_not_exist(flow_dir: Path) -> None:
    edit(flow_dir / "menu_tree.yaml", "    target: representative\n", "    target: represntative\n")
    found = flow_problems(flow_dir)
    assert any(
        "the representative command sends callers to 'represntative', which does not exist; did you mean "
        "'representative'?" in m
        for m in found
    ), found


def test_hours_follow_the_time_zone_weekdays_and_holidays() -> None:
    hours = Hours.model_validate(
        {
            "timezone": "America/Los_Angeles",
            "weekly": {"mon": "08:00-17:00", "sat": ["09:00-12:00", "13:00-24:00"]},
            "holidays": ["2026-12-28"],
        }
    )
    pacific = ZoneInfo("America/Los_Angeles")
    assert hours.is_open(dt.datetime(2026, 11, 23, 8, 0, tzinfo=pacific))
    assert not hours.is_open(dt.datetime(2026, 11, 23, 17, 0, tzinfo=pacific))
    assert not hours.is_open(dt.datetime(2026, 11, 23, 7, 59, tzinfo=pacific))
    assert hours.is_open(dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC))  # 08:30 in Los Angeles
    assert not hours.is_open(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC))  # Sunday evening there
    assert not hours.is_open(dt.datetime(2026, 11, 28, 12, 30, tzinfo=pacific))
    assert hours.is_open(dt.datetime(2026, 11, 28, 23, 59, tzinfo=pacific))
    assert not hours.is_open(dt.datetime(2026, 12, 28, 10, 0, tzinfo=pacific))  # a Monday holiday


def test_a_transfer_cannot_be_a_goal_of_self_service(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "representative.yaml",
        "    kind: transfer\n    say: [transfer_to_representative]",
        "    kind: transfer\n    goal: true\n    say: [transfer_to_representative]",
    )
    found = flow_problems(flow_dir)
    assert any("transfer 'representative' is marked as a goal" in m and ":7:5:" in m for m in found), found


def test_a_phone_number_prompts_say_is_checked_where_it_is_named(flow_dir: Path) -> None:
    """menu_tree.yaml's phone_numbers are values of every prompt: a misspelt name is refused like any other
    placeholder (callers would hear a blank), and a number must be in E.164 form."""
    edit(flow_dir / "prompts" / "es.yaml", "TTY es {tty_number}.", "TTY es {tty_numbr}.")
    edit(flow_dir / "prompts" / "tty" / "es.yaml", "TTY: {tty_number}. Desde", "TTY: {tty_numbr}. Desde")
    found = flow_problems(flow_dir)
    assert any("uses {tty_numbr}" in m and "did you mean {tty_number}" in m for m in found), found
    edit(
        flow_dir / "menu_tree.yaml", 'outside_us_number: "+19165550142"', 'outside_us_number: "916-555-0142"'
    )
    [message] = flow_problems(flow_dir)
    assert (
        message.startswith("menu_tree.yaml:")
        and "phone number '916-555-0142' is not in E.164 form" in message
    )


def test_a_locale_babel_does_not_know_is_refused(flow_dir: Path) -> None:
    """Babel has no dates, times or amounts for it: the first balance said in it would fail mid-call."""
    edit(flow_dir / "menu_tree.yaml", "locale: es_US", "locale: es_XX")
    line = line_of(flow_dir / "menu_tree.yaml", "es_XX")
    assert flow_problems(flow_dir) == [
        f"menu_tree.yaml:{line}:5: Babel does not know the locale 'es_XX' of Español (es): dates, times and "
        "amounts could not be said in it; use a locale Babel knows, such as es_US (at languages.es.locale)"
    ]


def test_the_words_around_a_value_fill_in_only_their_own_values(flow_dir: Path) -> None:
    """A misspelt {units} would stop every Spanish amount from being said (the caller hears an apology)."""
    edit(
        flow_dir / "prompts" / "es.yaml",
        'value_money: "{units} con {cents}"',
        'value_money: "{unidades} con {cents}"',
    )
    line = line_of(flow_dir / "prompts" / "es.yaml", "{unidades}")
    [message] = flow_problems(flow_dir)
    assert message.startswith(
        f"prompts/es.yaml:{line}:1: prompt 'value_money' uses {{unidades}}, which the words"
    )
    assert "it takes {cents}, {units}; did you mean {units}?" in message
