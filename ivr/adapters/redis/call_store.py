"""RedisCallStore: one key per call, JSON CallState, a TTL, and compare-and-set writes.

A call's start is one SET that only writes when the call has no state yet (a start delivered twice, or
replayed, cannot reset a call in progress); every answer after it is one GET and one compare-and-set.
"""

from __future__ import annotations

import redis

from ivr.engine.state import CallState

# Write the state only if the stored turn is still the one this request read. Two webhooks for the
# same call at once can then never interleave writes.
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if tostring(cjson.decode(current)['turn']) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""


class RedisCallStore:
    def __init__(self, client: redis.Redis, ttl_seconds: int = 4 * 3600, prefix: str = "ivr:call:") -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._prefix = prefix
        self._cas = client.register_script(_COMPARE_AND_SET)

    def key(self, call_id: str) -> str:
        return f"{self._prefix}{call_id}"

    def load(self, call_id: str) -> CallState | None:
        raw = self._client.get(self.key(call_id))
        if raw is None:
            return None
        return CallState.from_json(raw)

    def begin(self, state: CallState) -> bool:
        return bool(self._client.set(self.key(state.call_id), state.to_json(), ex=self._ttl, nx=True))

    def restart(self, state: CallState) -> None:
        self._client.set(self.key(state.call_id), state.to_json(), ex=self._ttl)

    def save(self, state: CallState, expected_turn: int) -> bool:
        arguments: list[str | int] = [state.to_json(), self._ttl, str(expected_turn)]
        return bool(self._cas(keys=[self.key(state.call_id)], args=arguments))

    def delete(self, call_id: str) -> None:
        self._client.delete(self.key(call_id))


class MemoryCallStore:
    """Call state in a dict, for offline tools only (`ivr test`, `ivr chat`): one process, no Redis needed.

    The service itself always uses RedisCallStore; this keeps the same compare-and-set contract.
    """

    def __init__(self) -> None:
        self._states: dict[str, CallState] = {}

    def load(self, call_id: str) -> CallState | None:
        return self._states.get(call_id)

    def begin(self, state: CallState) -> bool:
        if state.call_id in self._states:
            return False
        self._states[state.call_id] = state
        return True

    def restart(self, state: CallState) -> None:
        self._states[state.call_id] = state

    def save(self, state: CallState, expected_turn: int) -> bool:
        current = self._states.get(state.call_id)
        if current is None or current.turn != expected_turn:
            return False
        self._states[state.call_id] = state
        return True

    def delete(self, call_id: str) -> None:
        self._states.pop(call_id, None)
