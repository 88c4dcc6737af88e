"""Hot reload: a valid edit goes live, an invalid one never does, and calls keep the version they began on."""

from __future__ import annotations

import os
from pathlib import Path

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.engine import DigitsEntered, Turn
from ivr.flow import load_flow
from ivr.flow.library import FlowLibrary
from ivr.flow.watcher import FlowWatcher
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HANDLER_RULES
from tests.conftest import edit


def _touch_later(path: Path) -> None:
    """Make sure the edit is seen even on file systems with coarse modification times."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def said(turn: Turn) -> list[str]:
    return [say.prompt for say in turn.says]


def test_a_valid_edit_goes_live_and_an_invalid_one_is_reported_but_never_used(flow_dir: Path) -> None:
    library = FlowLibrary(load_flow(flow_dir, HANDLER_RULES))
    first = library.current.version
    watcher = FlowWatcher(library, flow_dir, HANDLER_RULES)
    assert not watcher.check()  # nothing changed

    edit(flow_dir / "prompts" / "en.yaml", "Main menu.", "Main menu, updated.")
    _touch_later(flow_dir / "prompts" / "en.yaml")
    assert watcher.check()
    second = library.current.version
    assert second != first and "Main menu, updated." in library.current.prompts["en"]["main_menu"]
    assert library.last_error is None

    edit(flow_dir / "menus" / "main_menu.yaml", "next: payments", "next: paymets")
    _touch_later(flow_dir / "menus" / "main_menu.yaml")
    assert not watcher.check()
    assert library.current.version == second
    assert library.last_error is not None and "'paymets', which does not exist" in library.last_error

    edit(flow_dir / "menus" / "main_menu.yaml", "next: paymets", "next: payments")
    _touch_later(flow_dir / "menus" / "main_menu.yaml")
    watcher.check()
    assert library.last_error is None


def test_a_call_in_progress_finishes_on_the_version_it_started_with(flow_dir: Path) -> None:
    library = FlowLibrary(load_flow(flow_dir, HANDLER_RULES))
    conversation = Conversation(library, MemoryCallStore(), {})
    old_call = Caller("CA-old", "test")
    conversation.start(old_call)

    # The operator adds option 3 to the first menu: "3" now goes straight to the other options.
    edit(
        flow_dir / "menus" / "welcome.yaml",
        '      - key: "7"',
        '      - key: "3"\n        next: other_options\n      - key: "7"',
    )
    library.reload(flow_dir, HANDLER_RULES)
    assert len(library.versions()) == 2

    old_turn = conversation.answer(old_call, DigitsEntered("3"))
    assert said(old_turn) == [
        "no_match_first",
        "offer_spanish",
        "caller_type_short",
    ]  # the old flow has no option 3

    new_call = Caller("CA-new", "test")
    conversation.start(new_call)
    assert said(conversation.answer(new_call, DigitsEntered("3"))) == ["other_options"]


def test_only_recent_versions_are_kept(flow_dir: Path) -> None:
    library = FlowLibrary(load_flow(flow_dir), keep=2)
    first = library.current.version
    for text in ("one", "two"):
        edit(flow_dir / "prompts" / "en.yaml", "Goodbye.\n", f"Goodbye {text}.\n")
        library.reload(flow_dir, HANDLER_RULES)
    assert len(library.versions()) == 2 and library.get(first) is None
