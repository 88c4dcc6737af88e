"""Failed operator sign-ins per network address: at most LIMIT an hour, counted in Redis with expiry.

A second lock, apart from the per-operator lockout in the database (ivr.console.operators): one address
guessing many operators' passwords is stopped here. The key holds a digest of the address, not the address.
"""

from __future__ import annotations

import hashlib

import redis

LIMIT = 10
WINDOW_SECONDS = 3600


class FailedSignIns:
    def __init__(
        self, client: redis.Redis, prefix: str, limit: int = LIMIT, window: int = WINDOW_SECONDS
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}operator-sign-in:"
        self._limit = limit
        self._window = window

    def _key(self, address: str) -> str:
        return self._prefix + hashlib.sha256(address.encode()).hexdigest()[:32]

    def blocked(self, address: str) -> bool:
        count = self._client.get(self._key(address))
        return count is not None and int(count) >= self._limit

    def failed(self, address: str) -> None:
        key = self._key(address)
        with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self._window, nx=True)
            pipe.execute()
