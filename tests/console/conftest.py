"""Fixtures for the operator console: its app on a writable copy of the flow, the real Redis and databases,
an operator of each role, and a client signed in as one of them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.console.app import create_console_app
from ivr.console.phone import open_sandbox
from ivr.console.wiring import ConsoleServices
from tests.conftest import ROOT, close_app

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def sandbox_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser phone's sandbox, made and seeded once; each test gets a copy (as a console's first start
    would make it)."""
    path = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    open_sandbox(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def console_config(
    app_config: dict[str, str], flow_dir: Path, tmp_path: Path, sandbox_template: Path
) -> dict[str, str]:
    sandbox = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(sandbox_template, sandbox)
    return {
        **app_config,
        "IVR_FLOW": str(flow_dir),
        "IVR_CONSOLE_SCRIPTS": str(ROOT / "tests" / "calls"),
        "IVR_CONSOLE_SANDBOX": str(sandbox),
    }


@pytest.fixture
def console_app(console_config: dict[str, str]) -> Iterator[Flask]:
    app = create_console_app(console_config)
    yield app
    console(app).close()


def add_operator(app: Flask, role: str) -> str:
    """An operator named after its role (argon2 at full cost takes a while: only those a test needs)."""
    if role not in {info.name for info in console(app).operators.all()}:
        console(app).operators.add(role, PASSWORD, role)
    return role


def console(app: Flask) -> ConsoleServices:
    services: ConsoleServices = app.extensions["ivr_console"]
    return services


def form_token(client: FlaskClient) -> str:
    page = client.get("/sign-in")
    found = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/sign-in", data={"name": name, "password": password, "form_token": form_token(client)}
    )


class Operator:
    """A test client signed in to the console, sending the session's CSRF token as the page does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        page = client.get("/")
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert found, page.text
        self.csrf = found.group(1)

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def post(self, path: str, body: object = None) -> Any:
        return self.client.post(
            path, json=body if body is not None else {}, headers={"X-CSRF-Token": self.csrf}
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers={"X-CSRF-Token": self.csrf})


@pytest.fixture
def signed_in(console_app: Flask) -> Callable[[str], Operator]:
    def make(role: str) -> Operator:
        client = console_app.test_client()
        assert sign_in(client, add_operator(console_app, role)).status_code == 302
        return Operator(client)

    return make


__all__ = ["PASSWORD", "Operator", "add_operator", "close_app", "console", "sign_in"]
