"""The funnel's rows in SQL: moved there from the Redis queue, and summed up for the console.

Definitions (docs/operator-console.md):
- a *call* is a call key with a ``start`` row; its language is the one it was in at its last row;
- *completed in self-service*: the call reached a node marked ``goal: true`` and was never transferred;
- a node's *no-input rate* and *no-match rate* are silences and answers not understood there per visit;
- a *hang-up* at a node is a caller who hung up while the flow waited there (not a goodbye the flow said).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy import Engine, and_, case, func, insert, select

from ivr.adapters.redis.journal import queue_key
from ivr.adapters.sql.console_tables import CallEvent
from ivr.core.journey import KINDS, EventRow

log = logging.getLogger(__name__)

BATCH = 2_000
_TAKE = "local rows = redis.call('LRANGE', KEYS[1], 0, ARGV[1] - 1) redis.call('LTRIM', KEYS[1], #rows, -1) return rows"


def _parse(raw: bytes) -> EventRow | None:
    try:
        row: EventRow = json.loads(raw)
        dt.date.fromisoformat(row["d"])
        if row["k"] not in KINDS or not isinstance(row["t"], int):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    return row


def drain(client: redis.Redis, prefix: str, engine: Engine) -> int:
    """Move every queued row into ``call_events``; returns how many. Rows taken but not written (the
    database failed) are put back at the head of the queue."""
    take = client.register_script(_TAKE)
    moved = 0
    while True:
        raws: list[bytes] = take(keys=[queue_key(prefix)], args=[BATCH])
        if not raws:
            return moved
        rows = [row for row in map(_parse, raws) if row is not None]
        try:
            _insert(engine, rows)
        except Exception:
            client.lpush(queue_key(prefix), *reversed(raws))
            raise
        moved += len(rows)


def _insert(engine: Engine, rows: list[EventRow]) -> None:
    channels = {row["c"]: row["ch"] for row in rows if row["ch"]}
    with engine.begin() as connection:
        unknown = {row["c"] for row in rows if not row["ch"] and row["c"] not in channels}
        if unknown:  # a hang-up's channel is the channel of the call's other rows
            found = connection.execute(
                select(CallEvent.call_key, func.max(CallEvent.channel))
                .where(CallEvent.call_key.in_(unknown))
                .group_by(CallEvent.call_key)
            )
            channels.update({key: channel for key, channel in found})
        values = [
            {
                "at_ms": row["t"],
                "day": dt.date.fromisoformat(row["d"]),
                "call_key": row["c"],
                "channel": (row["ch"] or channels.get(row["c"], "unknown"))[:16],
                "language": row["l"][:8],
                "node": row["n"][:64],
                "kind": row["k"],
            }
            for row in rows
        ]
        if values:
            connection.execute(insert(CallEvent), values)


@dataclass(frozen=True)
class Filters:
    first_day: dt.date
    last_day: dt.date
    channel: str | None = None
    language: str | None = None


@dataclass
class NodeFigures:
    node: str
    visits: int = 0
    calls: int = 0
    no_input: int = 0
    no_match: int = 0
    hangups: int = 0
    transfers: int = 0
    goals: int = 0

    def _per_visit(self, count: int) -> float:
        return round(count / self.visits, 4) if self.visits else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "no_input_rate": self._per_visit(self.no_input),
            "no_match_rate": self._per_visit(self.no_match),
            "hangup_rate": round(self.hangups / self.calls, 4) if self.calls else 0.0,
        }


@dataclass
class DayFigures:
    day: str
    calls: int = 0
    completed: int = 0
    transferred: int = 0
    hung_up: int = 0

    def as_dict(self) -> dict[str, Any]:
        share = round(self.completed / self.calls, 4) if self.calls else 0.0
        return {**self.__dict__, "self_service_share": share}


@dataclass
class Funnel:
    filters: Filters
    nodes: list[NodeFigures] = field(default_factory=list)
    days: list[DayFigures] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)  # by language and channel
    channels: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.filters.first_day.isoformat(),
            "last_day": self.filters.last_day.isoformat(),
            "channel": self.filters.channel,
            "language": self.filters.language,
            "nodes": [node.as_dict() for node in self.nodes],
            "days": [day.as_dict() for day in self.days],
            "segments": self.segments,
            "channels": self.channels,
            "languages": self.languages,
        }


def _count(kind: str) -> Any:
    return func.sum(case((CallEvent.kind == kind, 1), else_=0))


def funnel(engine: Engine, filters: Filters) -> Funnel:
    in_period = CallEvent.day.between(filters.first_day, filters.last_day)
    result = Funnel(filters)
    with engine.connect() as connection:
        result.channels = sorted(connection.scalars(select(CallEvent.channel).where(in_period).distinct()))
        result.languages = sorted(connection.scalars(select(CallEvent.language).where(in_period).distinct()))
        calls = _calls(connection, in_period)
        chosen = {
            key: call
            for key, call in calls.items()
            if (filters.channel is None or call["channel"] == filters.channel)
            and (filters.language is None or call["language"] == filters.language)
        }
        node_rows = connection.execute(
            select(
                CallEvent.node,
                _count("visit"),
                func.count(func.distinct(case((CallEvent.kind == "visit", CallEvent.call_key)))),
                _count("no_input"),
                _count("no_match"),
                _count("hangup"),
                _count("transfer"),
                _count("goal"),
            )
            .where(
                and_(
                    in_period,
                    *([CallEvent.channel == filters.channel] if filters.channel else []),
                    *([CallEvent.language == filters.language] if filters.language else []),
                )
            )
            .group_by(CallEvent.node)
        )
        result.nodes = sorted(
            (NodeFigures(node, *(int(n or 0) for n in counts)) for node, *counts in node_rows),
            key=lambda figures: (-figures.visits, figures.node),
        )
    by_day: dict[str, DayFigures] = {}
    segments: dict[tuple[str, str], dict[str, Any]] = {}
    for call in calls.values():
        segment = segments.setdefault(
            (call["language"], call["channel"]),
            {"language": call["language"], "channel": call["channel"], "calls": 0, "completed": 0},
        )
        segment["calls"] += 1
        segment["completed"] += call["completed"]
    for call in chosen.values():
        day = by_day.setdefault(call["day"], DayFigures(call["day"]))
        day.calls += 1
        day.completed += call["completed"]
        day.transferred += call["transferred"]
        day.hung_up += call["hung_up"]
    result.days = [by_day[day] for day in sorted(by_day)]
    for segment in segments.values():
        segment["self_service_share"] = round(segment["completed"] / segment["calls"], 4)
    result.segments = sorted(segments.values(), key=lambda s: (s["language"], s["channel"]))
    return result


def _calls(connection: Any, in_period: Any) -> dict[str, dict[str, Any]]:
    """Every call that started in the period: its day, channel, last language, and how it went."""
    last_language = (
        select(
            CallEvent.call_key,
            CallEvent.language,
            func.row_number()
            .over(partition_by=CallEvent.call_key, order_by=(CallEvent.at_ms.desc(), CallEvent.id.desc()))
            .label("newest"),
        )
        .where(in_period)
        .subquery()
    )
    languages = dict(
        connection.execute(
            select(last_language.c.call_key, last_language.c.language).where(last_language.c.newest == 1)
        ).all()
    )
    rows = connection.execute(
        select(
            CallEvent.call_key,
            func.min(CallEvent.day),
            func.max(CallEvent.channel),
            _count("start"),
            _count("goal"),
            _count("transfer"),
            _count("hangup"),
        )
        .where(in_period)
        .group_by(CallEvent.call_key)
    )
    calls: dict[str, dict[str, Any]] = {}
    for key, day, channel, starts, goals, transfers, hangups in rows:
        if not starts:
            continue  # its start lies before the period
        calls[key] = {
            "day": day.isoformat() if isinstance(day, dt.date) else str(day),
            "channel": channel,
            "language": languages.get(key, ""),
            "completed": int(bool(goals) and not transfers),
            "transferred": int(bool(transfers)),
            "hung_up": int(bool(hangups)),
        }
    return calls
