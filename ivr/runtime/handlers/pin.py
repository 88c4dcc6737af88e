"""The PIN lifecycle: a new PIN entered twice (forced after a temporary PIN), and a new PIN by mail.

A new PIN is only ever chosen for the participant this call signed in as by PIN (``pin_changer``: a
temporary PIN counts, and was used up by that sign-in); the engine refuses to run these steps otherwise.
"""

from __future__ import annotations

from ivr.core.pin_policy import weak_pin
from ivr.core.records import AuditEvent
from ivr.core.values import PromptRef
from ivr.engine.events import HandlerFinished
from ivr.engine.sign_in import IdEntered, PinChanged, SignedIn
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest
from ivr.runtime.handlers.sign_in import identify, require_account_channel

RULE_PROMPTS = {
    "length": "pin_rule_length",
    "same_digits": "pin_rule_same_digits",
    "sequence": "pin_rule_sequence",
    "current_pin": "pin_rule_current_pin",
    "ssn_digits": "pin_rule_ssn_digits",
}


def check_new_pin(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """The first entry of a new PIN: refused with the reason, or held until it is entered again."""
    participant, pin = request.pin_changer(), request.digits or ""
    rule = weak_pin(pin) or ports.pins.pin_problem(participant, pin)
    if rule is not None:
        return HandlerFinished("refused", values={"reason": PromptRef(RULE_PROMPTS[rule.value])})
    ports.pins.hold_new_pin(participant, pin, request.now)
    return HandlerFinished("ok")


def confirm_new_pin(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    participant = request.pin_changer()
    if not ports.pins.confirm_new_pin(participant, request.digits or "", request.now):
        return HandlerFinished("mismatch")
    ports.audit.record(AuditEvent.PIN_CHANGED, participant, request.source)
    sign_in = request.state.sign_in
    if isinstance(sign_in, SignedIn) and sign_in.must_change_pin:  # the caller is now signed in in full
        ports.audit.record(AuditEvent.SIGN_IN, participant, request.source)
    return HandlerFinished("changed", sign_in=PinChanged(participant))


def request_pin_by_mail(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """Always the same answer, whether or not the ID exists, has an address, or asked recently. Entering
    an ID here, as anywhere, ends whatever claim or sign-in the call had."""
    require_account_channel(ports, request)
    valid, found = identify(ports, request.digits or "")
    if not valid:
        return HandlerFinished("not_valid", sign_in=IdEntered(None))
    if found is not None and ports.pins.request_pin_by_mail(found, request.channel, request.now):
        ports.audit.record(AuditEvent.PIN_REQUESTED, found, request.source)
    return HandlerFinished("accepted", sign_in=IdEntered(None))
