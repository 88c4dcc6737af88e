"""Sign-in: a participant ID (10 digits) or an SSN (9 digits), then a PIN.

The caller is never told which part was wrong: an unknown ID goes on to the PIN question like a known one,
a PIN checked against no account costs a full verification (the directory's decoy hash), and an attempt
the throttle refuses is verified against the decoy and heard as a wrong PIN. The handlers only report what
happened; the engine decides who the call is about (ivr.engine.sign_in).
"""

from __future__ import annotations

from ivr.core.errors import IvrError
from ivr.core.records import AuditEvent, PinCheck, SignInAttempt
from ivr.engine.events import HandlerFinished
from ivr.engine.sign_in import IdEntered, PinAccepted, PinRefused
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest

PARTICIPANT_ID_LENGTH = 10
SSN_LENGTH = 9
TEXT_CHANNELS = frozenset({"sms"})  # where account access follows IVR_SMS_ACCOUNT_ACCESS


class AccountsNotByText(IvrError, RuntimeError):
    """An account step ran on SMS while account access by text is off; the flow should gate it."""

    hint = "put an account_access step before any question that asks for an ID"


def require_account_channel(ports: HandlerPorts, request: HandlerRequest) -> None:
    if request.channel in TEXT_CHANNELS and not ports.accounts_by_text:
        raise AccountsNotByText(request.state.node)


def account_access(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """Whether this caller may sign in here: SMS carries what is typed in message bodies that carriers,
    Twilio's logs and the handset keep, so account access by text is off unless the agency turns it on."""
    if request.channel in TEXT_CHANNELS and not ports.accounts_by_text:
        return HandlerFinished("by_phone_only")
    return HandlerFinished("available")


def identify(ports: HandlerPorts, digits: str) -> tuple[bool, int | None]:
    """(whether the digits are a participant ID or an SSN at all, the participant they name or None)."""
    if digits.isdigit() and len(digits) == PARTICIPANT_ID_LENGTH:
        return True, ports.accounts.identify(participant_number=digits)
    if digits.isdigit() and len(digits) == SSN_LENGTH:
        return True, ports.accounts.identify(ssn=digits)
    return False, None


def identify_caller(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """An ID entered: a new claim replaces whatever the call was about before, valid or not."""
    require_account_channel(ports, request)
    valid, found = identify(ports, request.digits or "")
    if not valid:
        return HandlerFinished("not_valid", sign_in=IdEntered(None))
    return HandlerFinished("ok", sign_in=IdEntered(found))


def authenticate(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    require_account_channel(ports, request)
    claimed = request.claimed
    # One read: the PIN the throttle counts this attempt against is the PIN it is checked against.
    on_file = ports.accounts.pin_on_file(claimed, request.caller)
    attempt = SignInAttempt(
        participant=claimed,
        pin_version=on_file.facts.version,
        owner_line=on_file.facts.phone_on_file and request.caller_verified,
        number=request.caller,
    )
    admission = ports.throttle.admit(attempt)
    # Refused or not, a PIN is verified: against the decoy when refused, so the time tells nothing.
    check = ports.accounts.verify_pin(
        on_file if admission.admitted else None, request.digits or "", request.now, request.state.call_id
    )
    if admission.admitted and check is not PinCheck.WRONG and claimed is not None:
        ports.throttle.succeeded(attempt)
        temporary = check is PinCheck.TEMPORARY
        ports.audit.record(
            AuditEvent.TEMPORARY_PIN_USED if temporary else AuditEvent.SIGN_IN,
            claimed,
            request.source,
        )
        outcome = "temporary_pin" if temporary else "ok"
        return HandlerFinished(outcome, sign_in=PinAccepted(claimed, temporary=temporary))

    if not admission.admitted:
        ports.audit.record(AuditEvent.SIGN_IN_BLOCKED, claimed, request.source)
    else:
        ports.audit.record(AuditEvent.SIGN_IN_FAILED, claimed, request.source)
        if admission.last_before_cap:
            ports.audit.record(AuditEvent.LOCKOUT, claimed, request.source)
    failures = request.state.failed_sign_ins + 1  # the engine counts this one when it applies PinRefused
    outcome = "failed_too_often" if failures >= ports.throttle.policy.max_failures_per_call else "failed"
    return HandlerFinished(outcome, sign_in=PinRefused())
