"""The small, serialisable state of one call. It never holds a PIN, an SSN or digits the caller typed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from ivr.engine import sign_in
from ivr.engine.sign_in import Anonymous, SignIn


@dataclass(frozen=True, slots=True)
class CallState:
    call_id: str
    flow_version: str
    node: str
    language: str
    turn: int = 0
    no_input: int = 0
    no_match: int = 0
    sign_in: SignIn = field(default_factory=Anonymous)  # who the call is about (ivr.engine.sign_in)
    failed_sign_ins: int = 0  # wrong PINs in this call, whoever they were for
    number_verified: bool = False  # the carrier vouched for the calling number when the call began
    counters: tuple[tuple[str, int], ...] = ()  # the flow's own counts about the signed-in participant
    history: tuple[str, ...] = ()  # the questions (menu and input nodes) the caller came through, for "back"
    ended: bool = False
    language_chosen: bool = (
        False  # the caller answered, or picked a language: other languages stop being offered
    )
    relay: bool = (
        False  # the caller asked for relay time: longer waits, more silences, for the rest of the call
    )
    heard: tuple[str, ...] = ()  # menus whose full prompt the caller has heard (short_after_first)
    confirming: int | None = None  # the option (its index at this menu) asked back: "Did you say ...?"
    # Which start of this call's state it is: drawn afresh whenever the state is begun (a call whose state
    # was lost, or whose flow version went, starts again with a new one). With ``turn`` it names one turn
    # for good: a turn answered again because it was not kept has the same name, and no other turn has it.
    epoch: str = ""

    @property
    def turn_name(self) -> str:
        """This turn of this start of the call (see ``epoch``)."""
        return f"{self.epoch}:{self.turn}"

    def counter(self, name: str) -> int:
        return dict(self.counters).get(name, 0)

    def with_counters(self, updates: tuple[tuple[str, int], ...]) -> CallState:
        merged = dict(self.counters)
        merged.update(updates)
        return replace(self, counters=tuple(sorted(merged.items())))

    def to_json(self) -> str:
        # Written out by hand: dataclasses.asdict deep-copies every field, on every turn.
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields["sign_in"] = sign_in.to_json(self.sign_in)
        return json.dumps(fields, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> CallState:
        data: dict[str, Any] = json.loads(text)
        known = {name: data[name] for name in cls.__slots__ if name in data}
        # A state written before sign-in had a type of its own ("claimed", "participant") reads as
        # Anonymous: a call in progress during an upgrade signs in again rather than keep a claim.
        known["sign_in"] = sign_in.from_json(data.get("sign_in"))
        known["counters"] = tuple((str(k), int(v)) for k, v in data.get("counters", ()))
        known["history"] = tuple(str(node) for node in data.get("history", ()))
        known["heard"] = tuple(str(node) for node in data.get("heard", ()))
        return cls(**known)


@dataclass(frozen=True, slots=True)
class AskedTurn:
    """The turn an answer was asked for, as the question carried it to the caller (a voice answer's URL):
    its number and the start of the call it belongs to (``CallState.epoch``). An answer is the call's
    answer only while the call is still at that turn of that start; any other is a late or repeated one.
    """

    turn: int
    # None only for a question asked before questions carried their epoch (a call in progress across the
    # upgrade): it names that turn number of whichever start the call is on, as every question did then.
    epoch: str | None = None

    def is_current(self, state: CallState) -> bool:
        return self.turn == state.turn and (self.epoch is None or self.epoch == state.epoch)
