"""The console is its own app on its own port: the Twilio webhook app serves none of it, in production
above all (docs/operator-console.md)."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.web.app import create_app
from tests.conftest import close_app

CONSOLE_PATHS = (
    "/",
    "/sign-in",
    "/sign-out",
    "/api/flow",
    "/api/funnel",
    "/api/publish",
    "/static/console.js",
)


@pytest.mark.parametrize("environment", ["production", "development"])
def test_the_webhook_app_has_no_console_route(app_config: dict[str, str], environment: str) -> None:
    webhook: Flask = create_app({**app_config, "IVR_ENV": environment, "IVR_FIXED_TIME": ""})
    client = webhook.test_client()
    for path in CONSOLE_PATHS:
        assert client.get(path).status_code == 404, path
        assert client.post(path, data={"name": "publisher"}).status_code in (404, 405), path
    routes = {rule.rule for rule in webhook.url_map.iter_rules()}
    assert not any(rule.startswith(("/api", "/sign-in", "/sign-out")) for rule in routes), routes
    close_app(webhook)
