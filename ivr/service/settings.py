"""Service settings from the environment (or a mapping passed to create_app), with safe development defaults.

Without TWILIO_AUTH_TOKEN and the secrets, a development instance generates its own once under
instance/dev-secrets.json (readable by its owner only), says so loudly, and accepts requests from
loopback addresses only. IVR_ENV=production refuses to start without the real values.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivr.core.errors import IvrError
from ivr.twilio.connection_overrides import OverridesError, parse_overrides
from ivr.twilio.shared_keys import parse_shared_keys

log = logging.getLogger(__name__)

REQUIRED_IN_PRODUCTION = (
    "TWILIO_AUTH_TOKEN",
    "IVR_PIN_PEPPER",
    "IVR_SSN_KEY",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
)
_DEV_SECRETS = ("TWILIO_AUTH_TOKEN", "IVR_PIN_PEPPER", "IVR_SSN_KEY", "SECRET_KEY")


class ConfigError(IvrError, RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    flow_path: Path
    database_url: str
    redis_url: str | None
    twilio_auth_token: str
    pin_pepper: bytes
    ssn_key: bytes
    secret_key: str
    public_base_url: str | None
    call_ttl_seconds: int
    sms_session_seconds: int
    watch_flow: bool  # IVR_WATCH_FLOW: reload saved, valid edits to the flow while running
    proxy_hops: int  # IVR_PROXY_HOPS: trusted proxies in front (X-Forwarded-*); 0 trusts none
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]  # IVR_TRUSTED_PROXIES
    auto_migrate: bool  # IVR_AUTO_MIGRATE: migrate the database at start-up (development); else `ivr migrate`
    redis_prefix: str
    fixed_time: dt.datetime | None  # IVR_FIXED_TIME: the service's clock stands still (not in production)
    turn_budget_seconds: float  # IVR_TURN_BUDGET_SECONDS: the most one webhook may take (Twilio waits 15 s)
    ops_token: (
        str | None
    )  # IVR_OPS_TOKEN: the bearer token for /metrics and /healthz's report; unset: neither
    production: bool
    dev_token: bool  # the Twilio token was generated here: only loopback callers are served
    temporary_pin_days: int = 30  # IVR_TEMPORARY_PIN_DAYS: a temporary PIN expires this long after issue
    sms_account_access: bool = False  # IVR_SMS_ACCOUNT_ACCESS: SMS callers may sign in (off: see security.md)
    sign_in_failures_per_hour: int = 500  # IVR_SIGN_IN_FAILURES_PER_HOUR: the service-wide throttle
    # TWILIO_WEBHOOK_SHARED_KEYS: the shared keys Twilio's Webhook Rules sign with, by key id
    twilio_shared_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    # TWILIO_CONNECTION_OVERRIDES: the fragment on the number's URL (rc=2&ct=1000...), carried onto every URL
    connection_overrides: str = ""

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        source: dict[str, Any] = dict(os.environ if environ is None else environ)
        source.update(overrides or {})
        production = str(source.get("IVR_ENV", "development")).lower() == "production"
        instance = Path(source.get("IVR_INSTANCE") or Path.cwd() / "instance").resolve()
        if production:
            missing = [name for name in REQUIRED_IN_PRODUCTION if not source.get(name)]
            if missing:
                raise ConfigError("production mode needs " + ", ".join(missing))
        dev_token = not source.get("TWILIO_AUTH_TOKEN")
        proxy_hops = _whole(source, "IVR_PROXY_HOPS", 0, minimum=0)
        trusted_proxies = _networks(source.get("IVR_TRUSTED_PROXIES"))
        if proxy_hops and not trusted_proxies:
            raise ConfigError(
                "IVR_PROXY_HOPS trusts X-Forwarded-* headers: set IVR_TRUSTED_PROXIES to the addresses or "
                "networks of those proxies (e.g. 10.0.0.0/8), so that nobody else can set them"
            )
        public_base_url = (source.get("PUBLIC_BASE_URL") or "").rstrip("/") or None
        if production and public_base_url and not public_base_url.lower().startswith("https://"):
            raise ConfigError(
                f"PUBLIC_BASE_URL must be an https URL in production, not '{public_base_url}': Twilio calls "
                "webhooks over TLS and opens a TTY call's Media Stream only over wss"
            )
        try:
            shared_keys = parse_shared_keys(source.get("TWILIO_WEBHOOK_SHARED_KEYS"))
        except ValueError as exc:
            raise ConfigError(f"TWILIO_WEBHOOK_SHARED_KEYS: {exc}") from None
        try:
            connection_overrides = parse_overrides(source.get("TWILIO_CONNECTION_OVERRIDES"))
        except OverridesError as exc:
            raise ConfigError(f"TWILIO_CONNECTION_OVERRIDES: {exc}") from None
        if not all(source.get(name) for name in _DEV_SECRETS):
            generated = development_secrets(instance)
            for name in _DEV_SECRETS:
                source[name] = source.get(name) or generated[name]
        return cls(
            instance_path=instance,
            flow_path=Path(source.get("IVR_FLOW") or Path.cwd()).resolve(),
            database_url=source.get("DATABASE_URL") or f"sqlite:///{instance / 'accounts.sqlite3'}",
            redis_url=source.get("REDIS_URL") or None,
            twilio_auth_token=source["TWILIO_AUTH_TOKEN"],
            pin_pepper=str(source["IVR_PIN_PEPPER"]).encode(),
            ssn_key=str(source["IVR_SSN_KEY"]).encode(),
            secret_key=source["SECRET_KEY"],
            public_base_url=public_base_url,
            call_ttl_seconds=int(source.get("IVR_CALL_TTL_SECONDS") or 4 * 3600),
            sms_session_seconds=60 * int(source.get("IVR_SMS_SESSION_MINUTES") or 15),
            watch_flow=_flag(source.get("IVR_WATCH_FLOW"), default=True),
            proxy_hops=proxy_hops,
            trusted_proxies=trusted_proxies,
            auto_migrate=_flag(source.get("IVR_AUTO_MIGRATE"), default=not production),
            redis_prefix=source.get("IVR_REDIS_PREFIX") or "ivr:",
            fixed_time=_fixed_time(source.get("IVR_FIXED_TIME"), production),
            turn_budget_seconds=_budget(source.get("IVR_TURN_BUDGET_SECONDS")),
            ops_token=source.get("IVR_OPS_TOKEN") or None,
            production=production,
            dev_token=dev_token,
            temporary_pin_days=_whole(source, "IVR_TEMPORARY_PIN_DAYS", 30, minimum=1),
            sms_account_access=_flag(source.get("IVR_SMS_ACCOUNT_ACCESS"), default=False),
            sign_in_failures_per_hour=_whole(source, "IVR_SIGN_IN_FAILURES_PER_HOUR", 500, minimum=1),
            twilio_shared_keys=shared_keys,
            connection_overrides=connection_overrides,
        )


def _whole(source: Mapping[str, Any], name: str, default: int, minimum: int) -> int:
    text = source.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(str(text))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not '{text}'") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _networks(text: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """IVR_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces."""
    networks = []
    for item in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"IVR_TRUSTED_PROXIES: '{item}' is not an address or a network") from None
    return tuple(networks)


def _flag(text: object, default: bool) -> bool:
    if text is None or text == "":
        return default
    return str(text).lower() not in ("0", "false", "no", "off")


DEFAULT_TURN_BUDGET_SECONDS = 8.0
MAX_TURN_BUDGET_SECONDS = 12.0  # Twilio gives up on a webhook after 15 s; leave room for the network


def _budget(text: object) -> float:
    if text is None or text == "":
        return DEFAULT_TURN_BUDGET_SECONDS
    try:
        budget = float(str(text))
    except ValueError:
        raise ConfigError(f"IVR_TURN_BUDGET_SECONDS '{text}' is not a number of seconds") from None
    if not 1.0 <= budget <= MAX_TURN_BUDGET_SECONDS:
        raise ConfigError(f"IVR_TURN_BUDGET_SECONDS must be between 1 and {MAX_TURN_BUDGET_SECONDS:g}")
    return budget


def _fixed_time(text: str | None, production: bool) -> dt.datetime | None:
    if not text:
        return None
    if production:
        raise ConfigError("IVR_FIXED_TIME stops the clock; it is not allowed in production")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"IVR_FIXED_TIME '{text}' is not an ISO date and time such as 2026-11-24T10:00-08:00"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError("IVR_FIXED_TIME needs a UTC offset, e.g. 2026-11-24T10:00-08:00")
    return moment


def development_secrets(instance: Path) -> dict[str, str]:
    """Read, or create once, the development secrets under the instance folder."""
    path = instance / "dev-secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        if all(name in data for name in _DEV_SECRETS):
            return data
    instance.mkdir(parents=True, exist_ok=True)
    data = {name: secrets.token_urlsafe(32) for name in _DEV_SECRETS}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle)
    return data


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
