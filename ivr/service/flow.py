"""The flow as this service runs it: every handler it names must exist here, and every prompt the
handlers and channels say on their own must exist in every language."""

from __future__ import annotations

from pathlib import Path

from ivr.channels.text import MORE_PROMPT, TRANSFER_PROMPT
from ivr.flow import Flow, load_flow
from ivr.runtime.conversation import STATE_LOST_PROMPT
from ivr.runtime.handlers import HANDLER_PROMPTS, HANDLER_RULES
from ivr.twilio.twiml import OUTAGE_OFFER_PROMPT, OUTAGE_WAIT_PROMPT, TRANSFERRING_PROMPT

# The SMS webhook's own answers to HELP and STOP (ivr.web.sms).
SMS_PROMPTS = frozenset({"sms_help", "sms_stopped"})
SERVICE_PROMPTS = (
    HANDLER_PROMPTS
    | SMS_PROMPTS
    | {
        TRANSFER_PROMPT,
        MORE_PROMPT,
        OUTAGE_OFFER_PROMPT,
        OUTAGE_WAIT_PROMPT,
        TRANSFERRING_PROMPT,
        STATE_LOST_PROMPT,
    }
)


def load_service_flow(location: Path | str) -> Flow:
    return load_flow(location, HANDLER_RULES, SERVICE_PROMPTS)
