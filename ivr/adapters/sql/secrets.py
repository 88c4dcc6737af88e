"""PIN hashing and SSN digests.

PINs: argon2id over HMAC-SHA256(pepper, PIN). A 4-digit PIN has only 10,000 values, so no hash cost can
protect it from someone holding the database; the server-side pepper (kept outside the database) and the
attempt limits do. Hash cost buys nothing here and costs every sign-in, so argon2 runs at a low cost:
time_cost=1, memory_cost=1 MiB, parallelism=1, about 0.5 ms a verification (docs/security.md). Hashes made
with other parameters still verify; a sign-in that verifies one re-hashes the PIN with these.

SSNs: HMAC-SHA256 with a server key over the nine digits, so that a sign-in by SSN can find its
participant while the database never holds an SSN.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

ARGON2_TIME_COST = 1
ARGON2_MEMORY_KIB = 1024
ARGON2_PARALLELISM = 1


class PinHasher:
    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < 16:
            raise ValueError("the PIN pepper must be at least 16 bytes")
        self._pepper = pepper
        self._argon2 = PasswordHasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # Verified against when no participant matched, so that an unknown ID costs what a wrong PIN costs.
        self._decoy = self._argon2.hash(self._peppered("decoy-never-a-pin"))

    def _peppered(self, pin: str) -> str:
        return hmac.new(self._pepper, pin.encode(), hashlib.sha256).hexdigest()

    def hash(self, pin: str) -> str:
        return self._argon2.hash(self._peppered(pin))

    def verify(self, stored: str | None, pin: str) -> bool:
        try:
            return self._argon2.verify(stored or self._decoy, self._peppered(pin)) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with parameters other than today's (re-hash it after a sign-in)."""
        try:
            return self._argon2.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True


class SsnDigester:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the SSN key must be at least 16 bytes")
        self._key = key

    def digest(self, ssn: str) -> str:
        digits = "".join(ch for ch in ssn if ch.isdigit())
        return hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()

    def digest_last4(self, digits: str) -> str:
        """Digest of an SSN's last four digits (or of four digits to compare with it), kept apart from the
        full SSN's by a prefix. Only used to refuse a new PIN equal to them."""
        last4 = "".join(ch for ch in digits if ch.isdigit())[-4:]
        return hmac.new(self._key, b"last4:" + last4.encode(), hashlib.sha256).hexdigest()
