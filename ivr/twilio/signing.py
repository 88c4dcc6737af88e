"""Twilio's request signatures, as twilio's ``RequestValidator`` computes them.

X-Twilio-Signature is an HMAC of the URL Twilio requested followed by every form field's name and value in
sorted order, in base64 (https://www.twilio.com/docs/usage/webhooks/webhooks-security). By default it is
HMAC-SHA1 keyed with the account's auth token. A Webhook Rule can have Twilio sign with a shared key
instead, with the algorithm it names (HMAC-SHA256): such a request carries
``X-Twilio-Webhooks-Signature-Settings: key=<shared key id>,algorithm=HMAC_SHA256``
(https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys). Both are accepted: without that header,
the auth token and SHA1; with it, the shared key it names (TWILIO_WEBHOOK_SHARED_KEYS) and its algorithm
(read by twilio's ``get_signature_algorithm``); an unknown key or algorithm is refused.

The signature itself is the library's ``compute_signature``. Its ``validate`` computes two signatures on
every request (the URL with and without its port); here the URL as requested is tried first and the other
spellings only when that fails, so a genuine request costs one HMAC. A URL may also be checked with the
connection overrides the service writes onto its URLs (ivr.twilio.connection_overrides) and without them.
No Flask here: the load generator and the simulator sign with it too.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from ivr.twilio.shared_keys import settings_key

__all__ = ["SIGNATURE_HEADER", "SIGNATURE_SETTINGS_HEADER", "TwilioSignature"]

_DEFAULT_PORTS = {"https": 443, "http": 80, "wss": 443, "ws": 80}
SUPPORTED_ALGORITHMS = frozenset({"HMAC_SHA1", "HMAC_SHA256"})


class TwilioSignature:
    """Computes and checks Twilio's signatures for one account: its auth token, and the shared keys its
    Webhook Rules sign with, by id."""

    def __init__(self, auth_token: str, shared_keys: Mapping[str, str] | None = None) -> None:
        self._token = RequestValidator(auth_token)
        self._shared = {key_id: RequestValidator(secret) for key_id, secret in (shared_keys or {}).items()}

    def compute(self, url: str, form: Mapping[str, str] | None = None, settings: str | None = None) -> str:
        """The signature of ``url`` and ``form``: with the auth token, or as the signature settings header
        ``settings`` says (a shared key this service knows). Raises KeyError or ValueError otherwise."""
        validator, algorithm = self._signer(settings)
        signature: str = validator.compute_signature(url, form or {}, algorithm)
        return signature

    def _signer(self, settings: str | None) -> tuple[RequestValidator, str]:
        if not settings:
            return self._token, HMAC_SHA1
        algorithm = get_signature_algorithm(settings).upper()
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(f"unsupported signature algorithm {algorithm}")
        return self._shared[settings_key(settings)], algorithm

    def valid(
        self,
        urls: str | Iterable[str],
        form: Mapping[str, str] | None,
        signature: str,
        settings: str | None = None,
    ) -> bool:
        """Whether ``signature`` signs one of ``urls`` (each with or without its port, as Twilio may) and
        ``form``, with the key and algorithm ``settings`` (X-Twilio-Webhooks-Signature-Settings) names."""
        try:
            validator, algorithm = self._signer(settings)
        except (KeyError, ValueError):
            return False
        given = signature.encode()
        candidates = [urls] if isinstance(urls, str) else list(urls)
        return any(
            hmac.compare_digest(validator.compute_signature(spelling, form or {}, algorithm).encode(), given)
            for url in candidates
            for spelling in _spellings(url)
        )


def _spellings(url: str) -> Iterator[str]:
    """The URL as requested, then (only if asked for) with and without its port, as twilio's validator
    tries them."""
    yield url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return
    host = parts.netloc.rsplit(":", 1)[0] if port else parts.netloc
    default = _DEFAULT_PORTS.get(parts.scheme, 80)
    with_port = parts.geturl() if port else parts._replace(netloc=f"{parts.netloc}:{default}").geturl()
    for other in (with_port, parts._replace(netloc=host).geturl()):
        if other != url:
            yield other
