"""RedisSignInThrottle: the sign-in throttling policy (ivr.core.sign_in_policy) in Redis, atomically.

Every PIN check first reserves its attempt with one Lua script that reads every limit that applies and,
only if none refuses, counts the attempt as a failure against each of them, in one step: however many
requests race for one participant, no more PINs are verified than the policy allows. A right PIN then
takes its reservation back. Time is the Redis server's (``TIME``), so every app server in a fleet counts
the same waits. Keys name internal ids, a digest of the PIN hash (a new PIN starts its count afresh) and a
keyed digest of the calling number: never a PIN, an SSN, digits a caller typed or a phone number in clear.
"""

from __future__ import annotations

import hashlib
import hmac

import redis

from ivr.core.records import Admission, SignInAttempt
from ivr.core.sign_in_policy import DEFAULT_POLICY, ThrottlePolicy

# KEYS: the participant's count for this PIN and line, the calling number's windows, the service's window.
# ARGV: has participant, has number, owner's own line, then the policy's numbers (see _arguments).
_ADMIT = """
local now = tonumber(redis.call('TIME')[1])
local has_p, has_n, own = ARGV[1] == '1', ARGV[2] == '1', ARGV[3] == '1'
local free, first, longest = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cap, memory = tonumber(ARGV[7]), tonumber(ARGV[8])
local per_hour, per_day, service_hour = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])

local function window(key, start_field, count_field, length)
  local start = tonumber(redis.call('HGET', key, start_field) or '0')
  local count = tonumber(redis.call('HGET', key, count_field) or '0')
  if now - start >= length then return now, 0 end
  return start, count
end

local failures = 0
if has_p then
  failures = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
  if failures >= cap then return {0, 'participant'} end
  if now < tonumber(redis.call('HGET', KEYS[1], 't') or '0') then return {0, 'participant'} end
end
local hour_start, hour_count, day_start, day_count = 0, 0, 0, 0
if has_n then
  hour_start, hour_count = window(KEYS[2], 'h', 'hc', 3600)
  day_start, day_count = window(KEYS[2], 'd', 'dc', 86400)
  if hour_count >= per_hour or day_count >= per_day then return {0, 'number'} end
end
local service_start, service_count = window(KEYS[3], 'h', 'hc', 3600)
if not own and service_count >= service_hour then return {0, 'service'} end

if has_p then
  failures = failures + 1
  local wait = 0
  if failures >= free then wait = math.min(first * 2 ^ math.min(failures - free, 30), longest) end
  redis.call('HSET', KEYS[1], 'f', failures, 't', math.floor(now + wait))
  redis.call('EXPIRE', KEYS[1], memory)
end
if has_n then
  redis.call('HSET', KEYS[2], 'h', hour_start, 'hc', hour_count + 1, 'd', day_start, 'dc', day_count + 1)
  redis.call('EXPIRE', KEYS[2], 86400)
end
redis.call('HSET', KEYS[3], 'h', service_start, 'hc', service_count + 1)
redis.call('EXPIRE', KEYS[3], 3600)
if has_p and failures >= cap then return {1, 'last'} end
return {1, ''}
"""

# A right PIN: the participant's count for this line starts afresh; the number's and the service's
# windows take the attempt back (they count failures, not sign-ins).
_SUCCEEDED = """
if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) end
if ARGV[2] == '1' then
  if tonumber(redis.call('HGET', KEYS[2], 'hc') or '0') > 0 then redis.call('HINCRBY', KEYS[2], 'hc', -1) end
  if tonumber(redis.call('HGET', KEYS[2], 'dc') or '0') > 0 then redis.call('HINCRBY', KEYS[2], 'dc', -1) end
end
if tonumber(redis.call('HGET', KEYS[3], 'hc') or '0') > 0 then redis.call('HINCRBY', KEYS[3], 'hc', -1) end
return 1
"""


class RedisSignInThrottle:
    def __init__(
        self,
        client: redis.Redis,
        number_key: bytes,
        prefix: str = "ivr:",
        policy: ThrottlePolicy = DEFAULT_POLICY,
    ) -> None:
        self._client = client
        self._number_key = number_key
        self._prefix = f"{prefix}sign-in:"
        self.policy = policy
        self._admit = client.register_script(_ADMIT)
        self._succeeded = client.register_script(_SUCCEEDED)

    def _keys(self, attempt: SignInAttempt) -> list[str]:
        line = "own" if attempt.owner_line else "other"
        number = hmac.new(self._number_key, (attempt.number or "").encode(), hashlib.sha256).hexdigest()
        return [
            f"{self._prefix}participant:{attempt.participant}:{attempt.pin_version}:{line}",
            f"{self._prefix}number:{number[:32]}",
            f"{self._prefix}service",
        ]

    def _flags(self, attempt: SignInAttempt) -> list[str]:
        return [
            "1" if attempt.participant is not None else "0",
            "1" if attempt.number else "0",
            "1" if attempt.owner_line else "0",
        ]

    def admit(self, attempt: SignInAttempt) -> Admission:
        policy = self.policy
        numbers = (
            policy.free_failures,
            policy.first_delay_seconds,
            policy.max_delay_seconds,
            policy.consecutive_cap,
            policy.cap_memory_seconds,
            policy.number_failures_per_hour,
            policy.number_failures_per_day,
            policy.global_failures_per_hour,
        )
        arguments = [*self._flags(attempt), *(str(n) for n in numbers)]
        admitted, note = self._admit(keys=self._keys(attempt), args=arguments)
        note = note.decode() if isinstance(note, bytes) else str(note)
        if not int(admitted):
            return Admission(admitted=False, refused_by=note)
        return Admission(admitted=True, last_before_cap=note == "last")

    def succeeded(self, attempt: SignInAttempt) -> None:
        self._succeeded(keys=self._keys(attempt), args=self._flags(attempt))
