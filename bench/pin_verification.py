"""How long one PIN verification costs with the chosen argon2id parameters, next to argon2's defaults.

Run: .venv/bin/python bench/pin_verification.py [ROUNDS]
The numbers are written down in docs/security.md. Goal: about a millisecond: hash cost does not protect a 4-digit PIN (docs/security.md).
"""

from __future__ import annotations

import statistics
import sys
import time

from argon2 import PasswordHasher

from ivr.adapters.sql.secrets import ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_TIME_COST, PinHasher


def measure(verify: object, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        verify()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    chosen = PinHasher(b"bench-pepper-0123456789")
    stored = chosen.hash("2468")
    defaults = PasswordHasher()
    default_hash = defaults.hash("2468")
    rows = [
        (
            f"chosen (t={ARGON2_TIME_COST}, m={ARGON2_MEMORY_KIB // 1024} MiB, p={ARGON2_PARALLELISM}): right PIN",
            lambda: chosen.verify(stored, "2468"),
        ),
        ("chosen: wrong PIN", lambda: chosen.verify(stored, "1111")),
        ("chosen: unknown participant (decoy)", lambda: chosen.verify(None, "2468")),
        ("argon2-cffi defaults (t=3, m=64 MiB, p=4)", lambda: defaults.verify(default_hash, "2468")),
    ]
    print(f"{'case':45} {'median ms':>10} {'max ms':>8}")
    for name, verify in rows:
        median, worst = measure(verify, rounds)
        print(f"{name:45} {median:10.2f} {worst:8.2f}")


if __name__ == "__main__":
    main()
