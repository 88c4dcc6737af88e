"""Handlers: the named steps of the flow that need data. Each takes a HandlerRequest and returns the
HandlerFinished event whose outcome the YAML maps to the next node. They reach data only through ports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from ivr.engine.events import HandlerFinished
from ivr.handlers import case_details, contact, payments, pin, sign_in
from ivr.handlers.ports import HandlerPorts
from ivr.handlers.request import HandlerRequest

Handler = Callable[[HandlerRequest], HandlerFinished]

_HANDLERS: dict[str, Callable[[HandlerPorts, HandlerRequest], HandlerFinished]] = {
    "identify_caller": sign_in.identify_caller,
    "authenticate": sign_in.authenticate,
    "read_payments": payments.read_payments,
    "read_payments_made": payments.read_payments_made,
    "read_payments_received": payments.read_payments_received,
    "read_more_payments": payments.read_more_payments,
    "read_court_dates": case_details.read_court_dates,
    "read_case_info": case_details.read_case_info,
    "check_new_pin": pin.check_new_pin,
    "confirm_new_pin": pin.confirm_new_pin,
    "request_pin_by_mail": pin.request_pin_by_mail,
    "offer_phone_update": contact.offer_phone_update,
    "save_phone": contact.save_phone,
}

HANDLER_NAMES = frozenset(_HANDLERS)

# Prompts handlers name in their values (PromptRef): the flow must have them in every language.
HANDLER_PROMPTS = frozenset(
    {*case_details.KIND_PROMPTS.values(), *case_details.STATUS_PROMPTS.values(), *pin.RULE_PROMPTS.values()}
)


def account_handlers(ports: HandlerPorts) -> Mapping[str, Handler]:
    """Every handler the shipped flow may name, bound to its ports."""
    return {name: partial(handler, ports) for name, handler in _HANDLERS.items()}


__all__ = [
    "HANDLER_NAMES",
    "HANDLER_PROMPTS",
    "Handler",
    "HandlerPorts",
    "HandlerRequest",
    "account_handlers",
]
