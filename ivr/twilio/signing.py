"""X-Twilio-Signature: HMAC-SHA1, keyed with the auth token, over the URL Twilio requested followed by
every form field's name and value in sorted order, in base64.

This is what twilio's ``RequestValidator.compute_signature`` computes (tests/web/test_signing.py holds the
two equal on random forms). Its ``validate`` computes the signature twice on every request, for the URL
with and without its port; here the URL as requested is tried first and the other spellings only when
that fails, so a genuine request costs one HMAC. No Flask here: the load generator signs with it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

_DEFAULT_PORTS = {"https": 443, "http": 80, "wss": 443, "ws": 80}


class TwilioSignature:
    """Computes and checks X-Twilio-Signature with one account's auth token."""

    def __init__(self, auth_token: str) -> None:
        self._key = auth_token.encode()

    def compute(self, url: str, form: Mapping[str, str] | None = None) -> str:
        signed = [url]
        if isinstance(form, MultiDict):  # a field may repeat: each distinct value counts, sorted
            for name in sorted(form.keys()):
                for value in sorted(set(form.getlist(name))):
                    signed += (name, value)
        elif form:
            for name in sorted(form):
                signed += (name, form[name])
        digest = hmac.new(self._key, "".join(signed).encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def valid(self, url: str, form: Mapping[str, str] | None, signature: str) -> bool:
        """Whether ``signature`` signs this URL (with or without its port, as Twilio may) and form."""
        given = signature.encode()
        return any(
            hmac.compare_digest(self.compute(candidate, form).encode(), given)
            for candidate in _spellings(url)
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
