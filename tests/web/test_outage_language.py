"""While Redis is out of reach, a caller hears the apology in their own language first; a call whose
state is gone hears why it starts again."""

from __future__ import annotations

import re
import signal
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from ivr.twilio.simulator import TwilioSimulator
from ivr.web.app import create_app
from tests.conftest import call_state, close_app, signed_post
from tests.web.phone import languages, phone, text


@pytest.fixture
def frozen_redis_app(
    app_config: dict[str, str],
    own_redis: tuple[str, subprocess.Popen[bytes]],  # the fixture above
) -> Iterator[tuple[Flask, subprocess.Popen[bytes]]]:
    url, server = own_redis
    app = create_app({**app_config, "REDIS_URL": url})
    yield app, server
    close_app(app)


@contextmanager
def frozen(server: subprocess.Popen[bytes]) -> Iterator[None]:
    """Redis stops answering (SIGSTOP) until the block ends."""
    server.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        server.send_signal(signal.SIGCONT)


def _dialled(app: Flask) -> tuple[FlaskClient, TwilioSimulator]:
    client = app.test_client()
    call = phone(client)
    call.dial()
    return client, call


def _says(body: bytes) -> list[tuple[str, str]]:
    document = ET.fromstring(body)  # noqa: S314 - TwiML from the app under test
    return [(say.get("language", ""), say.text or "") for say in document.iter("Say")]


def test_a_spanish_caller_hears_the_outage_apology_in_spanish_first(
    frozen_redis_app: tuple[Flask, subprocess.Popen[bytes]],
) -> None:
    app, server = frozen_redis_app
    client, call = _dialled(app)
    heard = call.press("9")
    assert languages(heard[1:]) == {"es-US"}  # after "For English, press 9", said in English
    assert call.gather is not None
    action = call.gather.get("action", "")
    assert action.endswith("&l=es")  # the caller's language rides in the URL Twilio posts to

    with frozen(server):
        outage = signed_post(client, action, {"CallSid": call.call_sid, "Digits": "1"})
        says = _says(outage.data)
        assert [language for language, _ in says] == ["es-US", "en-US"], says
        assert says[0][1].startswith("Lo sentimos, tenemos un problema técnico.")
        retry = ET.fromstring(outage.data).find("Redirect")  # noqa: S314 - as above
        assert retry is not None and (retry.text or "").endswith("retry=1&l=es")
        again = signed_post(client, (retry.text or "").strip(), {"CallSid": call.call_sid})
        assert [language for language, _ in _says(again.data)] == ["es-US", "en-US"]


def test_an_english_caller_hears_english_first_and_no_language_in_the_url(
    frozen_redis_app: tuple[Flask, subprocess.Popen[bytes]],
) -> None:
    app, server = frozen_redis_app
    client, call = _dialled(app)
    assert call.gather is not None and re.search(
        "/voice/turn[?]t=1&e=[0-9a-f]{8}$", call.gather.get("action", "")
    )
    with frozen(server):
        outage = signed_post(client, "/voice/turn?t=1", {"CallSid": call.call_sid, "Digits": "1"})
        assert [language for language, _ in _says(outage.data)] == ["en-US", "es-US"]


def test_a_call_whose_state_is_gone_hears_why_it_starts_again(
    app: Flask, redis_client: redis.Redis, redis_prefix: str
) -> None:
    _, call = _dialled(app)
    call.press("1")
    assert call_state(redis_client, redis_prefix, call.call_sid) is not None
    redis_client.delete(f"{redis_prefix}call:{call.call_sid}")  # as a failover that lost the last writes
    heard = text(call.press("1000000002#"))
    assert heard.startswith("We're sorry, we lost your place in this call and have to start again.")
    assert "Welcome to Customer Connect" in heard
