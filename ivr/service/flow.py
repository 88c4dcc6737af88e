"""The flow as this service runs it: every handler it names must exist here, every prompt the handlers and
channels say on their own must exist in every language (with only the values they fill in), and no menu
may take as an answer a word Twilio answers itself on SMS."""

from __future__ import annotations

from pathlib import Path

from ivr.channels.text import MORE_PROMPT, TRANSFER_PROMPT
from ivr.flow import Flow, load_flow
from ivr.runtime.conversation import STATE_LOST_PROMPT
from ivr.runtime.handlers import HANDLER_PROMPTS, HANDLER_RULES
from ivr.twilio.messaging import KEYWORD_PROMPTS, SMS_MORE_PROMPT, TEXT_KEYWORDS
from ivr.twilio.twiml import OUTAGE_OFFER_PROMPT, OUTAGE_WAIT_PROMPT, TRANSFERRING_PROMPT

# Each prompt the service says itself, with the values it fills in.
SERVICE_PROMPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(HANDLER_PROMPTS, frozenset()),
    # the texts the agency gives Twilio's Advanced Opt-Out, and the hint at the end of a long SMS
    **dict.fromkeys(KEYWORD_PROMPTS.values(), frozenset()),
    SMS_MORE_PROMPT: frozenset(),
    MORE_PROMPT: frozenset(),  # the foot of a page of TTY text
    TRANSFER_PROMPT: frozenset({"number"}),
    OUTAGE_OFFER_PROMPT: frozenset(),
    OUTAGE_WAIT_PROMPT: frozenset(),
    TRANSFERRING_PROMPT: frozenset(),
    STATE_LOST_PROMPT: frozenset(),
}


def load_service_flow(location: Path | str) -> Flow:
    return load_flow(location, HANDLER_RULES, SERVICE_PROMPTS, TEXT_KEYWORDS)
