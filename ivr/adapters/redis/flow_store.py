"""RedisFlowStore: every validated flow version, where every server of the fleet can load it.

Keys (under IVR_REDIS_PREFIX):

- ``flow:<version>``: the version's files as JSON (``{"files": {"menus/welcome.yaml": "...", ...}}``),
  content-addressed: the version is the digest of exactly these bytes (ivr.flow.loader.flow_version),
  and a server that loads it checks that. The live version never expires; a version that stops being
  live expires after twice the call lifetime (IVR_CALL_TTL_SECONDS), when no call can still be on it.
- ``flow:live``: the version new calls start on, for the whole fleet.
- ``flow:published``: every version ever published (its name and when), so that a server restarted with
  older files knows them for old and does not make them live again.

A fetched version is written under ``<instance>/flows/<version>/`` and loaded and checked like the files
on disk, by the same loader and against the same handlers.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import redis

from ivr.flow.errors import FlowError
from ivr.flow.model import Flow

log = logging.getLogger(__name__)

FlowLoader = Callable[[Path], Flow]


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and path.suffix == ".yaml"


class RedisFlowStore:
    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        folder: Path,
        load: FlowLoader,
        retired_ttl_seconds: int,
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}flow:"
        self._folder = folder
        self._load = load
        self._retired_ttl = retired_ttl_seconds

    def key(self, version: str) -> str:
        return f"{self._prefix}{version}"

    @property
    def live_key(self) -> str:
        return f"{self._prefix}live"

    @property
    def published_key(self) -> str:
        return f"{self._prefix}published"

    def live_version(self) -> str | None:
        raw = self._client.get(self.live_key)
        return raw.decode() if isinstance(raw, bytes) else raw

    def _bundle(self, flow: Flow) -> str:
        files = {name: data.decode("utf-8") for name, data in flow.sources.items()}
        return json.dumps({"files": files}, sort_keys=True)

    def publish(self, flow: Flow) -> None:
        if not flow.sources:
            raise ValueError("a flow without its files cannot be shared")
        previous = self.live_version()
        with self._client.pipeline(transaction=True) as pipe:
            pipe.set(self.key(flow.version), self._bundle(flow))  # a plain SET: no expiry
            pipe.set(self.live_key, flow.version)
            pipe.zadd(self.published_key, {flow.version: time.time()})
            if previous and previous != flow.version:
                pipe.expire(self.key(previous), self._retired_ttl)
            pipe.execute()
        log.info("flow version %s published to the fleet", flow.version)

    def join(self, flow: Flow) -> None:
        if self._client.zscore(self.published_key, flow.version) is None:
            self.publish(flow)
        elif self._client.set(self.key(flow.version), self._bundle(flow), nx=True, ex=self._retired_ttl):
            log.info("flow version %s (published before) stored again", flow.version)

    def fetch(self, version: str) -> Flow | None:
        if not version.isalnum():  # a version is a hex digest; anything else names no key
            return None
        folder = self._folder / version
        flow = self._load_checked(folder, version) if folder.is_dir() else None
        if flow is not None:
            return flow
        raw = self._client.get(self.key(version))
        if raw is None:
            log.warning("flow version %s is not stored", version)
            return None
        files = json.loads(raw)["files"]
        if not all(_safe_name(name) for name in files):
            log.error("flow version %s holds a file name outside its folder; not loaded", version)
            return None
        self._write(folder, files)
        return self._load_checked(folder, version)

    def _write(self, folder: Path, files: dict[str, str]) -> None:
        """The files under ``folder``, written beside it first and moved into place whole."""
        self._folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=self._folder))
        for name, text in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        shutil.rmtree(folder, ignore_errors=True)
        try:
            staging.rename(folder)
        except OSError:  # another thread of this process wrote the same version first
            shutil.rmtree(staging, ignore_errors=True)

    def _load_checked(self, folder: Path, version: str) -> Flow | None:
        try:
            flow = self._load(folder)
        except FlowError as exc:
            log.error("stored flow version %s does not load here:\n%s", version, exc)
            return None
        if flow.version != version:
            log.error("stored flow version %s reads as %s; not used", version, flow.version)
            return None
        return flow
