"""What the service's handlers require of a call's sign-in, what their outcomes make of it, and which values
they give the prompts said after them.

The flow names handlers; the service says, for each, how far a call must be signed in before it may run
(``needs``) and how its outcomes move the sign-in (``grants``, ``forgets``). The engine refuses to run a
handler the call has not earned, and ``ivr validate`` refuses a flow in which a caller could reach such a
handler without passing sign-in (ivr.flow.checks). ``values`` names the values each outcome carries to the
prompts said on the way to the next question ("{balance}"), and ``items`` the fields of each list value a
``for_each`` says ("{amount}" of every payment): ``ivr validate`` refuses a placeholder no path provides.
The rules are plain data: the flow layer reads them without importing the handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    """How far a call is signed in. Higher levels include the lower ones."""

    NONE = 0  # anonymous, or an ID entered without its PIN
    MUST_CHANGE_PIN = 1  # a temporary PIN was right: only a new PIN may be chosen
    SIGNED_IN = 2  # a PIN was right


@dataclass(frozen=True, slots=True)
class HandlerRules:
    """``needs``: the least level at which the handler may run. ``grants``: the level an outcome leaves
    the call at. ``forgets``: every outcome leaves the call unsigned (entering an ID starts a new claim)."""

    needs: Level = Level.NONE
    grants: Mapping[str, Level] = field(default_factory=dict)
    forgets: bool = False
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)  # outcome -> value names it carries
    items: Mapping[str, frozenset[str]] = field(default_factory=dict)  # list value -> the fields of an item

    def after(self, outcome: str, current: Level) -> Level:
        """The level a call at ``current`` is left at by ``outcome`` (as far as a check can tell)."""
        if self.forgets:
            return Level.NONE
        return self.grants.get(outcome, current)

    def values_of(self, outcome: str) -> frozenset[str]:
        """The names of the values ``outcome`` carries (none if it is not declared)."""
        return self.values.get(outcome, frozenset())


HandlerCatalog = Mapping[str, HandlerRules]
"""Every handler the service registers, by name, with its rules."""
