"""Sign-in: a participant ID (10 digits) or an SSN (9 digits), then a PIN.

The caller is never told which part was wrong: an unknown ID goes on to the PIN question like a known one,
and a PIN checked against no account costs a full verification (the AccountDirectory's decoy hash).
"""

from __future__ import annotations

from ivr.engine.events import HandlerFinished
from ivr.handlers.request import HandlerRequest
from ivr.ports import AccountDirectory, PinCheck

PARTICIPANT_ID_LENGTH = 10
SSN_LENGTH = 9
MAX_SIGN_IN_ATTEMPTS = 3
FAILURES = "sign_in_failures"


def identify_caller(accounts: AccountDirectory, request: HandlerRequest) -> HandlerFinished:
    digits = request.digits or ""
    if not digits.isdigit():
        return HandlerFinished("not_valid")
    if len(digits) == PARTICIPANT_ID_LENGTH:
        return HandlerFinished("ok", claimed=accounts.identify(participant_number=digits))
    if len(digits) == SSN_LENGTH:
        return HandlerFinished("ok", claimed=accounts.identify(ssn=digits))
    return HandlerFinished("not_valid")


def authenticate(accounts: AccountDirectory, request: HandlerRequest) -> HandlerFinished:
    check = accounts.verify_pin(request.state.claimed, request.digits or "")
    if check is PinCheck.OK:
        return HandlerFinished("ok", participant=request.state.claimed, counters=((FAILURES, 0),))
    if check is PinCheck.TEMPORARY:
        return HandlerFinished("temporary_pin", counters=((FAILURES, 0),))
    failures = request.state.counter(FAILURES) + 1
    outcome = "failed_too_often" if failures >= MAX_SIGN_IN_ATTEMPTS else "failed"
    return HandlerFinished(outcome, counters=((FAILURES, failures),))
