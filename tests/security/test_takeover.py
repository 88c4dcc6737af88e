"""A temporary PIN let anyone choose any participant's PIN (SMS and TTY text; `ivr chat` too).

The attack: sign in with a temporary PIN of one's own, go to the first menu, enter the victim's SSN,
"back" three times into the PIN change, choose a new PIN, and read the victim's balance. The PIN change
acted on whoever was last claimed, and "back" and "main menu" worked at secret steps.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.web.app import create_app
from tests.conftest import PUBLIC, ROOT, Live, close_app
from tests.security.victims import (
    ATTACKER_TEMPORARY_ID,
    ATTACKER_TEMPORARY_PIN,
    STOLEN_PIN,
    TAKEOVER,
    VICTIM_BALANCE,
    VICTIM_ID,
    VICTIM_PIN,
    signs_in,
    sms,
)
from tests.web.phone import BASE_URL, phone, text
from tests.web.test_tty_calls import closed, stream_call

ATTACKER = "+15555550666"


def assert_victim_unharmed(client: FlaskClient, heard: str, base_url: str = BASE_URL) -> None:
    assert VICTIM_BALANCE not in heard, "the attacker read the victim's balance"
    assert signs_in(client, VICTIM_ID, VICTIM_PIN, base_url=base_url), "the victim's own PIN no longer works"
    assert not signs_in(client, VICTIM_ID, STOLEN_PIN, base_url=base_url), "the attacker's PIN signs in"


@pytest.fixture
def sms_with_accounts(app_config: dict[str, str]) -> Iterator[FlaskClient]:
    """The agency turned account access by text message on: the attack must fail all the same."""
    app: Flask = create_app({**app_config, "IVR_SMS_ACCOUNT_ACCESS": "on"})
    yield app.test_client()
    close_app(app)


def test_the_sms_takeover_sequence_leaves_the_victim_alone(sms_with_accounts: FlaskClient) -> None:
    replies = [sms(sms_with_accounts, body, ATTACKER) for body in TAKEOVER]
    assert "temporary PIN" in replies[3]  # the attacker's own temporary PIN was accepted
    assert_victim_unharmed(sms_with_accounts, "\n".join(replies))


def test_by_default_sms_never_asks_for_an_id(client: FlaskClient) -> None:
    replies = [sms(client, body, ATTACKER) for body in TAKEOVER]
    assert not any("Enter your participant ID" in reply for reply in replies)
    assert "not available by text message" in replies[1]
    assert_victim_unharmed(client, "\n".join(replies))


def test_a_temporary_pin_signs_in_once(client: FlaskClient) -> None:
    """One temporary PIN served against any number of victims: now it serves one call, then no more."""
    first, second = (with_the_temporary_pin(client) for _ in range(2))
    assert "temporary PIN" in first and "Main menu" not in first
    assert "temporary PIN" not in second and "could not sign you in" in second


def with_the_temporary_pin(client: FlaskClient) -> str:
    call = phone(client, caller="+15555550143")
    call.dial()
    call.press("1")
    call.press(f"{ATTACKER_TEMPORARY_ID}#")
    heard = text(call.press(f"{ATTACKER_TEMPORARY_PIN}#"))
    call.hang_up()
    return heard


def test_the_takeover_sequence_typed_in_ivr_chat_leaves_the_victim_alone(
    app_config: dict[str, str], client: FlaskClient
) -> None:
    lines = [line.upper() for line in TAKEOVER[1:]]  # `ivr chat` starts the call itself
    environment = {**os.environ, **app_config, "IVR_LOG_FORMAT": "text"}
    finished = subprocess.run(
        [sys.executable, "-m", "ivr", "chat"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "TEMPORARY PIN" in finished.stdout  # the chat did get as far as the attacker's own PIN
    assert_victim_unharmed(client, finished.stdout)


def test_the_takeover_sequence_typed_on_a_tty_leaves_the_victim_alone(live: Live) -> None:
    client = live.app.test_client()
    heard: list[str] = []
    with stream_call(live, speed=8.0) as call:
        heard.append(call.read())
        for line in TAKEOVER[1:]:
            heard.append(call.answer(f"{line.upper()} GA"))
            if heard[-1].endswith(" SK"):
                assert closed(call)
                break
    assert any("TEMPORARY PIN" in reply for reply in heard)
    assert_victim_unharmed(client, "\n".join(heard), base_url=PUBLIC)
