"""Attempt limits across calls and channels: counters in Redis with expiry.

A key (a participant, a calling number) that fails ``limit`` times within ``window`` is blocked until the
window passes; success clears it. Keys name internal ids and a digest of the calling number, never a PIN,
an SSN or digits a caller typed.
"""

from __future__ import annotations

import hashlib
import threading
import time

import redis

# Three wrong PINs in a row lock PIN entry for that participant for 30 minutes.
PARTICIPANT_LIMIT, PARTICIPANT_WINDOW_SECONDS = 3, 30 * 60
# A calling number gets more room (a family may share a phone), over an hour.
CALLER_LIMIT, CALLER_WINDOW_SECONDS = 10, 60 * 60


def participant_key(participant: int) -> str:
    return f"participant:{participant}"


def caller_key(number: str) -> str:
    return "caller:" + hashlib.sha256(number.encode()).hexdigest()[:24]


def _limits(key: str) -> tuple[int, int]:
    if key.startswith("participant:"):
        return PARTICIPANT_LIMIT, PARTICIPANT_WINDOW_SECONDS
    return CALLER_LIMIT, CALLER_WINDOW_SECONDS


_FAIL = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisAttemptLimiter:
    def __init__(self, client: redis.Redis, prefix: str = "ivr:") -> None:
        self._client = client
        self._prefix = f"{prefix}attempts:"
        self._fail = client.register_script(_FAIL)

    def blocked(self, *keys: str) -> bool:
        """Whether any of the keys is blocked, in one round trip."""
        if not keys:
            return False
        counts = self._client.mget([self._prefix + key for key in keys])
        return any(
            count is not None and int(count) >= _limits(key)[0]
            for key, count in zip(keys, counts, strict=True)
        )

    def failed(self, key: str) -> bool:
        limit, window = _limits(key)
        # the window restarts when the limit is reached, so a lock lasts the whole window
        count = int(self._fail(keys=[self._prefix + key], args=[window, limit]))
        return count == limit

    def clear(self, *keys: str) -> None:
        if keys:
            self._client.delete(*(self._prefix + key for key in keys))


class MemoryAttemptLimiter:
    """The same limits in one process, for offline tools (`ivr test`, `ivr chat`) only."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _current(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.monotonic() else 0

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            return any(self._current(key) >= _limits(key)[0] for key in keys)

    def failed(self, key: str) -> bool:
        limit, window = _limits(key)
        with self._lock:
            count = self._current(key) + 1
            self._counts[key] = (count, time.monotonic() + window)
            return count == limit

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._counts.pop(key, None)
