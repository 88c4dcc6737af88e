"""How many PIN guesses anyone gets: the throttling policy, as numbers (docs/security.md has the arithmetic).

Designed against NIST SP 800-63B section 5.2.2 (rate limiting), which asks for no more than 100 consecutive
failed attempts on one account and lets a verifier add growing waits and trust a recognised device:

- Per participant and PIN, counted apart for the participant's own phone (the number on file, when the
  carrier vouches for it) and for every other line: 3 wrong PINs in a row cost nothing, each one after
  that waits twice as long as the last (1, 2, 4 ... minutes, at most 4 hours), and after 10 in a row the PIN
  takes no more guesses from those lines at all: only a new PIN (by mail, or from a representative) opens
  it again. A right PIN starts that count afresh. A stranger can therefore use up the count for every line
  but the owner's own phone, never the owner's own.
- Per calling number: at most 10 failures an hour and 30 a day, whoever they were for.
- For the whole service: at most ``global_failures_per_hour`` failures an hour from lines that are not the
  participant's own phone; past it, only owners calling from their own phone are checked (a spraying
  attack stops the service for strangers, never for owners on their own line). Size it to about three
  times the busiest hour's honest failures (IVR_SIGN_IN_FAILURES_PER_HOUR).
- Per call: 3 failures end the call's sign-in with the offer of a new PIN by mail (the flow's outcome
  ``failed_too_often``, counted by the engine).

A withheld number has no count of its own (all withheld callers would share it, and one could block the
rest): it is held by the per-call, per-participant and service-wide limits. A refused attempt is answered
exactly like a wrong PIN, after a verification against a decoy hash, so that neither the words nor the time
tell anyone that a limit, or an account, exists.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_failures: int = 3  # consecutive wrong PINs before any wait
    first_delay_seconds: int = MINUTE  # the wait after the first failure past the free ones; doubles after
    max_delay_seconds: int = 4 * HOUR
    consecutive_cap: int = 10  # then only a new PIN opens the participant's PIN to these lines
    cap_memory_seconds: int = 180 * DAY  # how long a participant's count is kept without a new failure
    number_failures_per_hour: int = 10
    number_failures_per_day: int = 30
    global_failures_per_hour: int = 500
    max_failures_per_call: int = 3

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after ``failures`` consecutive wrong PINs (the Redis script computes the same)."""
        if failures < self.free_failures:
            return 0
        doubling = min(failures - self.free_failures, 30)
        return int(min(self.first_delay_seconds * 2**doubling, self.max_delay_seconds))

    def seconds_to_cap(self) -> int:
        """How long, at the least, it takes anyone to spend every guess the cap allows."""
        return sum(self.delay_after(n) for n in range(1, self.consecutive_cap))


DEFAULT_POLICY = ThrottlePolicy()
