"""The SMS webhook: the same menu by text message, sessions per number, and HELP / STOP / START."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.web.app import create_app
from tests.conftest import close_app, signed_post

NUMBER = "+15555550177"


@pytest.fixture
def texts_with_accounts(app_config: dict[str, str]) -> Iterator[FlaskClient]:
    """A service whose agency turned account access by text message on (IVR_SMS_ACCOUNT_ACCESS)."""
    app: Flask = create_app({**app_config, "IVR_SMS_ACCOUNT_ACCESS": "on"})
    yield app.test_client()
    close_app(app)


def text(client: FlaskClient, body: str, number: str = NUMBER) -> list[str]:
    response = signed_post(
        client, "/sms", {"From": number, "To": "+18005550100", "Body": body, "MessageSid": "SM1"}
    )
    assert response.status_code == 200, response.data
    document = ET.fromstring(response.data)  # noqa: S314 - TwiML from the app under test
    assert document.tag == "Response"
    return [(message.text or "") for message in document.iter("Message")]


def test_account_information_is_not_given_by_text_unless_the_agency_turns_it_on(client: FlaskClient) -> None:
    text(client, "hi")
    [refused] = text(client, "yes")
    assert refused.startswith("For your security, account information is not available by text message.")
    assert "1 8 0 0, 5 5 5, 0 1 9 9" in refused  # the TTY line
    assert "If you are a parent or legal guardian" in refused  # and the first menu again
    text(client, "7")
    [pin_by_mail] = text(client, "1")
    assert pin_by_mail.startswith("For your security, account information is not available by text")


def test_a_payer_reads_the_balance_by_text(texts_with_accounts: FlaskClient) -> None:
    client = texts_with_accounts
    [first] = text(client, "hi")
    assert first.startswith("Welcome to Customer Connect")
    assert "press 1 or type Yes" in first
    assert text(client, "yes")[0].startswith("Enter your participant ID or Social Security number.")
    assert text(client, "1000000002")[0] == "Enter your PIN."
    assert text(client, "1357")[0].startswith("Thank you. You are signed in.")
    [payments] = text(client, "payments")
    assert "Your current balance due is $1,234.56." in payments
    assert "$400.00, paid on Nov 2 2026." in payments


def test_sessions_are_per_number_and_spanish_works(texts_with_accounts: FlaskClient) -> None:
    client = texts_with_accounts
    text(client, "hola", number="+15555550188")
    assert text(client, "9", number="+15555550188")[0].startswith("Si usted es padre o tutor legal")
    assert text(client, "hello")[0].startswith(
        "Welcome to Customer Connect"
    )  # another number, its own session
    assert text(client, "SÍ", number="+15555550188")[0].startswith("Marque su número de identificación")


def test_help_stop_and_start(client: FlaskClient) -> None:
    text(client, "hello")
    [help_text] = text(client, "HELP")
    assert "Reply STOP" in help_text and "Responda STOP" in help_text
    [stopped] = text(client, "stop")
    assert "no more messages" in stopped and "START" in stopped
    assert text(client, "1") == []  # opted out: silence
    [restarted] = text(client, "START")
    assert restarted.startswith("Welcome to Customer Connect")


def test_sms_requests_must_be_signed(client: FlaskClient) -> None:
    response = client.post("/sms", data={"From": NUMBER, "Body": "hi"})
    assert response.status_code == 403
    assert signed_post(client, "/sms", {"Body": "hi"}).status_code == 400
