"""X-Twilio-Signature computed by the service agrees with twilio's own RequestValidator, on random forms."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.twilio.signing import TwilioSignature
from tests.conftest import AUTH_TOKEN

field_name = st.text(min_size=1, max_size=12)
field_value = st.text(max_size=20)
forms = st.lists(st.tuples(field_name, field_value), max_size=12).map(MultiDict)
urls = st.sampled_from(
    [
        "https://ivr.example.org/voice/turn?t=3",
        "https://ivr.example.org:443/voice/turn?t=3",
        "http://127.0.0.1:8000/voice",
        "http://localhost/voice/turn?t=%41",
        "wss://ivr.example.org/tty/stream",
    ]
)
twilio = RequestValidator(AUTH_TOKEN)
ours = TwilioSignature(AUTH_TOKEN)


@given(urls, forms)
def test_the_signature_is_twilios(url: str, form: MultiDict[str, str]) -> None:
    assert ours.compute(url, form) == twilio.compute_signature(url, form)
    plain = dict(form.items())  # a plain mapping, as the load generator and the phone simulator sign
    assert ours.compute(url, plain) == twilio.compute_signature(url, plain)


@given(urls, forms, st.booleans())
def test_what_twilio_accepts_is_accepted_and_nothing_else(
    url: str, form: MultiDict[str, str], tamper: bool
) -> None:
    signature = twilio.compute_signature(url, form)
    if tamper:
        form = form.copy()
        form.add("Digits", "1")
    assert ours.valid(url, form, signature) == twilio.validate(url, form, signature)


def test_twilio_may_sign_the_url_with_or_without_its_port() -> None:
    form = {"CallSid": "CA1", "Digits": "1"}
    for signed, requested in (
        ("https://ivr.example.org/voice/turn?t=1", "https://ivr.example.org:443/voice/turn?t=1"),
        ("https://ivr.example.org:443/voice/turn?t=1", "https://ivr.example.org/voice/turn?t=1"),
        ("http://example.org/voice", "http://example.org:80/voice"),
    ):
        assert ours.valid(requested, form, twilio.compute_signature(signed, form))
    other_host = twilio.compute_signature("https://elsewhere.example.org/voice/turn?t=1", form)
    assert not ours.valid("https://ivr.example.org/voice/turn?t=1", form, other_host)
    assert not ours.valid("https://ivr.example.org/voice", form, "")
    assert not ours.valid("https://ivr.example.org/voice", form, "ñ" * 28)  # not even base64


def test_a_url_with_a_malformed_port_is_checked_as_requested_only() -> None:
    """No other spelling can be made of it, and the check neither raises nor accepts a forgery."""
    form = {"CallSid": "CA1"}
    url = "https://ivr.example.org:https/voice"
    assert ours.valid(url, form, twilio.compute_signature(url, form))
    assert not ours.valid(url, form, twilio.compute_signature("https://ivr.example.org/voice", form))


KEY_ID, KEY_SECRET = "webhooks_sharedkey_01kf0000000000000000000000", "shared-secret-0123456789abcdef"
with_keys = TwilioSignature(AUTH_TOKEN, {KEY_ID: KEY_SECRET, "webhooks_sharedkey_old": "old-secret"})


@given(urls, forms)
def test_a_shared_key_signature_is_twilios_hmac_sha256(url: str, form: MultiDict[str, str]) -> None:
    settings = f"key={KEY_ID},algorithm=HMAC_SHA256"
    signature = RequestValidator(KEY_SECRET).compute_signature(url, form, "HMAC_SHA256")
    assert with_keys.compute(url, form, settings) == signature
    assert with_keys.valid(url, form, signature, settings)
    assert not with_keys.valid(url, form, signature)  # not an auth-token signature
    assert not ours.valid(url, form, signature, settings)  # a service that was not given the key


def test_the_settings_header_names_the_key_and_the_algorithm() -> None:
    url, form = "https://ivr.example.org/sms", {"From": "+15555550123", "Body": "hi"}
    sha256 = RequestValidator(KEY_SECRET).compute_signature(url, form, "HMAC_SHA256")
    sha1 = RequestValidator(KEY_SECRET).compute_signature(url, form, "HMAC_SHA1")
    assert with_keys.valid(url, form, sha1, f"key={KEY_ID},algorithm=HMAC_SHA1")
    assert not with_keys.valid(url, form, sha256, f"key={KEY_ID},algorithm=HMAC_SHA1")
    assert not with_keys.valid(url, form, sha256, f"key={KEY_ID},algorithm=HMAC_SHA512")  # unsupported
    assert not with_keys.valid(url, form, sha256, "key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256")
    assert not with_keys.valid(url, form, sha256, "key=webhooks_sharedkey_old,algorithm=HMAC_SHA256")
    old = RequestValidator("old-secret").compute_signature(url, form, "HMAC_SHA256")
    assert with_keys.valid(url, form, old, "key=webhooks_sharedkey_old,algorithm=HMAC_SHA256")  # rotation


def test_a_url_is_checked_with_its_connection_overrides_and_without() -> None:
    form = {"CallSid": "CA1", "Digits": "1"}
    url = "https://ivr.example.org/voice/turn?t=2"
    fragment = f"{url}#rc=2&ct=1000"
    both = [fragment, url]
    assert ours.valid(both, form, twilio.compute_signature(fragment, form))
    assert ours.valid(both, form, twilio.compute_signature(url, form))
    assert not ours.valid(both, form, twilio.compute_signature(f"{url}#rc=5", form))
