"""Sign-in: a participant ID (10 digits) or an SSN (9 digits), then a PIN.

The caller is never told which part was wrong: an unknown ID goes on to the PIN question like a known one,
a PIN checked against no account costs a full verification (the directory's decoy hash), and a locked
participant hears what a wrong PIN hears. Failed PINs are counted per participant and per calling number
across calls (the AttemptLimiter): three in a row lock that participant's PIN entry for 30 minutes.
"""

from __future__ import annotations

from ivr.engine.events import HandlerFinished
from ivr.handlers.ports import HandlerPorts
from ivr.handlers.request import TEMPORARY_PIN, HandlerRequest
from ivr.limits import caller_key, participant_key
from ivr.ports import PinCheck

PARTICIPANT_ID_LENGTH = 10
SSN_LENGTH = 9
MAX_SIGN_IN_ATTEMPTS = 3
FAILURES = "sign_in_failures"


def identify(ports: HandlerPorts, digits: str) -> tuple[bool, int | None]:
    """(whether the digits are a participant ID or an SSN at all, the participant they name or None)."""
    if digits.isdigit() and len(digits) == PARTICIPANT_ID_LENGTH:
        return True, ports.accounts.identify(participant_number=digits)
    if digits.isdigit() and len(digits) == SSN_LENGTH:
        return True, ports.accounts.identify(ssn=digits)
    return False, None


def identify_caller(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    valid, found = identify(ports, request.digits or "")
    return HandlerFinished("ok", claimed=found) if valid else HandlerFinished("not_valid")


def authenticate(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    claimed = request.state.claimed
    keys = [caller_key(request.caller)] if request.caller else []
    if claimed is not None:
        keys.append(participant_key(claimed))
    blocked = ports.limiter.blocked(*keys)
    check = ports.accounts.verify_pin(claimed, request.digits or "")  # runs whether blocked or not
    if check is not PinCheck.WRONG and not blocked and claimed is not None:
        ports.limiter.clear(*keys)
        if check is PinCheck.TEMPORARY:
            return HandlerFinished(
                "temporary_pin", claimed=claimed, counters=((FAILURES, 0), (TEMPORARY_PIN, 1))
            )
        ports.audit.record("sign_in", claimed, request.channel, request.caller)
        return HandlerFinished("ok", participant=claimed, counters=((FAILURES, 0),))

    if blocked:
        ports.audit.record("sign_in_blocked", claimed, request.channel, request.caller)
    else:
        ports.audit.record("sign_in_failed", claimed, request.channel, request.caller)
        for key in keys:
            if ports.limiter.failed(key):
                ports.audit.record(
                    "lockout",
                    claimed if key.startswith("participant:") else None,
                    request.channel,
                    request.caller,
                )
    failures = request.state.counter(FAILURES) + 1
    outcome = "failed_too_often" if failures >= MAX_SIGN_IN_ATTEMPTS else "failed"
    return HandlerFinished(outcome, counters=((FAILURES, failures),))
