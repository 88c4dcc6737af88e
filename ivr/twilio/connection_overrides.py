"""Twilio's connection overrides: how long Twilio waits for a webhook, and how often it retries.

They are written as a fragment of the webhook URL, ``https://ivr.example.org/voice#rc=2&rp=ct,rt&ct=1000``
(https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides), and apply to that one URL only.
The fragment never reaches the server, so the service is told them (TWILIO_CONNECTION_OVERRIDES, the same
fragment as on the number's URL) and writes them onto every action and redirect URL of its TwiML: the
<Gather> action, the <Redirect> after it, the <Dial>/<Enqueue> action, the outage answer's. Without that,
every request after the first falls back to Twilio's defaults. (<Play> media and the TTY Media Stream are
fetched, not called back: the overrides are Twilio's for webhooks only.)

Twilio signs the URL it was given, fragment and all (https://www.twilio.com/docs/usage/webhooks/webhooks-security:
the signature covers "the Webhook URL set in Twilio"): ivr.twilio.signing checks a request against the URL
with this fragment first and, for URLs written without it (a status callback set in the console), against
the URL alone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from ivr.core.errors import IvrError

# Each override and what Twilio accepts for it.
_RANGES = {
    "ct": (100, 10_000),  # connect timeout, ms
    "rt": (100, 15_000),  # read timeout, ms
    "tt": (100, 15_000),  # total time for every attempt, ms
    "rc": (0, 5),  # retry count
}
_RETRY_POLICIES = frozenset({"ct", "rt", "4xx", "5xx", "all"})
_EDGE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")  # a Twilio edge location's name: ashburn, dublin, sao-paulo ...


class OverridesError(IvrError, ValueError):
    """The overrides are not ones Twilio accepts; the message says which and why."""


def parse_overrides(text: str | None) -> str:
    """The overrides as the fragment to write (without '#'), checked; '' when there are none.

    Accepts what is written after '#' on the number's URL, with or without the '#'."""
    fragment = (text or "").strip().lstrip("#")
    if not fragment:
        return ""
    seen: set[str] = set()
    for name, value in parse_qsl(fragment, keep_blank_values=True, strict_parsing=False):
        if name in seen:
            raise OverridesError(f"'{name}' is given twice")
        seen.add(name)
        if name in _RANGES:
            low, high = _RANGES[name]
            if not value.isdigit() or not low <= int(value) <= high:
                raise OverridesError(f"'{name}' must be a whole number from {low} to {high}, not '{value}'")
        elif name == "rp":
            policies = set(value.split(","))
            if not value or not policies <= _RETRY_POLICIES:
                raise OverridesError(f"'rp' lists retry policies from {', '.join(sorted(_RETRY_POLICIES))}")
        elif name == "e":
            if not _EDGE.match(value):
                raise OverridesError(f"'e' names a Twilio edge location (ashburn, dublin ...), not '{value}'")
        elif name == "sni":
            if value not in ("y", "n"):
                raise OverridesError("'sni' is y or n")
        else:
            raise OverridesError(f"'{name}' is not a connection override (ct, rt, tt, rc, rp, e, sni)")
    return fragment


def with_overrides(url: str, fragment: str) -> str:
    """``url`` carrying the overrides (a URL that already has a fragment keeps its own)."""
    return f"{url}#{fragment}" if fragment and "#" not in url else url
