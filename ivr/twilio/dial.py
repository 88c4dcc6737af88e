"""What Twilio posts to a transfer's action URL when the transfer ends, as the engine's TransferEnded.

<Dial action> receives DialCallStatus: ``completed`` (the representative answered and the call between
them ended), ``answered``, ``busy``, ``no-answer``, ``failed`` or ``canceled``
(https://www.twilio.com/docs/voice/twiml/dial#action). <Enqueue action> receives QueueResult: ``bridged``,
``bridging-in-process``, ``queue-full``, ``redirected``, ``hangup``, ``error``, ``system-error`` or
``leave`` (https://www.twilio.com/docs/voice/twiml/enqueue#action). The flow names fewer outcomes: busy,
no_answer, failed, completed.
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.engine import TransferEnded

_DIAL_OUTCOMES = {
    "completed": "completed",
    "answered": "completed",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "failed",
}
_QUEUE_OUTCOMES = {
    "bridged": "completed",
    "bridging-in-process": "completed",
    "hangup": "completed",  # the caller left the queue: nobody is on the line to hear more
    "queue-full": "busy",
    "leave": "no_answer",
    "redirected": "no_answer",
    "error": "failed",
    "system-error": "failed",
}


def transfer_event(form: Mapping[str, str]) -> TransferEnded | None:
    """The end of a transfer, if this request reports one (a status Twilio may add later counts as failed:
    the caller hears the way on rather than silence)."""
    if "DialCallStatus" in form:
        return TransferEnded(_DIAL_OUTCOMES.get(form["DialCallStatus"].strip().lower(), "failed"))
    if "QueueResult" in form:
        return TransferEnded(_QUEUE_OUTCOMES.get(form["QueueResult"].strip().lower(), "failed"))
    return None
