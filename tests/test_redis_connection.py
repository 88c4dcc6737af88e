"""REDIS_URL: one server or a master found through Sentinel; what a Sentinel URL may say, and what it may not.

A real Sentinel fleet (master, replica, three Sentinels, a failover) is driven by the fleet tests
(tests/fleet, bench/fleet.py); here the URL's parts and one real Sentinel lookup.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ivr.adapters.redis.connection import RedisUrlError, connect, is_sentinel_url, parse_sentinel_url
from tests.conftest import free_port


def test_a_sentinel_url_names_the_sentinels_the_master_and_the_database() -> None:
    url = parse_sentinel_url("redis+sentinel://10.0.0.1:26379,sentinel-b:26380,sentinel-c/calls/2")
    assert url.sentinels == (("10.0.0.1", 26379), ("sentinel-b", 26380), ("sentinel-c", 26379))
    assert url.master == "calls" and url.db == 2 and not url.tls and url.password is None


def test_password_tls_and_sentinel_auth() -> None:
    url = parse_sentinel_url(
        "rediss+sentinel://ivr:s%40cret@h1:26379,h2:26379/calls"
        "?sentinel_password=other&ssl_ca_certs=/etc/ssl/redis-ca.pem"
    )
    assert url.tls and url.username == "ivr" and url.password == "s@cret" and url.db == 0
    assert url.options == {"sentinel_password": "other", "ssl_ca_certs": "/etc/ssl/redis-ca.pem"}
    assert "s@cret" not in repr(url) and "other" not in repr(url)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("redis+sentinel:///calls", "at least one Sentinel"),
        ("redis+sentinel://h1:26379", "path is /<master name>"),
        ("redis+sentinel://h1:26379/calls/zero", "a number"),
        ("redis+sentinel://h1:port/calls", "port is a number"),
        ("redis+sentinel://h1/calls?ssl_ca_certs=/ca.pem", "rediss+sentinel"),
        ("redis+sentinel://h1/calls?sockettimeout=3", "unknown option"),
    ],
)
def test_a_wrong_sentinel_url_says_what_is_wrong(url: str, complaint: str) -> None:
    with pytest.raises(RedisUrlError, match=re.escape(complaint)):
        parse_sentinel_url(url)


def test_plain_urls_are_not_sentinel_urls() -> None:
    assert not is_sentinel_url("redis://cache:6379/0") and not is_sentinel_url("unix:///run/redis.sock")
    assert is_sentinel_url("REDIS+SENTINEL://h/calls")


@pytest.fixture
def sentinel_pair(tmp_path: Path) -> Iterator[str]:
    """A real Redis server and one real Sentinel watching it (Debian's redis-sentinel)."""
    sentinel_binary = shutil.which("redis-sentinel")
    server_binary = shutil.which("redis-server")
    if not sentinel_binary or not server_binary:
        pytest.skip("redis-server and redis-sentinel are not installed (scripts/system-packages.sh)")
    port, sentinel_port = free_port(), free_port()
    server = subprocess.Popen(
        [server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\nsentinel monitor calls 127.0.0.1 {port} 1\n"
    )
    sentinel = subprocess.Popen([sentinel_binary, str(config)], stdout=subprocess.DEVNULL)
    try:
        yield f"redis+sentinel://127.0.0.1:{free_port()},127.0.0.1:{sentinel_port}/calls/3"
    finally:
        for process in (sentinel, server):
            process.terminate()
            process.wait(timeout=10)


def test_a_sentinel_url_reaches_the_master_it_names(sentinel_pair: str) -> None:
    client = connect(
        sentinel_pair, timeout_seconds=1.0
    )  # the first Sentinel listed is down: the next answers
    deadline = time.monotonic() + 10
    while True:
        try:
            client.set("ivr-test:sentinel", "1", ex=10)
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert client.get("ivr-test:sentinel") == b"1"
    assert client.connection_pool.connection_kwargs["db"] == 3
    client.close()
