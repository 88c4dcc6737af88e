"""What only the agency's own monitoring may ask: a bearer token (IVR_OPS_TOKEN) on the request.

Without the token configured, or without the right one on the request, /metrics answers 404 (to anyone
else it does not exist) and /healthz says only up or down. Compared in constant time.
"""

from __future__ import annotations

import hmac

from flask import abort, request

from ivr.web.services import services


def has_ops_token() -> bool:
    """Whether the request carries IVR_OPS_TOKEN as its bearer token (never, when none is configured)."""
    token = services().settings.ops_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def require_ops_token() -> None:
    if not has_ops_token():
        abort(404)
