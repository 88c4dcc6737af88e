"""A call's turn as funnel rows: node ids, outcomes and times only (no digits, speech, ids or numbers)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Collection
from typing import TypedDict
from zoneinfo import ZoneInfo

from ivr.core.records import JourneyStep

KINDS = ("start", "visit", "goal", "no_input", "no_match", "hangup", "transfer", "end")
CALL_KEY_CHARS = 16


class EventRow(TypedDict):
    """One row of ``call_events`` as it is queued (short names keep the queue small)."""

    t: int  # milliseconds since 1970, UTC
    d: str  # the agency's local date, ISO
    c: str  # call key
    ch: str  # channel ("" when unknown: a hang-up, filled in from the call's other rows)
    l: str  # language  # noqa: E741 - the queued row's field names are kept one or two letters
    n: str  # node id
    k: str  # kind


def call_key(secret: bytes, call_id: str) -> str:
    """A keyed digest of a call's id: groups one call's rows, and cannot be turned back into the id."""
    return hmac.new(secret, call_id.encode(), hashlib.sha256).hexdigest()[:CALL_KEY_CHARS]


def _row(
    key: str, at: dt.datetime, zone: ZoneInfo, channel: str, language: str, node: str, kind: str
) -> EventRow:
    return EventRow(
        t=int(at.timestamp() * 1000),
        d=at.astimezone(zone).date().isoformat(),
        c=key,
        ch=channel,
        l=language,
        n=node,
        k=kind,
    )


def step_rows(step: JourneyStep, key: str, goals: Collection[str], zone: ZoneInfo) -> list[EventRow]:
    """The rows one turn adds: the call's start, a silence or an answer not understood where it waited,
    every node it entered (and the goals among them), and how the flow ended it."""

    def row(node: str, kind: str) -> EventRow:
        return _row(key, step.at, zone, step.channel, step.language, node, kind)

    rows: list[EventRow] = []
    if step.answer == "start" and step.visited:
        rows.append(row(step.visited[0], "start"))
    if step.answer in ("no_input", "no_match") and step.waiting_at:
        rows.append(row(step.waiting_at, step.answer))
    for node in step.visited:
        rows.append(row(node, "visit"))
        if node in goals:
            rows.append(row(node, "goal"))
    if step.ending and step.visited:
        rows.append(row(step.visited[-1], "transfer" if step.ending == "transfer" else "end"))
    return rows


def hangup_row(key: str, language: str, node: str, at: dt.datetime, zone: ZoneInfo) -> EventRow:
    """The caller hung up while the flow waited at ``node``."""
    return _row(key, at, zone, "", language, node, "hangup")
