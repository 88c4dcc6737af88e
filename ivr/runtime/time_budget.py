"""How one webhook's time budget (IVR_TURN_BUDGET_SECONDS, 8 s by default) is shared out.

Twilio waits 15 seconds for a webhook's answer, connecting included, then fails the request and tries the
number's fallback URL (https://www.twilio.com/docs/api/errors/11205). Every wait a turn can meet is bounded
by a share of the budget, so that a stalled Redis or a locked table costs a data step its ``on_error``
path ("not available right now"), never the call:

- Redis: each command's connect and read timeout (one retry: twice that at most);
- PostgreSQL: ``statement_timeout`` and ``lock_timeout`` on every connection of the app's pool, the wait
  for a pooled connection, and the time to open one;
- the runtime: a data step does not start once half the budget is spent, and a turn that ends past the
  whole budget is not saved (the caller hears where the call still stands: ivr.runtime.conversation);
  the budget counts from when the webhook reached the server, its wait in the server's queue included;
- the server: a webhook that waited in the queue for more than an eighth of the budget is shed with an
  answer Twilio acts on at once (ivr.web.voice), so overload never turns into dead air.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TimeBudget:
    seconds: float

    @property
    def redis_timeout(self) -> float:
        return self.seconds / 4

    @property
    def statement_timeout_ms(self) -> int:
        return int(self.seconds * 1000 / 4)

    @property
    def lock_timeout_ms(self) -> int:
        return int(self.seconds * 1000 / 4)

    @property
    def pool_timeout(self) -> float:
        return self.seconds / 8

    @property
    def connect_timeout(self) -> int:
        """Whole seconds (libpq's unit; it treats less than 2 as 2)."""
        return max(2, math.ceil(self.seconds / 4))

    @property
    def shed_after(self) -> float:
        """Seconds a webhook may wait in the server's queue before it is shed (ivr.web.queue_time): past
        that, under overload, its answer could come after Twilio gave up."""
        return self.seconds / 8

    @property
    def handler_start_limit(self) -> float:
        """Seconds into a turn after which no further data step starts."""
        return self.seconds / 2
