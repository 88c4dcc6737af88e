"""The shared keys Twilio's Webhook Rules sign webhooks with, instead of the auth token
(https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys): how the service is told them, and which
one a request names. Read by the settings (without the twilio library, so `ivr --help` stays fast) and by
ivr.twilio.signing."""

from __future__ import annotations


def parse_shared_keys(text: str | None) -> dict[str, str]:
    """TWILIO_WEBHOOK_SHARED_KEYS: ``<key id>=<secret>`` pairs, separated by commas or spaces (two while a
    key is rotated). Raises ValueError on anything else."""
    keys: dict[str, str] = {}
    for item in (text or "").replace(",", " ").split():
        key_id, separator, secret = item.partition("=")
        if not separator or not key_id or not secret:
            raise ValueError("each shared key is written <key id>=<secret>")
        keys[key_id] = secret
    return keys


def settings_key(header: str) -> str:
    """The shared key id X-Twilio-Webhooks-Signature-Settings names (``key=...``), or ''."""
    for part in header.split(","):
        name, _, value = part.partition("=")
        if name.strip() == "key":
            return value.strip()
    return ""
