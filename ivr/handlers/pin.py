"""The PIN lifecycle: a new PIN entered twice (forced after a temporary PIN), and a new PIN by mail."""

from __future__ import annotations

from ivr.engine.events import HandlerFinished
from ivr.handlers.ports import HandlerPorts
from ivr.handlers.request import TEMPORARY_PIN, HandlerRequest
from ivr.handlers.sign_in import identify
from ivr.pin_policy import weak_pin
from ivr.values import PromptRef

RULE_PROMPTS = {
    "length": "pin_rule_length",
    "same_digits": "pin_rule_same_digits",
    "sequence": "pin_rule_sequence",
    "current_pin": "pin_rule_current_pin",
    "ssn_digits": "pin_rule_ssn_digits",
}


class NoOneToChangeFor(RuntimeError):
    """A PIN step ran for a call that is neither signed in nor past a temporary PIN."""


def _changer(request: HandlerRequest) -> int:
    participant = request.pin_changer
    if participant is None:
        raise NoOneToChangeFor(request.state.node)
    return participant


def check_new_pin(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """The first entry of a new PIN: refused with the reason, or held until it is entered again."""
    participant, pin = _changer(request), request.digits or ""
    rule = weak_pin(pin) or ports.pins.pin_problem(participant, pin)
    if rule is not None:
        return HandlerFinished(
            "refused", values={"reason": PromptRef(RULE_PROMPTS[rule.value])}, claimed=request.state.claimed
        )
    ports.pins.hold_new_pin(participant, pin, request.now)
    return HandlerFinished("ok", claimed=request.state.claimed)


def confirm_new_pin(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    participant = _changer(request)
    if not ports.pins.confirm_new_pin(participant, request.digits or "", request.now):
        return HandlerFinished("mismatch", claimed=request.state.claimed)
    ports.audit.record("pin_changed", participant, request.channel, request.caller)
    if request.state.participant is None:  # the temporary PIN is replaced: the caller is now signed in
        ports.audit.record("sign_in", participant, request.channel, request.caller)
    return HandlerFinished("changed", participant=participant, counters=((TEMPORARY_PIN, 0),))


def request_pin_by_mail(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """Always the same answer, whether or not the ID exists, has an address, or asked recently."""
    valid, found = identify(ports, request.digits or "")
    if not valid:
        return HandlerFinished("not_valid")
    if found is not None and ports.pins.request_pin_by_mail(found, request.channel, request.now):
        ports.audit.record("pin_requested", found, request.channel, request.caller)
    return HandlerFinished("accepted")
