"""The engine tests run on a small flow of their own (tests/engine/flow): every node kind and flow feature,
with prompt ids for text, so that the shipped flow's wording and shape can change without touching them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.flow import Flow, load_flow
from ivr.flow.handler_rules import HandlerRules, Level

ENGINE_FLOW = Path(__file__).resolve().parent / "flow"
# The handlers the fixture flow names, with the rules the service gives handlers of those names.
HANDLERS = {
    "identify_caller": HandlerRules(forgets=True),
    "authenticate": HandlerRules(
        grants={"ok": Level.SIGNED_IN, "temporary_pin": Level.MUST_CHANGE_PIN, "failed": Level.NONE}
    ),
    "read_payments": HandlerRules(
        needs=Level.SIGNED_IN,
        values={"payer": frozenset({"balance", "payments"})},
        items={"payments": frozenset({"amount", "date"})},
    ),
    "check_new_pin": HandlerRules(needs=Level.MUST_CHANGE_PIN),
    "confirm_new_pin": HandlerRules(needs=Level.MUST_CHANGE_PIN, grants={"changed": Level.SIGNED_IN}),
}


@pytest.fixture(scope="session")
def flow() -> Flow:
    return load_flow(ENGINE_FLOW, HANDLERS)
