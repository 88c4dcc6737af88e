"""Contact information: the calling number as the phone number on file."""

from __future__ import annotations

from ivr.core.records import AuditEvent
from ivr.core.values import DigitString
from ivr.engine.events import HandlerFinished
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest

_DIALLABLE = 7


def _number(request: HandlerRequest) -> str | None:
    number = request.caller or ""
    digits = "".join(ch for ch in number if ch.isdigit())
    return number if len(digits) >= _DIALLABLE else None  # withheld or anonymous numbers are not offered


def offer_phone_update(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    request.account_holder()
    number = _number(request)
    if number is None:
        return HandlerFinished("no_number")
    return HandlerFinished("offer", values={"last_four": DigitString(number[-4:])})


def save_phone(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    participant = request.account_holder()
    number = _number(request)
    if number is None:
        return HandlerFinished("no_number")
    ports.contacts.set_phone(participant, number)
    ports.audit.record(AuditEvent.PHONE_UPDATED, participant, request.source)
    return HandlerFinished("saved")
