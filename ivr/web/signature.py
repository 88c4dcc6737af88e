"""Every Twilio route is wrapped in ``twilio_signed``: a missing or forged X-Twilio-Signature gets a 403.

The URL that Twilio signed is the public one. Behind a TLS-terminating proxy set PUBLIC_BASE_URL (e.g.
https://ivr.example.org) so the check uses it; X-Forwarded-* headers are never trusted by default. Twilio
signed the URL it was given, with the connection overrides (TWILIO_CONNECTION_OVERRIDES) that the number's
URL and every URL the service writes carry: the check tries that URL first, then the URL alone.

How the signature is computed, with the auth token or a Webhook Rule's shared key: ivr.twilio.signing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import wraps
from typing import TypeVar

from flask import abort, request

from ivr.service.settings import is_loopback
from ivr.twilio.connection_overrides import with_overrides
from ivr.twilio.signing import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER
from ivr.web.services import services

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., object])


def public_base() -> str:
    """The service's base URL as Twilio addresses it: PUBLIC_BASE_URL, or this request's scheme and host."""
    return services().settings.public_base_url or f"{request.scheme}://{request.host}{request.root_path}"


def twilio_url(path_and_query: str) -> str:
    """A URL of this service for Twilio to call back: public, and carrying the connection overrides."""
    return with_overrides(f"{public_base()}{path_and_query}", services().settings.connection_overrides)


def public_url() -> str:
    """The URL of this request as Twilio addressed it: the query string exactly as it was sent."""
    query = request.query_string.decode("latin-1")
    return f"{public_base()}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature(url: str, form: Mapping[str, str]) -> None:
    """A 403 unless X-Twilio-Signature signs ``url`` and ``form`` (and, with the development token, unless
    the request comes from this machine)."""
    ivr = services()
    if ivr.settings.dev_token and not is_loopback(request.remote_addr):
        log.warning("development token: refusing a request from a non-loopback address")
        abort(403)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    settings = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    urls = [with_overrides(url, ivr.settings.connection_overrides), url]
    if not signature or not ivr.signature.valid(dict.fromkeys(urls), form, signature, settings):
        log.warning("rejected a request without a valid Twilio signature", extra={"path": request.path})
        abort(403)


def twilio_signed(view: F) -> F:
    @wraps(view)
    def checked(*args: object, **kwargs: object) -> object:
        require_twilio_signature(public_url(), request.form)
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]  # wraps keeps the signature of view
