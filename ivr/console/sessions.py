"""Operators' sessions: a random token in a cookie, the session itself in Redis, and CSRF tokens.

The cookie holds only a random token (HttpOnly, SameSite=Strict, Secure in production, where its name
takes the ``__Host-`` prefix); Redis keeps the session under the token's SHA-256, so a copy of Redis does
not hold usable tokens. A session ends after ``idle_seconds`` without a request, after 12 hours in any case,
and at sign-out. Every request that changes something must carry the session's CSRF token in the
``X-CSRF-Token`` header (the page's script sends it), and the sign-in form a token tied to a short-lived
cookie of its own (a "double submit"): another site can neither read nor send either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import redis

TOKEN_BYTES = 32
SIGN_IN_FORM_SECONDS = 15 * 60


@dataclass(frozen=True)
class Session:
    operator_id: int
    csrf: str
    created: float


def cookie_name(secure: bool) -> str:
    return "__Host-ivr-console" if secure else "ivr-console"


def form_cookie_name(secure: bool) -> str:
    return "__Host-ivr-console-form" if secure else "ivr-console-form"


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class SessionStore:
    def __init__(self, client: redis.Redis, prefix: str, idle_seconds: int, absolute_seconds: int) -> None:
        self._client = client
        self._prefix = f"{prefix}console:session:"
        self._idle = idle_seconds
        self._absolute = absolute_seconds

    def _key(self, token: str) -> str:
        return self._prefix + hashlib.sha256(token.encode()).hexdigest()

    def create(self, operator_id: int) -> tuple[str, Session]:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(operator_id, secrets.token_urlsafe(TOKEN_BYTES), time.time())
        self._client.set(self._key(token), json.dumps(session.__dict__), ex=self._idle)
        return token, session

    def load(self, token: str | None) -> Session | None:
        """The session of a cookie's token, its idle time restarted; None if it ended or never was."""
        if not token or len(token) > 2 * TOKEN_BYTES:
            return None
        key = self._key(token)
        raw = self._client.get(key)
        if raw is None:
            return None
        session = Session(**json.loads(raw))
        left = self._absolute - (time.time() - session.created)
        if left <= 0:
            self._client.delete(key)
            return None
        self._client.expire(key, int(min(self._idle, left)) or 1)
        return session

    def end(self, token: str | None) -> None:
        if token:
            self._client.delete(self._key(token))
