"""The operator console's own settings, beside the service's (ivr.service.settings), from the environment.

IVR_CONSOLE_PORT       port of `ivr console` (default 5001)
IVR_CONSOLE_SCRIPTS    the call scripts the console lists and runs (default <IVR_FLOW>/tests/calls)
IVR_CONSOLE_SANDBOX    the browser phone's demo database, a SQLite file (default <IVR_INSTANCE>/console-sandbox.sqlite3)
IVR_CONSOLE_IDLE_MINUTES  a session ends after this long without a request (default 30; at most 12 hours in all)
IVR_CONSOLE_ASSETS     the built page script and style (default console-ui/dist beside the ivr package)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.adapters.sql.database import normalise_url
from ivr.service.settings import ConfigError, Settings

DEFAULT_PORT = 5001
# The page's script and style, built from console-ui/ by scripts/build-console.sh (npm ci + esbuild).
DEFAULT_ASSETS = Path(__file__).resolve().parents[2] / "console-ui" / "dist"


@dataclass(frozen=True)
class ConsoleSettings:
    service: Settings  # the same database, Redis, flow folder and secrets as the webhook
    port: int
    scripts_path: Path
    sandbox_url: str
    idle_seconds: int
    assets_path: Path
    absolute_seconds: int = 12 * 3600

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies always in production; in development only over HTTPS (see sessions.py)."""
        return self.service.production

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> ConsoleSettings:
        source: dict[str, Any] = {**os.environ, **(overrides or {})}
        service = Settings.load(overrides)
        sandbox = Path(source.get("IVR_CONSOLE_SANDBOX") or service.instance_path / "console-sandbox.sqlite3")
        sandbox_url = f"sqlite:///{sandbox.resolve()}"
        if normalise_url(sandbox_url) == normalise_url(service.database_url):
            raise ConfigError(
                "IVR_CONSOLE_SANDBOX must not be the account database: the browser phone never "
                "reaches real accounts"
            )
        return cls(
            service=service,
            port=int(source.get("IVR_CONSOLE_PORT") or DEFAULT_PORT),
            scripts_path=Path(source.get("IVR_CONSOLE_SCRIPTS") or service.flow_path / "tests" / "calls"),
            sandbox_url=sandbox_url,
            idle_seconds=60 * int(source.get("IVR_CONSOLE_IDLE_MINUTES") or 30),
            assets_path=Path(source.get("IVR_CONSOLE_ASSETS") or DEFAULT_ASSETS),
        )
