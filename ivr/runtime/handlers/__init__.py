"""Handlers: the named steps of the flow that need data. Each takes a HandlerRequest and returns the
HandlerFinished event whose outcome the YAML maps to the next node. They reach data only through ports.

Every handler is registered with its sign-in rules (ivr.flow.handler_rules): how far a call must be signed
in before the engine runs it, which outcomes sign the call in or out, and which values each outcome gives
the prompts said after it (``{balance}``; the fields of each ``for_each`` item). ``ivr validate`` reads the same
rules to refuse a flow that would let a caller reach an account without signing in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from types import MappingProxyType

from ivr.engine.events import HandlerFinished
from ivr.flow.handler_rules import HandlerRules, Level
from ivr.runtime.handlers import case_details, contact, payments, pin, sign_in
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest

Handler = Callable[[HandlerRequest], HandlerFinished]
_Step = Callable[[HandlerPorts, HandlerRequest], HandlerFinished]

_PUBLIC = HandlerRules()
_ACCOUNT = HandlerRules(needs=Level.SIGNED_IN)
_NEW_ID = HandlerRules(forgets=True)  # an ID entered: every earlier claim and sign-in is forgotten


def _carrying(names: str, *outcomes: str) -> dict[str, frozenset[str]]:
    """The same value names for each of ``outcomes``."""
    return dict.fromkeys(outcomes, frozenset(names.split()))


def _listing(name: str, fields: str, *outcomes: str) -> HandlerRules:
    """An account handler whose ``outcomes`` carry one list value, ``name``, of items with ``fields``."""
    return replace(_ACCOUNT, values=_carrying(name, *outcomes), items={name: frozenset(fields.split())})


# What the payment handlers tell the prompts after them: the balance, and a page of payments.
_PAYMENT_VALUES = _carrying(
    "balance payments",
    "payer",
    "payer_more",
    "payer_no_payments",
    "receiver",
    "receiver_more",
    "receiver_no_payments",
)
_PAYMENT_ITEMS = {"payments": frozenset({"amount", "date"})}
_PAYMENTS = replace(_ACCOUNT, values=_PAYMENT_VALUES, items=_PAYMENT_ITEMS)

_HANDLERS: dict[str, tuple[_Step, HandlerRules]] = {
    "account_access": (sign_in.account_access, _PUBLIC),
    "identify_caller": (sign_in.identify_caller, _NEW_ID),
    "authenticate": (
        sign_in.authenticate,
        HandlerRules(
            grants={
                "ok": Level.SIGNED_IN,
                "temporary_pin": Level.MUST_CHANGE_PIN,
                "failed": Level.NONE,
                "failed_too_often": Level.NONE,
            }
        ),
    ),
    "read_payments": (payments.read_payments, _PAYMENTS),
    "read_payments_made": (payments.read_payments_made, _PAYMENTS),
    "read_payments_received": (payments.read_payments_received, _PAYMENTS),
    "read_more_payments": (payments.read_more_payments, _PAYMENTS),
    "read_court_dates": (
        case_details.read_court_dates,
        _listing("court_dates", "what when place about", "upcoming", "none"),
    ),
    "read_case_info": (
        case_details.read_case_info,
        _listing("cases", "case_number county status office_phone", "found", "none"),
    ),
    "check_new_pin": (
        pin.check_new_pin,
        HandlerRules(needs=Level.MUST_CHANGE_PIN, values=_carrying("reason", "refused")),
    ),
    "confirm_new_pin": (
        pin.confirm_new_pin,
        HandlerRules(needs=Level.MUST_CHANGE_PIN, grants={"changed": Level.SIGNED_IN}),
    ),
    "request_pin_by_mail": (pin.request_pin_by_mail, _NEW_ID),
    "offer_phone_update": (
        contact.offer_phone_update,
        replace(_ACCOUNT, values=_carrying("last_four", "offer")),
    ),
    "save_phone": (contact.save_phone, _ACCOUNT),
}

HANDLER_RULES: Mapping[str, HandlerRules] = MappingProxyType(
    {name: rules for name, (_, rules) in _HANDLERS.items()}
)

# Prompts handlers name in their values (PromptRef): the flow must have them in every language.
HANDLER_PROMPTS = frozenset(
    {*case_details.KIND_PROMPTS.values(), *case_details.STATUS_PROMPTS.values(), *pin.RULE_PROMPTS.values()}
)


def account_handlers(ports: HandlerPorts) -> Mapping[str, Handler]:
    """Every handler the shipped flow may name, bound to its ports."""
    return {name: partial(step, ports) for name, (step, _) in _HANDLERS.items()}


__all__ = [
    "HANDLER_PROMPTS",
    "HANDLER_RULES",
    "Handler",
    "HandlerPorts",
    "HandlerRequest",
    "account_handlers",
]
