"""The small, serialisable state of one call. It never holds a PIN, an SSN or digits the caller typed."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class CallState:
    call_id: str
    flow_version: str
    node: str
    language: str
    turn: int = 0
    no_input: int = 0
    no_match: int = 0
    claimed: int | None = None
    participant: int | None = None
    counters: tuple[tuple[str, int], ...] = ()
    history: tuple[str, ...] = ()  # the questions (menu and input nodes) the caller came through, for "back"
    ended: bool = False

    def counter(self, name: str) -> int:
        return dict(self.counters).get(name, 0)

    def with_counters(self, updates: tuple[tuple[str, int], ...]) -> CallState:
        merged = dict(self.counters)
        merged.update(updates)
        return replace(self, counters=tuple(sorted(merged.items())))

    def to_json(self) -> str:
        # Written out by hand: dataclasses.asdict deep-copies every field, on every turn.
        fields = {name: getattr(self, name) for name in self.__slots__}
        return json.dumps(fields, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> CallState:
        data: dict[str, Any] = json.loads(text)
        data["counters"] = tuple((str(k), int(v)) for k, v in data.get("counters", ()))
        data["history"] = tuple(str(node) for node in data.get("history", ()))
        return cls(**data)
