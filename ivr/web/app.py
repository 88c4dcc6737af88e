"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

from ivr.service.settings import Settings
from ivr.service.wiring import Services, build_services
from ivr.web.audio import audio
from ivr.web.health import health
from ivr.web.metrics import metrics
from ivr.web.proxies import TrustedProxies
from ivr.web.services import init_app
from ivr.web.sms import sms
from ivr.web.tty import tty
from ivr.web.voice import voice

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024  # a Twilio webhook is a few hundred bytes


class NoCookieSessions(SecureCookieSessionInterface):
    """Twilio keeps no cookies and call state lives in Redis: no request opens a cookie session (Flask's
    default would build a signing serializer for every request)."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None


def create_app(config: Mapping[str, Any] | None = None, built: Services | None = None) -> Flask:
    """Build the webhook app. ``config`` overrides environment settings (tests pass DATABASE_URL etc.)."""
    settings = built.settings if built else Settings.load(config)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    app.session_interface = NoCookieSessions()
    # X-Forwarded-* from exactly this many proxies, and only from the proxies named; never by default.
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, settings.proxy_hops, settings.trusted_proxies if settings.proxy_hops else ()
    )
    ivr = built or build_services(settings)
    init_app(app, ivr)
    if settings.watch_flow:
        ivr.watch_flow()
    if settings.dev_token:
        log.warning(
            "DEVELOPMENT MODE: TWILIO_AUTH_TOKEN is not set; using a generated token from %s and serving "
            "loopback addresses only. Set TWILIO_AUTH_TOKEN before pointing a Twilio number here.",
            settings.instance_path / "dev-secrets.json",
        )
    app.register_blueprint(voice)
    app.register_blueprint(sms)
    app.register_blueprint(audio)
    app.register_blueprint(tty)
    app.register_blueprint(health)
    app.register_blueprint(metrics)

    return app
