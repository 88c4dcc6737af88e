"""The Redis client for REDIS_URL: one server (redis://, rediss://, unix://) or a master found through
Redis Sentinel (redis+sentinel://, rediss+sentinel://), with timeouts that fit a webhook's time budget.

redis-py does the work: ``redis.Redis.from_url`` for one server, ``redis.sentinel.Sentinel.master_for``
for Sentinel. A Sentinel-managed connection asks the Sentinels where the master is whenever it connects,
and a master that was demoted to a replica (its writes answer ReadOnlyError) is dropped and looked up
again: with the one retry configured here, the command that met the demoted master runs again on the new
one. Redis Cluster is not supported (docs/deploy.md).

A Sentinel URL names the Sentinels, the master's name and the database::

    redis+sentinel://[[user]:password@]host:port[,host:port...]/<master name>[/<db>][?options]

The user and password are the master's (Redis AUTH). Options: ``sentinel_username`` and
``sentinel_password`` when the Sentinels require AUTH themselves; with ``rediss+sentinel://`` every
connection (Sentinels and master) uses TLS, and ``ssl_ca_certs`` (a file), ``ssl_cert_reqs``
(``required``, ``optional`` or ``none``), ``ssl_certfile`` and ``ssl_keyfile`` apply to all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import redis
from redis.backoff import ConstantBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from ivr.core.errors import IvrError

SENTINEL_SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}  # scheme -> TLS
DEFAULT_SENTINEL_PORT = 26379
_TLS_OPTIONS = ("ssl_ca_certs", "ssl_cert_reqs", "ssl_certfile", "ssl_keyfile")
_SENTINEL_OPTIONS = ("sentinel_username", "sentinel_password")
# Between the first try of a command and its one retry: long enough for a fresh master lookup, short
# against a webhook's budget.
RETRY_PAUSE_SECONDS = 0.1


class RedisUrlError(IvrError, ValueError):
    """REDIS_URL cannot be understood; the message says which part is wrong (never the password)."""

    hint = "docs/deploy.md shows the forms of REDIS_URL"


@dataclass(frozen=True)
class SentinelUrl:
    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    options: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return (
            f"SentinelUrl(sentinels={self.sentinels!r}, master={self.master!r}, db={self.db}, tls={self.tls})"
        )


def is_sentinel_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SENTINEL_SCHEMES


def parse_sentinel_url(url: str) -> SentinelUrl:
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in SENTINEL_SCHEMES:
        raise RedisUrlError(f"not a Sentinel URL: the scheme is {scheme!r}")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    username, password = None, None
    if userinfo:
        user, has_password, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if has_password else None
    sentinels = tuple(_host_port(part) for part in hosts.split(",") if part)
    if not sentinels:
        raise RedisUrlError(
            "a Sentinel URL names at least one Sentinel: redis+sentinel://host:26379/<master>"
        )
    parts = [unquote(part) for part in path.split("/") if part]
    if not parts or len(parts) > 2:
        raise RedisUrlError("a Sentinel URL's path is /<master name> or /<master name>/<db>")
    try:
        db = int(parts[1]) if len(parts) == 2 else 0
    except ValueError:
        raise RedisUrlError(f"the database in a Sentinel URL is a number, not {parts[1]!r}") from None
    options = {name: values[-1] for name, values in parse_qs(query).items()}
    unknown = sorted(set(options) - {*_TLS_OPTIONS, *_SENTINEL_OPTIONS})
    if unknown:
        raise RedisUrlError(f"unknown option(s) in the Sentinel URL: {', '.join(unknown)}")
    tls = SENTINEL_SCHEMES[scheme.lower()]
    if not tls and any(name in options for name in _TLS_OPTIONS):
        raise RedisUrlError("TLS options need the rediss+sentinel:// scheme")
    return SentinelUrl(sentinels, parts[0], db, username, password, tls, options)


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text and not text.endswith("]") else (text, "", "")
    host = host.strip("[]")
    if not host:
        raise RedisUrlError(f"a Sentinel's address needs a host: {text!r}")
    try:
        return host, int(port) if port else DEFAULT_SENTINEL_PORT
    except ValueError:
        raise RedisUrlError(f"a Sentinel's port is a number: {text!r}") from None


def _retry(retries: int) -> Retry:
    """Retries after a connection error or a timeout: one follows a failed-over master, and keeps the
    worst case of a command to twice the socket timeout."""
    return Retry(ConstantBackoff(RETRY_PAUSE_SECONDS), retries)


def connect(url: str, timeout_seconds: float, retries: int = 1) -> redis.Redis:
    """A client for REDIS_URL whose every command ends within about ``retries + 1`` times
    ``timeout_seconds`` (connecting, reading, and for Sentinel each Sentinel asked)."""
    timeouts: dict[str, Any] = {"socket_timeout": timeout_seconds, "socket_connect_timeout": timeout_seconds}
    if not is_sentinel_url(url):
        return redis.Redis.from_url(url, retry=_retry(retries), **timeouts)
    parsed = parse_sentinel_url(url)
    tls: dict[str, Any] = {"ssl": True, **{k: v for k, v in parsed.options.items() if k in _TLS_OPTIONS}}
    tls = tls if parsed.tls else {}
    sentinel_auth = {
        name.removeprefix("sentinel_"): value
        for name, value in parsed.options.items()
        if name in _SENTINEL_OPTIONS
    }
    # redis-py's Sentinel class has no type annotations; what it returns is a redis.Redis.
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(parsed.sentinels),
        sentinel_kwargs={**timeouts, **tls, **sentinel_auth},
        **timeouts,
        **tls,
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]  # see above
        parsed.master,
        db=parsed.db,
        username=parsed.username,
        password=parsed.password,
        retry=_retry(retries),
    )
    return client
