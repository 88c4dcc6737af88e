"""RedisCallStore: one key per call, JSON CallState, a TTL, and compare-and-set writes.

A call's start is one SET that only writes when the call has no state yet (a start delivered twice, or
replayed, cannot reset a call in progress); every answer after it is one GET and one compare-and-set.

The store is where a turn is kept, so it is also where the turn is counted: given the funnel's journal
(``ivr.adapters.redis.journal``), each write pushes the turn's funnel rows in the same script, only when
the state was written. A turn refused as stale, or over its time budget, is not counted; a start
delivered twice is counted once; and the funnel costs a turn no round trip of its own.
"""

from __future__ import annotations

from typing import Any

import redis

from ivr.adapters.redis.journal import MAX_QUEUED, RedisCallJournal
from ivr.core.records import JourneyStep
from ivr.engine.state import CallState
from ivr.runtime.ports import CallJournal

# KEYS[2] is the journal's list; ARGV[first - 1] its cap and ARGV[first..] the rows, if any. pcall: a
# journal that cannot be written (its key holding another type) never fails the call's own write, which
# Redis has already made (a script is not rolled back).
_QUEUE = """
local function queue(first)
  if #ARGV >= first then
    redis.pcall('RPUSH', KEYS[2], unpack(ARGV, first))
    redis.pcall('LTRIM', KEYS[2], -tonumber(ARGV[first - 1]), -1)
  end
end
"""
# Write the state only if the stored one is still the turn this request read, of the same start of the
# call (CallState.turn_name: its epoch and turn). Two webhooks for the same call at once can then never
# interleave writes, and a late answer to a call whose state was lost and begun again never lands on the
# new start's turn of the same number. ARGV: state, TTL, the turn's name as read, then the queue's.
_COMPARE_AND_SET = (
    _QUEUE
    + """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local stored = cjson.decode(current)
local epoch = stored['epoch']
if type(epoch) ~= 'string' then epoch = '' end
if epoch .. ':' .. tostring(stored['turn']) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
queue(5)
return 1
"""
)
# A call's first state: only if it has none ("nx"), or over whatever it had (""). ARGV as above.
_BEGIN = (
    _QUEUE
    + """
if ARGV[3] == 'nx' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]), 'NX') then return 0 end
else
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
end
queue(5)
return 1
"""
)


class RedisCallStore:
    def __init__(
        self,
        client: redis.Redis,
        ttl_seconds: int = 4 * 3600,
        prefix: str = "ivr:call:",
        journal: RedisCallJournal | None = None,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._prefix = prefix
        self._journal = journal
        self._cas = client.register_script(_COMPARE_AND_SET)
        self._begin = client.register_script(_BEGIN)

    def _write(self, script: Any, state: CallState, third: str, journey: JourneyStep | None) -> bool:
        keys = [self.key(state.call_id)]
        arguments: list[str | int] = [state.to_json(), self._ttl, third]
        if self._journal is not None and journey is not None:
            rows = self._journal.encoded(journey)
            if rows:
                keys.append(self._journal.key)
                arguments += [MAX_QUEUED, *rows]
        return bool(script(keys=keys, args=arguments))

    def key(self, call_id: str) -> str:
        return f"{self._prefix}{call_id}"

    def load(self, call_id: str) -> CallState | None:
        raw = self._client.get(self.key(call_id))
        if raw is None:
            return None
        return CallState.from_json(raw)

    def begin(self, state: CallState, journey: JourneyStep | None = None) -> bool:
        return self._write(self._begin, state, "nx", journey)

    def restart(self, state: CallState, journey: JourneyStep | None = None) -> None:
        self._write(self._begin, state, "", journey)

    def save(self, state: CallState, read: CallState, journey: JourneyStep | None = None) -> bool:
        return self._write(self._cas, state, read.turn_name, journey)

    def delete(self, call_id: str) -> None:
        self._client.delete(self.key(call_id))


class MemoryCallStore:
    """Call state in a dict, for offline tools only (`ivr test`, `ivr chat`): one process, no Redis needed.

    The service itself always uses RedisCallStore; this keeps the same compare-and-set contract, and tells
    its journal of a turn only when the turn's state was stored.
    """

    def __init__(self, journal: CallJournal | None = None) -> None:
        self._states: dict[str, CallState] = {}
        self._journal = journal

    def load(self, call_id: str) -> CallState | None:
        return self._states.get(call_id)

    def _store(self, state: CallState, journey: JourneyStep | None) -> bool:
        self._states[state.call_id] = state
        if self._journal is not None and journey is not None:
            self._journal.step(journey)
        return True

    def begin(self, state: CallState, journey: JourneyStep | None = None) -> bool:
        return state.call_id not in self._states and self._store(state, journey)

    def restart(self, state: CallState, journey: JourneyStep | None = None) -> None:
        self._store(state, journey)

    def save(self, state: CallState, read: CallState, journey: JourneyStep | None = None) -> bool:
        current = self._states.get(state.call_id)
        if current is None or current.turn_name != read.turn_name:
            return False
        return self._store(state, journey)

    def delete(self, call_id: str) -> None:
        self._states.pop(call_id, None)
