"""What only the agency's own monitoring may ask: a bearer token (IVR_OPS_TOKEN) on the request.

Without the token configured, or without the right one on the request, the answer is a 404: to anyone
else, these endpoints do not exist. Compared in constant time.
"""

from __future__ import annotations

import hmac

from flask import abort, request

from ivr.web.services import services


def require_ops_token() -> None:
    token = services().settings.ops_token
    presented = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
        abort(404)
