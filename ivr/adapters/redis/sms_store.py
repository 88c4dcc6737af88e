"""What an SMS line keeps in Redis besides the session: which numbers opted out, and the pages of a long
reply still to send (ivr.twilio.messaging). Numbers appear only as digests in keys."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import redis


class RedisSmsStore:
    """``pages_seconds``: how long the rest of a long reply waits for "MORE" (the SMS session's life)."""

    def __init__(self, client: redis.Redis, prefix: str, pages_seconds: int) -> None:
        self._client = client
        self._prefix = prefix
        self._pages_seconds = pages_seconds

    def _key(self, kind: str, number: str) -> str:
        return f"{self._prefix}{kind}:{hashlib.sha256(number.encode()).hexdigest()[:32]}"

    def opted_out(self, number: str) -> bool:
        return bool(self._client.exists(self._key("sms-opt-out", number)))

    def opt_out(self, number: str) -> None:
        pipe = self._client.pipeline()
        pipe.set(self._key("sms-opt-out", number), "1")
        pipe.delete(self._key("sms-pages", number))
        pipe.execute()

    def opt_in(self, number: str) -> None:
        self._client.delete(self._key("sms-opt-out", number), self._key("sms-pages", number))

    def keep_pages(self, number: str, pages: Sequence[str]) -> None:
        """The rest of a reply, replacing any earlier rest: an answer moves the conversation on."""
        key = self._key("sms-pages", number)
        pipe = self._client.pipeline()
        pipe.delete(key)
        if pages:
            pipe.rpush(key, *pages)
            pipe.expire(key, self._pages_seconds)
        pipe.execute()

    def next_page(self, number: str) -> str | None:
        page = self._client.lpop(self._key("sms-pages", number))
        if page is None:
            return None
        return page.decode() if isinstance(page, bytes) else str(page)
