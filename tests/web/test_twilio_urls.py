"""Every URL Twilio will call carries the number's connection overrides, signatures are checked the way
Twilio computes them for such URLs (with a Webhook Rule's shared key, too), and a TTY stream is wss."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.service.settings import ConfigError, Settings
from ivr.web.app import create_app
from tests.conftest import AUTH_TOKEN, OPEN_TIME, close_app
from tests.web.phone import BASE_URL, flask_transport, phone, text

OVERRIDES = "rc=2&rp=ct,rt&ct=1000&rt=5000&tt=12000"
KEY_ID, KEY_SECRET = "webhooks_sharedkey_01kf0000000000000000000000", "shared-secret-0123456789abcdef"


@pytest.fixture
def overridden(app_config: dict[str, str]) -> Iterator[Flask]:
    app = create_app(
        {
            **app_config,
            "IVR_FIXED_TIME": OPEN_TIME,
            "TWILIO_CONNECTION_OVERRIDES": OVERRIDES,
            "TWILIO_WEBHOOK_SHARED_KEYS": f"{KEY_ID}={KEY_SECRET}",
        }
    )
    yield app
    close_app(app)


def twilio_urls(twiml: bytes) -> list[str]:
    """Every URL in a TwiML answer that Twilio calls back: actions and redirects."""
    body = twiml.decode()
    urls = re.findall(r'action="([^"]+)"', body) + re.findall(r"<Redirect[^>]*>([^<]+)</Redirect>", body)
    return [url.replace("&amp;", "&") for url in urls]


def test_every_url_of_a_call_carries_the_connection_overrides(overridden: Flask) -> None:
    answers: list[bytes] = []
    transport = flask_transport(overridden.test_client())

    def recording(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
        answers.append(transport(url, form, headers))
        return answers[-1]

    call = phone(overridden.test_client())
    call.transport, call.overrides = recording, OVERRIDES  # the number's URL in Twilio's console
    call.dial()
    call.silence()  # the <Redirect> after a silent <Gather>
    call.press("9")  # to Spanish: the language rides in the URL too
    heard = call.press("0")
    assert heard[-1].language == "transfer"
    call.transfer_ends("busy")  # the <Dial> action
    call.press("9")
    urls = [url for answer in answers for url in twilio_urls(answer)]
    assert len(urls) >= 8
    assert all(url.endswith(f"#{OVERRIDES}") for url in urls), urls
    assert any("&l=es#" in url for url in urls)
    # every request was signed, as Twilio signs, over the URL with its overrides, and accepted
    assert call.urls[0] == f"{BASE_URL}/voice#{OVERRIDES}" and all(u.endswith(OVERRIDES) for u in call.urls)


def test_a_url_set_without_overrides_is_still_accepted_and_a_forged_fragment_is_not(
    overridden: Flask,
) -> None:
    client = overridden.test_client()
    form = {"CallSid": "CA" + "1" * 32, "From": "+15555550123", "CallStatus": "completed"}
    url = f"{BASE_URL}/voice/status"
    plain = RequestValidator(AUTH_TOKEN).compute_signature(url, form)  # the status callback, set as is
    assert client.post(url, data=form, headers={"X-Twilio-Signature": plain}).status_code == 204
    other = RequestValidator(AUTH_TOKEN).compute_signature(f"{url}#rc=5", form)
    assert client.post(url, data=form, headers={"X-Twilio-Signature": other}).status_code == 403


def test_the_outage_answer_carries_the_overrides(overridden: Flask) -> None:
    client = overridden.test_client()
    form = {"CallSid": "CA" + "2" * 32, "ErrorCode": "11200"}
    url = f"{BASE_URL}/voice/fallback#{OVERRIDES}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    answer = client.post(url.partition("#")[0], data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    urls = twilio_urls(answer.data)
    assert urls and all(u.endswith(f"#{OVERRIDES}") for u in urls), urls  # the offer of 0, and the retry


def test_webhooks_signed_with_a_shared_key_are_answered(overridden: Flask) -> None:
    call = phone(overridden.test_client())
    call.shared_key, call.overrides = (KEY_ID, KEY_SECRET), OVERRIDES
    assert text(call.dial()).startswith("Welcome to Customer Connect")
    assert text(call.press("2")).startswith("Customer Connect is available by phone")
    client = overridden.test_client()
    form = {"From": "+15555550123", "To": "+18005550100", "Body": "hi"}
    url = f"{BASE_URL}/sms"
    for settings, secret, expected in (
        (f"key={KEY_ID},algorithm=HMAC_SHA256", KEY_SECRET, 200),
        (f"key={KEY_ID},algorithm=HMAC_SHA256", "not-the-secret", 403),
        ("key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256", KEY_SECRET, 403),
        (f"key={KEY_ID},algorithm=HMAC_SHA3", KEY_SECRET, 403),
    ):
        signature = RequestValidator(secret).compute_signature(url, form, "HMAC_SHA256")
        headers = {"X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": settings}
        assert client.post(url, data=form, headers=headers).status_code == expected, settings


def test_the_tty_stream_is_wss_even_when_the_request_came_as_http(client: FlaskClient) -> None:
    form = {"CallSid": "CA" + "3" * 32, "From": "+15555550123"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{BASE_URL}/tty/voice", form)
    answer = client.post("/tty/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert '<Stream url="wss://localhost/tty/stream">' in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ("rc=9", "'rc' must be a whole number from 0 to 5"),
        ("ct=50", "'ct' must be a whole number from 100 to 10000"),
        ("rp=ct,never", "'rp' lists retry policies"),
        ("timeout=5", "'timeout' is not a connection override"),
        ("rc=1&rc=2", "'rc' is given twice"),
    ],
)
def test_connection_overrides_twilio_would_not_take_are_refused(
    app_config: dict[str, str], overrides: str, complaint: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        Settings.load({**app_config, "TWILIO_CONNECTION_OVERRIDES": overrides}, environ={})
    settings = Settings.load({**app_config, "TWILIO_CONNECTION_OVERRIDES": f"#{OVERRIDES}"}, environ={})
    assert settings.connection_overrides == OVERRIDES


def test_production_refuses_a_public_url_that_is_not_https(app_config: dict[str, str]) -> None:
    production = {**app_config, "IVR_ENV": "production", "IVR_FIXED_TIME": ""}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an https URL in production"):
        Settings.load({**production, "PUBLIC_BASE_URL": "http://ivr.example.org"}, environ={})
    assert Settings.load({**production, "PUBLIC_BASE_URL": "https://ivr.example.org"}, environ={}).production
    assert Settings.load(
        {**app_config, "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}, environ={}
    )  # development
