"""The operator console's app factory: its own Flask app, served on its own port (`ivr console`,
`gunicorn console:app`), never by the Twilio webhook app (ivr.web), which has none of these routes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.console.api_calls import api_calls
from ivr.console.api_flow import api_flow
from ivr.console.api_funnel import api_funnel
from ivr.console.pages import pages
from ivr.console.settings import ConsoleSettings
from ivr.console.wiring import ConsoleServices, build_console_services, console_services
from ivr.service.settings import is_loopback

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 2 * 1024 * 1024  # a draft of every flow file
# The page loads nothing from elsewhere; CodeMirror and Chart.js set inline styles on their elements.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_console_app(
    config: Mapping[str, Any] | None = None, built: ConsoleServices | None = None
) -> Flask:
    settings = built.settings if built else ConsoleSettings.load(config)
    app = Flask(
        __name__,
        instance_path=str(settings.service.instance_path),
        static_folder=str(settings.assets_path),
        static_url_path="/static",
    )
    app.config.update(SECRET_KEY=settings.service.secret_key, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    if settings.service.proxy_hops:
        hops = settings.service.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    app.extensions["ivr_console"] = built or build_console_services(settings)
    app.register_blueprint(pages)
    app.register_blueprint(api_flow)
    app.register_blueprint(api_calls)
    app.register_blueprint(api_funnel)
    app.before_request(_loopback_only_in_development)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _failure)
    return app


def _loopback_only_in_development() -> Response | None:
    """Without TWILIO_AUTH_TOKEN the service is a development instance: like the webhook, the console then
    answers this machine only."""
    if console_services().settings.service.dev_token and not is_loopback(request.remote_addr):
        return _error(403, "a development console answers this machine only")
    return None


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if request.path.startswith("/api/") or request.path in ("/", "/sign-in"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response:
    if not request.path.startswith("/api/"):
        return error.get_response()  # type: ignore[return-value]
    return _error(error.code or 500, error.description or error.name)


def _failure(error: Exception) -> Response:
    log.exception("the console failed to answer %s %s", request.method, request.path)
    return _error(500, "the console could not do that; the error is in its log")
