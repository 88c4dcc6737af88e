"""Who is asking: the operator behind a request's session cookie, their role, and the CSRF check.

Views say the least role they need with ``@requires("editor")``; a request without a session gets a 401
(a page: the sign-in form), a role too low a 403, and a request that changes something without the
session's CSRF token, or from another origin, a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Response, abort, g, jsonify, redirect, request, url_for

from ivr.console.operators import OperatorInfo
from ivr.console.sessions import Session, cookie_name, same
from ivr.console.wiring import console_services

F = TypeVar("F", bound=Callable[..., object])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def secure_cookies() -> bool:
    return console_services().settings.secure_cookies or request.is_secure


def session_token() -> str | None:
    return request.cookies.get(cookie_name(secure_cookies()))


def _same_origin() -> bool:
    """A browser names the page that sent a request; it must be this console (absent: not a browser's
    cross-site request, which always says where it comes from)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.host and parts.scheme == request.scheme


def _signed_in() -> tuple[Session, OperatorInfo] | None:
    if "operator" in g:
        return g.session, g.operator
    ivr = console_services()
    session = ivr.sessions.load(session_token())
    operator = ivr.operators.get(session.operator_id) if session else None
    if session is None or operator is None:
        return None
    g.session, g.operator = session, operator
    return session, operator


def current_operator() -> OperatorInfo | None:
    found = _signed_in()
    return found[1] if found else None


def _refuse(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def requires(role: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: object, **kwargs: object) -> object:
            found = _signed_in()
            if found is None:
                if request.path.startswith("/api/"):
                    return _refuse(401, "sign in first")
                return redirect(url_for("pages.sign_in_form"))
            session, operator = found
            if request.method not in SAFE_METHODS and (
                not _same_origin()
                or not same(
                    request.headers.get("X-CSRF-Token") or request.form.get("csrf_token"), session.csrf
                )
            ):
                return _refuse(403, "this request did not come from the console page (CSRF check)")
            if not operator.may(role):
                return _refuse(403, f"this needs the {role} role; you are a {operator.role}")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def json_body() -> dict[str, object]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body
