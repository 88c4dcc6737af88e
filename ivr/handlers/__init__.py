"""Handlers: the named steps of the flow that need data. Each takes a HandlerRequest and returns the
HandlerFinished event whose outcome the YAML maps to the next node. They reach data only through ports."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ivr.engine.events import HandlerFinished
from ivr.handlers.payments import read_payments
from ivr.handlers.request import HandlerRequest
from ivr.handlers.sign_in import authenticate, identify_caller
from ivr.ports import AccountDirectory

Handler = Callable[[HandlerRequest], HandlerFinished]


def account_handlers(accounts: AccountDirectory) -> Mapping[str, Handler]:
    """Every handler the shipped flow may name, bound to its ports."""
    return {
        "identify_caller": lambda request: identify_caller(accounts, request),
        "authenticate": lambda request: authenticate(accounts, request),
        "read_payments": lambda request: read_payments(accounts, request),
    }


HANDLER_NAMES = frozenset({"identify_caller", "authenticate", "read_payments"})

__all__ = ["HANDLER_NAMES", "Handler", "HandlerRequest", "account_handlers"]
