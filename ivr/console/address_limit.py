"""Failed operator sign-ins per network address: at most LIMIT an hour, counted in Redis with expiry.

A second lock, apart from the per-operator lockout in the database (ivr.console.operators): one address
guessing many operators' passwords is stopped here. The key holds a digest of the address, not the address.
"""

from __future__ import annotations

import hashlib

import redis

LIMIT = 10
WINDOW_SECONDS = 3600

# Count a failure; the first one of a window starts its clock, later ones do not move it. A script, not
# EXPIRE's NX option, which needs Redis 7: the embedded Redis the service runs on its defaults is 6.2.
_COUNT_FAILURE = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class FailedSignIns:
    def __init__(
        self, client: redis.Redis, prefix: str, limit: int = LIMIT, window: int = WINDOW_SECONDS
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}operator-sign-in:"
        self._limit = limit
        self._window = window
        self._count_failure = client.register_script(_COUNT_FAILURE)

    def _key(self, address: str) -> str:
        return self._prefix + hashlib.sha256(address.encode()).hexdigest()[:32]

    def blocked(self, address: str) -> bool:
        count = self._client.get(self._key(address))
        return count is not None and int(count) >= self._limit

    def failed(self, address: str) -> None:
        self._count_failure(keys=[self._key(address)], args=[self._window])
