"""X-Forwarded-* headers, trusted only from the proxies the agency names (IVR_TRUSTED_PROXIES).

Behind a TLS-terminating proxy the URL Twilio signed is the proxy's, which it reports in X-Forwarded-Proto
and -Host; the client's address in X-Forwarded-For. Anyone who reaches the app directly could send the same
headers, so they are read (werkzeug's ProxyFix, IVR_PROXY_HOPS deep) only when the connection itself comes
from a trusted proxy, and removed otherwise.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)
_FORWARDED_ALL = (*_FORWARDED, "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def from_network(address: str | None, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """ProxyFix for requests from ``networks``; every other request loses its forwarded headers."""

    def __init__(self, app: WSGIApplication, hops: int, networks: Iterable[Network]) -> None:
        self._direct = app
        self._networks = tuple(networks)
        self._behind_proxy = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        if from_network(environ.get("REMOTE_ADDR"), self._networks):
            return self._behind_proxy(environ, start_response)
        for header in _FORWARDED_ALL:
            environ.pop(header, None)
        return self._direct(environ, start_response)
