"""The SMS webhook: the same menu by text message, sessions per number, replies a phone shows whole, and
Twilio's own keywords (STOP, HELP, START ...) left to Twilio."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.twilio.messaging import MAX_REPLY_CHARS, encoded
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
    [refused] = text(client, "1")
    assert refused.startswith("For your security, account information is not available by text message.")
    assert "1-800-555-0199" in refused  # the TTY line
    assert "If you are a parent or legal guardian" in refused  # and the first menu again
    text(client, "7")
    [pin_by_mail] = text(client, "1")
    assert pin_by_mail.startswith("For your security, account information is not available by text")


def test_a_payer_reads_the_balance_by_text(texts_with_accounts: FlaskClient) -> None:
    client = texts_with_accounts
    [first] = text(client, "hi")
    assert first.startswith("Welcome to Customer Connect")
    assert "If you are a parent or legal guardian, press 1. If not" in first  # no "type Yes" by SMS
    assert text(client, "1")[0].startswith("Enter your participant ID or Social Security number.")
    assert text(client, "1000000002")[0] == "Enter your PIN."
    assert text(client, "1357")[0].startswith("Thank you. You are signed in.")
    [payments] = text(client, "payments")
    assert "Your current balance due is $1,234.56." in payments
    assert "$400.00, paid on Nov 2 2026." in payments


def test_sessions_are_per_number_and_spanish_works(texts_with_accounts: FlaskClient) -> None:
    client = texts_with_accounts
    text(client, "hola", number="+15555550188")
    assert text(client, "9", number="+15555550188")[0].startswith(
        "For English, press 9.\n\nSi usted es padre"
    )
    assert text(client, "hello")[0].startswith(
        "Welcome to Customer Connect"
    )  # another number, its own session
    assert text(client, "SÍ", number="+15555550188")[0].startswith("Marque su número de identificación")


@pytest.mark.parametrize("word", ["HELP", "help", "Info", "AYUDA"])
def test_help_is_left_to_twilio_which_answers_it_itself(client: FlaskClient, word: str) -> None:
    text(client, "hello")
    assert text(client, word) == []  # one answer only: Twilio's (the agency's sms_help, in Advanced Opt-Out)
    assert text(client, "2")[0].startswith("Customer Connect is available by phone")  # the session goes on


@pytest.mark.parametrize(
    "word", ["STOP", "stop.", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT", "ALTO"]
)
def test_an_opt_out_keyword_stops_every_reply_until_an_opt_in(client: FlaskClient, word: str) -> None:
    text(client, "hello")
    assert text(client, word) == []  # Twilio confirms it; a reply of ours would never be delivered
    assert text(client, "1") == []
    assert text(client, "hello again") == []
    [restarted] = text(client, "START")  # Twilio confirms the opt-in; the menu starts afresh
    assert restarted.startswith("Welcome to Customer Connect")
    assert text(client, "7")[0].startswith("To have a new PIN mailed to you")


def test_yes_and_unstop_are_opt_ins_never_menu_answers(client: FlaskClient) -> None:
    text(client, "hello")
    text(client, "7")
    for word in ("YES", "unstop", "Inicio"):
        [again] = text(client, word)
        assert again.startswith("Welcome to Customer Connect")  # not option 1 of the menu it was at


def test_a_long_reply_comes_in_pages_a_phone_shows_whole(client: FlaskClient) -> None:
    text(client, "hello")
    pages = text(client, "2")
    while pages[-1].endswith("Reply MORE for the rest."):
        pages += text(client, "more")
    assert len(pages) == 3
    for page in pages:
        assert len(page) <= MAX_REPLY_CHARS and encoded(page).encoding == "GSM-7", page
    whole = " ".join(page.removesuffix("Reply MORE for the rest.") for page in pages)
    assert " ".join(whole.split()) == (
        "Customer Connect is available by phone twenty-four hours a day, seven days a week. Our offices are "
        "open Monday through Friday, from 8 in the morning to 5 in the afternoon, Pacific time. On the web, "
        "visit customer connect dot example dot org. Our mailing address is Customer Connect, P.O. Box 1000, "
        "Sacramento, California, 9 5 8 1 4. Callers who are deaf or hard of hearing can reach us by TTY at "
        "1-800-555-0199. To get a PIN, choose Forgot PIN on the website, or choose other options "
        "from the first menu. To hear this again, press 1 or type Again. To go back to the first menu, press "
        "2. To end the call, press 9 or type Goodbye."
    )
    assert text(client, "9")[0].startswith("Thank you for calling Customer Connect")


def test_the_spanish_general_information_fits_a_phone(client: FlaskClient) -> None:
    text(client, "hola")
    assert text(client, "9")[0].startswith("For English, press 9.\n\nSi usted es padre")
    pages = text(client, "2")
    while pages[-1].endswith("Responda MAS para leer el resto."):
        pages += text(client, "más")
    assert len(pages) == 3 and all(len(page) <= MAX_REPLY_CHARS for page in pages), pages
    assert "apartado postal 1000" in pages[1]  # the address stays on one page
    assert pages[-1].endswith("Para terminar la llamada, marque 9 o escriba Adiós.")


def test_an_answer_instead_of_more_moves_on(client: FlaskClient) -> None:
    text(client, "hello")
    assert text(client, "2")[0].endswith("Reply MORE for the rest.")
    assert text(client, "9")[0].startswith("Thank you for calling Customer Connect")  # goodbye, not page 2
    assert text(client, "more")[0].startswith("Welcome to Customer Connect")  # a new session: no page left


def test_sms_requests_must_be_signed(client: FlaskClient) -> None:
    response = client.post("/sms", data={"From": NUMBER, "Body": "hi"})
    assert response.status_code == 403
    assert signed_post(client, "/sms", {"Body": "hi"}).status_code == 400
