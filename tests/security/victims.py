"""The demo participants the attacks aim at, and the checks that they came to no harm."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from tests.conftest import signed_post
from tests.web.phone import BASE_URL, phone, text

VICTIM_ID, VICTIM_SSN, VICTIM_PIN = "1000000001", "123456789", "2468"
VICTIM_BALANCE = "1,024.75"  # what is owed to her, as figures; in words: "mil veinticuatro"
ATTACKER_TEMPORARY_ID, ATTACKER_TEMPORARY_PIN = "1000000003", "9999"
PAYER_ID, PAYER_PIN = "1000000002", "1357"

# The SMS sequence: a temporary PIN of one's own, then the victim's SSN, "back" into the PIN
# change, a new PIN for the victim, and the victim's balance.
TAKEOVER = (
    "hi",
    "1",
    ATTACKER_TEMPORARY_ID,
    ATTACKER_TEMPORARY_PIN,
    "main menu",
    "1",
    VICTIM_SSN,
    "back",
    "back",
    "back",
    "7315",
    "7315",
    "1",
)
STOLEN_PIN = "7315"


def signs_in(
    client: FlaskClient, participant: str, pin: str, caller: str = "+15555550142", base_url: str = BASE_URL
) -> bool:
    """Whether a fresh voice call with ``participant`` and ``pin`` reaches the main menu."""
    call = phone(client, caller=caller, base_url=base_url)
    call.dial()
    call.press("1")
    call.press(f"{participant}#")
    signed_in = "Main menu" in text(call.press(f"{pin}#"))
    call.hang_up()
    return signed_in


def sms(client: FlaskClient, body: str, number: str) -> str:
    """One text message to the service; the reply's text."""
    response = signed_post(
        client, "/sms", {"From": number, "To": "+18005550100", "Body": body, "MessageSid": "SM" + "0" * 32}
    )
    assert response.status_code == 200, response.data
    document = ET.fromstring(response.data)  # noqa: S314 - TwiML from the app under test
    return "\n".join(message.text or "" for message in document.iter("Message"))
