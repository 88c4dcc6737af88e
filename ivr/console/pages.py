"""The console's pages: the sign-in form, signing out, and the one page the console's script runs in."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from ivr.console.auth import current_operator, requires, secure_cookies, session_token
from ivr.console.operators import LOCK_MINUTES, MAX_FAILURES, SignIn
from ivr.console.sessions import SIGN_IN_FORM_SECONDS, cookie_name, form_cookie_name, same
from ivr.console.wiring import console_services

pages = Blueprint("pages", __name__)


def _cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=secure_cookies(), httponly=True, samesite="Strict"
    )


def _form(error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = make_response(render_template("sign_in.html", form_token=token, error=error), status)
    _cookie(response, form_cookie_name(secure_cookies()), token, SIGN_IN_FORM_SECONDS)
    return response


@pages.get("/sign-in")
def sign_in_form() -> Response:
    if current_operator() is not None:
        return redirect(url_for("pages.console"))
    return _form()


@pages.post("/sign-in")
def sign_in() -> Response:
    ivr = console_services()
    if not same(request.form.get("form_token"), request.cookies.get(form_cookie_name(secure_cookies()), "")):
        return _form("The form had expired. Please sign in again.", 400)
    address = request.remote_addr or "unknown"
    refused = (
        f"The name or password is wrong, or the account is locked. After {MAX_FAILURES} failed attempts an "
        f"account is locked for {LOCK_MINUTES} minutes."
    )
    if ivr.sign_in_limiter.blocked(address):
        return _form("Too many failed sign-ins from this address. Try again in an hour.", 429)
    result, operator = ivr.operators.sign_in(request.form.get("name", ""), request.form.get("password", ""))
    if result is not SignIn.OK or operator is None:
        ivr.sign_in_limiter.failed(address)
        return _form(refused, 401)
    token, _ = ivr.sessions.create(operator.id)
    response = redirect(url_for("pages.console"))
    _cookie(response, cookie_name(secure_cookies()), token, None)
    response.delete_cookie(
        form_cookie_name(secure_cookies()), path="/", secure=secure_cookies(), samesite="Strict"
    )
    return response


@pages.post("/sign-out")
@requires("viewer")
def sign_out() -> Response:
    console_services().sessions.end(session_token())
    response = redirect(url_for("pages.sign_in_form"))
    response.delete_cookie(
        cookie_name(secure_cookies()), path="/", secure=secure_cookies(), samesite="Strict"
    )
    return response


@pages.get("/")
@requires("viewer")
def console() -> Response:
    ivr = console_services()
    return make_response(
        render_template(
            "console.html",
            operator=g.operator,
            csrf=g.session.csrf,
            assets_built=ivr.settings.assets_path.joinpath("console.js").is_file(),
        )
    )


@pages.get("/prompts/audio/<language>/<name>")
@requires("viewer")
def recording(language: str, name: str) -> Response:
    """A built prompt recording for the browser phone: only files the build's manifest names (ivr.media.recordings)."""
    path = console_services().phone.audio.path_for(language, name)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", conditional=True)
