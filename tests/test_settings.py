"""Settings: safe development defaults, and a production mode that refuses to start half-configured."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask

from ivr.service.settings import ConfigError, Settings
from ivr.web.app import create_app
from tests.conftest import close_app, signed_post


def test_development_generates_secrets_once_readable_only_by_the_owner(tmp_path: Path) -> None:
    first = Settings.load({"IVR_INSTANCE": str(tmp_path)}, environ={})
    second = Settings.load({"IVR_INSTANCE": str(tmp_path)}, environ={})
    assert first.dev_token and first.twilio_auth_token == second.twilio_auth_token
    assert first.pin_pepper == second.pin_pepper and len(first.pin_pepper) >= 32
    assert stat.S_IMODE((tmp_path / "dev-secrets.json").stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'accounts.sqlite3'}"
    assert first.redis_url is None


def test_a_configured_token_is_not_a_development_token(tmp_path: Path) -> None:
    settings = Settings.load({"IVR_INSTANCE": str(tmp_path), "TWILIO_AUTH_TOKEN": "abc"}, environ={})
    assert not settings.dev_token and settings.twilio_auth_token == "abc"


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        Settings.load({"IVR_INSTANCE": str(tmp_path), "IVR_ENV": "production"}, environ={})
    assert not (tmp_path / "dev-secrets.json").exists()


def test_production_starts_with_everything_set(tmp_path: Path) -> None:
    values = {
        "IVR_ENV": "production",
        "TWILIO_AUTH_TOKEN": "t",
        "IVR_PIN_PEPPER": "p" * 32,
        "IVR_SSN_KEY": "s" * 32,
        "SECRET_KEY": "k",
        "DATABASE_URL": "postgresql://db/ivr",
        "REDIS_URL": "redis://cache:6379/0",
        "PUBLIC_BASE_URL": "https://ivr.example.org/",
    }
    settings = Settings.load(values, environ={})
    assert settings.production and not settings.dev_token
    assert settings.public_base_url == "https://ivr.example.org"


def test_a_development_token_serves_loopback_callers_only(app_config: dict[str, str]) -> None:
    config = {k: v for k, v in app_config.items() if k != "TWILIO_AUTH_TOKEN"}
    app: Flask = create_app(config)
    token = app.extensions["ivr"].settings.twilio_auth_token
    client = app.test_client()
    form = {"CallSid": "CA" + "2" * 32}
    assert signed_post(client, "/voice", form, token=token).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert signed_post(client, "/voice", form, token=token).status_code == 403
    close_app(app)


def test_the_public_base_url_is_what_the_signature_covers(app_config: dict[str, str]) -> None:
    app = create_app({**app_config, "PUBLIC_BASE_URL": "https://ivr.example.org"})
    client = app.test_client()
    form = {"CallSid": "CA" + "3" * 32}
    assert signed_post(client, "https://ivr.example.org/voice", form).status_code == 200
    assert signed_post(client, "http://localhost/voice", form).status_code == 403
    response = signed_post(client, "https://ivr.example.org/voice", form)
    assert b"https://ivr.example.org/voice/turn?t=1" in response.data
    close_app(app)
