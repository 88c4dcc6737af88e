"""One-use tickets that bind a TTY call's Media Stream to the call that /tty/voice answered.

The WebSocket handshake is signed by Twilio over the stream's URL alone, so a captured handshake could be
replayed, and the ``start`` message's ``callSid`` could name any call. /tty/voice therefore issues a
ticket, a random token passed to the stream as a ``<Parameter>`` (Twilio returns it in the ``start``
message's ``customParameters``: https://www.twilio.com/docs/voice/twiml/stream#custom-parameters and
https://www.twilio.com/docs/voice/media-streams/websocket-messages#start-message). A stream starts only
with a ticket that is unused, younger than a minute and issued for the call the ``start`` message names;
redeeming it deletes it (GETDEL), so it serves one stream. The ticket also carries the caller's number, so
a stream's ``From`` is never taken from the stream itself.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import redis

from ivr.runtime.conversation import Caller

TICKET_PARAMETER = "ticket"  # the stream parameter that carries it
TICKET_SECONDS = 60  # Twilio opens the stream as soon as it reads the TwiML
MAX_TICKET_CHARS = 64


class RedisStreamTickets:
    def __init__(self, client: redis.Redis, prefix: str = "ivr:", seconds: int = TICKET_SECONDS) -> None:
        self._client = client
        self._prefix = f"{prefix}tty-ticket:"
        self._seconds = seconds

    def _key(self, ticket: str) -> str:
        return self._prefix + hashlib.sha256(ticket.encode()).hexdigest()

    def issue(self, caller: Caller) -> str:
        """A ticket for ``caller``'s stream (its number and whether the carrier vouched for it)."""
        ticket = secrets.token_urlsafe(24)
        record = {"call": caller.call_id, "from": caller.number, "verified": caller.verified}
        self._client.set(self._key(ticket), json.dumps(record), ex=self._seconds)
        return ticket

    def redeem(self, ticket: object, call_id: str) -> Caller | None:
        """The TTY caller the ticket was issued for, if it is valid for ``call_id``; used up either way."""
        if not isinstance(ticket, str) or not ticket or len(ticket) > MAX_TICKET_CHARS:
            return None
        raw = self._client.getdel(self._key(ticket))
        if raw is None:
            return None
        record = json.loads(raw)
        if record.get("call") != call_id:
            return None
        number = record.get("from")
        return Caller(
            call_id=call_id,
            channel="tty",
            number=number if isinstance(number, str) else None,
            verified=record.get("verified") is True,
        )
