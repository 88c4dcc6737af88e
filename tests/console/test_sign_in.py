"""Operators sign in with argon2-hashed passwords, are locked out after repeated failures, hold a server-side
session in a cookie no script can read, and change nothing without the session's CSRF token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from ivr.adapters.sql.console_tables import Operator as OperatorRow
from ivr.adapters.sql.database import make_session_factory
from ivr.cli.main import main
from ivr.console.app import create_console_app
from ivr.console.operators import LOCK_MINUTES, MAX_FAILURES, OperatorDirectory, OperatorError, SignIn
from tests.console.conftest import PASSWORD, Operator, add_operator, console, sign_in


@dataclass
class MovableClock:
    moment: dt.datetime

    def now(self) -> dt.datetime:
        return self.moment


def test_passwords_are_kept_as_argon2id_hashes_and_roles_are_checked(console_app: Flask) -> None:
    services = console(console_app)
    add_operator(console_app, "viewer")
    with make_session_factory(services.database)() as session:
        stored = session.scalars(select(OperatorRow.password_hash)).all()
    assert stored and all(value.startswith("$argon2id$") and PASSWORD not in value for value in stored)
    with pytest.raises(OperatorError, match="role"):
        services.operators.add("mallory", PASSWORD, "admin")
    with pytest.raises(OperatorError, match="12 to 256"):
        services.operators.add("mallory", "short", "viewer")
    with pytest.raises(OperatorError, match="already exists"):
        services.operators.add("viewer", PASSWORD, "viewer")


@pytest.mark.parametrize("zone", [dt.UTC, dt.timezone(dt.timedelta(hours=-8))])
def test_an_account_locks_after_repeated_failures_and_opens_again_later(
    console_app: Flask, zone: dt.tzinfo
) -> None:
    """Whatever the clock's zone (IVR_FIXED_TIME may carry an offset): on SQLite a lock written as its
    Pacific wall-clock time read back as that time in UTC, eight hours earlier, and held no one out."""
    clock = MovableClock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=zone))
    directory = OperatorDirectory(console(console_app).database, clock)
    add_operator(console_app, "editor")
    for _ in range(MAX_FAILURES - 1):
        assert directory.sign_in("editor", "wrong password!")[0] is SignIn.REFUSED
    assert directory.sign_in("editor", "wrong password!")[0] is SignIn.LOCKED_NOW
    assert directory.sign_in("editor", PASSWORD) == (SignIn.REFUSED, None)  # the right password, locked
    clock.moment += dt.timedelta(minutes=LOCK_MINUTES + 1)
    result, operator = directory.sign_in("editor", PASSWORD)
    assert result is SignIn.OK and operator is not None and operator.role == "editor"
    assert directory.sign_in("nobody", PASSWORD) == (SignIn.REFUSED, None)


def test_the_sign_in_page_locks_an_account_and_says_the_same_for_every_refusal(console_app: Flask) -> None:
    client = console_app.test_client()
    add_operator(console_app, "publisher")
    answers = [sign_in(client, "publisher", "not the password") for _ in range(MAX_FAILURES)]
    assert {answer.status_code for answer in answers} == {401}
    locked = sign_in(client, "publisher")
    unknown = sign_in(client, "nobody")
    assert locked.status_code == unknown.status_code == 401
    assert (
        "is wrong, or the account is locked" in locked.text
        and "is wrong, or the account is locked" in unknown.text
    )
    assert "locked until" in CliRunner().invoke(main, ["operator", "list"], env=_env(console_app)).output
    CliRunner().invoke(main, ["operator", "unlock", "publisher"], env=_env(console_app))
    assert sign_in(client, "publisher").status_code == 302


def test_too_many_failures_from_one_address_are_refused_for_every_account(console_app: Flask) -> None:
    client = console_app.test_client()
    for number in range(10):
        sign_in(client, f"guess{number}", "not the password")
    refused = sign_in(client, add_operator(console_app, "viewer"))
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text


def _env(app: Flask) -> dict[str, str]:
    settings = console(app).settings.service
    return {"DATABASE_URL": settings.database_url, "IVR_INSTANCE": str(settings.instance_path)}


def test_ivr_operator_add_reads_the_password_from_stdin_and_the_account_signs_in(console_app: Flask) -> None:
    runner = CliRunner()
    added = runner.invoke(
        main,
        ["operator", "add", "rosa", "--role", "editor", "--password-stdin"],
        input=PASSWORD + "\n",
        env=_env(console_app),
    )
    assert added.exit_code == 0, added.output
    assert "rosa\teditor" in runner.invoke(main, ["operator", "list"], env=_env(console_app)).output
    twice = runner.invoke(
        main, ["operator", "add", "rosa", "--password-stdin"], input=PASSWORD + "\n", env=_env(console_app)
    )
    assert twice.exit_code == 1 and "already exists" in twice.output
    assert sign_in(console_app.test_client(), "rosa").status_code == 302


def test_the_session_cookie_is_httponly_and_strict_and_ends_at_sign_out(console_app: Flask) -> None:
    client = console_app.test_client()
    answer = sign_in(client, add_operator(console_app, "viewer"))
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith("ivr-console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    operator = Operator(client)
    assert operator.get("/api/flow").status_code == 200
    assert client.post("/sign-out", data={"csrf_token": operator.csrf}).status_code == 302
    assert client.get("/api/flow").status_code == 401
    assert client.get("/").status_code == 302


def test_in_production_the_cookies_are_secure_with_the_host_prefix(console_config: dict[str, str]) -> None:
    app = create_console_app(
        {**console_config, "IVR_ENV": "production", "IVR_AUTO_MIGRATE": "1", "IVR_FIXED_TIME": ""}
    )
    console(app).operators.add("ana", PASSWORD, "viewer")
    client = app.test_client()
    https = "https://console.example.org"
    page = client.get("/sign-in", base_url=https)
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    answer = client.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "form_token": token}, base_url=https
    )
    cookie = next(
        value for value in answer.headers.getlist("Set-Cookie") if value.startswith("__Host-ivr-console=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    console(app).close()


def test_a_sign_in_without_the_forms_token_is_refused(console_app: Flask) -> None:
    client = console_app.test_client()
    answer = client.post(
        "/sign-in",
        data={"name": add_operator(console_app, "viewer"), "password": PASSWORD, "form_token": "forged"},
    )
    assert answer.status_code == 400 and client.get("/api/flow").status_code == 401


def test_changes_need_the_sessions_csrf_token_and_this_origin(signed_in: Callable[[str], Operator]) -> None:
    operator = signed_in("publisher")
    body: dict[str, dict[str, str]] = {"files": {}}
    assert operator.client.post("/api/validate", json=body).status_code == 403
    assert (
        operator.client.post("/api/validate", json=body, headers={"X-CSRF-Token": "forged"}).status_code
        == 403
    )
    elsewhere = {"X-CSRF-Token": operator.csrf, "Origin": "https://evil.example.com"}
    assert operator.client.post("/api/validate", json=body, headers=elsewhere).status_code == 403
    assert operator.post("/api/validate", body).status_code == 200


def test_each_role_may_do_only_its_part(signed_in: Callable[[str], Operator]) -> None:
    viewer, editor = signed_in("viewer"), signed_in("editor")
    assert viewer.get("/api/flow").status_code == 200
    assert viewer.post("/api/validate", {"files": {}}).status_code == 403
    assert editor.post("/api/validate", {"files": {}}).status_code == 200
    refused = editor.post("/api/publish", {"files": {}, "digest": "x"})
    assert refused.status_code == 403 and "publisher" in refused.json["error"]


def test_the_page_sends_a_content_security_policy_that_loads_nothing_from_elsewhere(
    signed_in: Callable[[str], Operator],
) -> None:
    page = signed_in("viewer").get("/")
    policy = page.headers["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self';" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert page.headers["X-Frame-Options"] == "DENY"
