"""A turn becomes funnel rows: node ids, outcomes and times only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ivr.core.journey import EventRow, call_key, hangup_row, step_rows
from ivr.core.records import JourneyStep

PACIFIC = ZoneInfo("America/Los_Angeles")
LATE = dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC)  # still the 24th in California


def _step(**changes: object) -> JourneyStep:
    fields: dict[str, object] = {
        "call_id": "CA0123",
        "channel": "voice",
        "flow_version": "v1",
        "language": "es",
        "waiting_at": "main_menu",
        "answer": "taken",
        "visited": ("payments", "payments_received", "payments_end"),
        "ending": None,
        "at": LATE,
    }
    fields.update(changes)
    return JourneyStep(**fields)  # type: ignore[arg-type]


def _kinds(rows: list[EventRow]) -> list[tuple[str, str]]:
    return [(row["n"], row["k"]) for row in rows]


def test_a_taken_answer_visits_every_node_and_marks_the_goals() -> None:
    rows = step_rows(_step(), "key", {"payments_received"}, PACIFIC)
    assert _kinds(rows) == [
        ("payments", "visit"),
        ("payments_received", "visit"),
        ("payments_received", "goal"),
        ("payments_end", "visit"),
    ]
    assert {row["d"] for row in rows} == {"2026-11-24"} and {row["t"] for row in rows} == {1795591800000}
    assert {(row["ch"], row["l"], row["c"]) for row in rows} == {("voice", "es", "key")}


def test_a_start_a_retry_and_the_flows_endings() -> None:
    start = step_rows(
        _step(answer="start", waiting_at=None, visited=("welcome", "caller_type")), "k", set(), PACIFIC
    )
    assert _kinds(start) == [("welcome", "start"), ("welcome", "visit"), ("caller_type", "visit")]
    silence = step_rows(_step(answer="no_input", visited=()), "k", set(), PACIFIC)
    assert _kinds(silence) == [("main_menu", "no_input")]
    exhausted = step_rows(
        _step(answer="no_match", visited=("representative",), ending="transfer"), "k", set(), PACIFIC
    )
    assert _kinds(exhausted) == [
        ("main_menu", "no_match"),
        ("representative", "visit"),
        ("representative", "transfer"),
    ]
    goodbye = step_rows(_step(visited=("goodbye",), ending="hangup"), "k", set(), PACIFIC)
    assert _kinds(goodbye) == [("goodbye", "visit"), ("goodbye", "end")]
    left = hangup_row("k", "en", "ask_pin", LATE, PACIFIC)
    assert (left["n"], left["k"], left["ch"]) == ("ask_pin", "hangup", "")


def test_the_call_key_groups_a_call_without_telling_its_id() -> None:
    first, again, other = (
        call_key(b"secret", "CA0123"),
        call_key(b"secret", "CA0123"),
        call_key(b"other", "CA0123"),
    )
    assert first == again != other and len(first) == 16 and "0123" not in first
