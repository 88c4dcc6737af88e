"""The project's Twilio simulator (ivr.twilio.simulator) wired to a Flask test client instead of HTTP."""

from __future__ import annotations

from flask.testing import FlaskClient

from ivr.twilio.simulator import Heard, Transport, TwilioSimulator
from tests.conftest import AUTH_TOKEN

BASE_URL = "http://localhost"


def flask_transport(client: FlaskClient) -> Transport:
    def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
        response = client.post(url, data=form, headers=headers)
        assert response.status_code in (200, 204), (response.status_code, response.data[:300])
        return response.get_data()

    return post


def phone(client: FlaskClient, caller: str = "+15555550123", base_url: str = BASE_URL) -> TwilioSimulator:
    """A call to the app under test; ``base_url``: the URL Twilio signs (the app's PUBLIC_BASE_URL)."""
    return TwilioSimulator(
        base_url=base_url, auth_token=AUTH_TOKEN, transport=flask_transport(client), caller=caller
    )


def text(heard: list[Heard]) -> str:
    return " ".join(item.text for item in heard)


def languages(heard: list[Heard]) -> set[str]:
    return {item.language for item in heard}
