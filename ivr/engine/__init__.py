"""The dialog engine: a pure function from (flow, state, event) to (state, actions).

Rule 1: everything that changes a call's state lives in ``machine.py``. Nothing in this package performs
I/O or imports Flask, Redis, Twilio or SQLAlchemy; ``tests/engine/test_purity.py`` enforces it.
"""

from ivr.engine.actions import Action, Gather, Hangup, RunHandler, Say, Transfer
from ivr.engine.events import (
    PHONE_KEYS,
    CallEnded,
    CallStarted,
    DigitsEntered,
    Event,
    HandlerFinished,
    NoInput,
    SpeechHeard,
    TransferEnded,
)
from ivr.engine.machine import Retry, Turn, replay, step
from ivr.engine.state import AskedTurn, CallState

__all__ = [
    "PHONE_KEYS",
    "Action",
    "AskedTurn",
    "CallEnded",
    "CallStarted",
    "CallState",
    "DigitsEntered",
    "Event",
    "Gather",
    "HandlerFinished",
    "Hangup",
    "NoInput",
    "Retry",
    "RunHandler",
    "Say",
    "SpeechHeard",
    "Transfer",
    "TransferEnded",
    "Turn",
    "replay",
    "step",
]
