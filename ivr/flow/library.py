"""FlowLibrary: the live flow and the recent versions that calls in progress still use.

A reload installs a new version only after it loads and passes every check; an edit that does not
leaves the last good flow live and is reported (``last_error``, shown by /healthz). A call keeps the
version it started with: the ``keep`` most recent versions are held in memory, and with ``shared``
versions (ivr.adapters.redis.flow_store: Redis, reached by every server of a fleet) any other version a call is on is
loaded on demand, an edit validated here is published to the fleet, and the fleet's live version is
followed (``follow``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ivr.flow.errors import FlowError
from ivr.flow.handler_rules import HandlerCatalog
from ivr.flow.loader import ServicePrompts, load_flow
from ivr.flow.model import Flow

log = logging.getLogger(__name__)


class SharedVersions(Protocol):
    """Flow versions every server of a fleet can load (ivr.adapters.redis.flow_store.RedisFlowStore)."""

    def fetch(self, version: str) -> Flow | None:
        """The validated flow of that version, or None if it was never stored (or has expired)."""

    def publish(self, flow: Flow) -> None:
        """Store ``flow`` and make it the fleet's live version."""

    def join(self, flow: Flow) -> None:
        """At start-up: publish ``flow`` if the fleet has never seen its version (a release that brings new
        files), else only store it: a server restarted with older files does not undo a published edit."""

    def live_version(self) -> str | None: ...


class FlowLibrary:
    def __init__(self, flow: Flow, keep: int = 8, shared: SharedVersions | None = None) -> None:
        self._versions: OrderedDict[str, Flow] = OrderedDict({flow.version: flow})
        self._current = flow
        self._keep = keep
        self._lock = threading.Lock()
        self._shared = shared
        self._unpublished: Flow | None = None  # an edit validated here that the fleet has not been told of
        self.last_error: str | None = None

    @property
    def current(self) -> Flow:
        return self._current

    def get(self, version: str) -> Flow | None:
        """That version: from memory, else (shared versions) loaded from where the fleet stores them."""
        flow = self._versions.get(version)
        if flow is not None or self._shared is None:
            return flow
        flow = self._shared.fetch(version)
        if flow is not None:
            with self._lock:
                self._remember(flow)
        return flow

    def holds(self, version: str) -> bool:
        """Whether that version is in this process's memory (never loads it)."""
        return version in self._versions

    def versions(self) -> list[str]:
        return list(self._versions)

    def install(self, flow: Flow) -> bool:
        """Make ``flow`` the live version. Returns False if it already was."""
        with self._lock:
            self.last_error = None
            if flow.version == self._current.version:
                return False
            self._current = flow
            self._remember(flow)
            return True

    def _remember(self, flow: Flow) -> None:
        """Keep ``flow`` among the most recent versions (the caller holds the lock); the live one stays."""
        self._versions[flow.version] = flow
        self._versions.move_to_end(flow.version)
        for version in list(self._versions):
            if len(self._versions) <= self._keep:
                break
            if version != self._current.version:
                del self._versions[version]

    def reload(
        self,
        location: Path,
        handlers: HandlerCatalog,
        handler_prompts: ServicePrompts = (),
        text_keywords: Mapping[str, str] | None = None,
    ) -> bool:
        """Load the flow from disk; install it if it is valid and new (and publish it to the fleet). Returns
        True when a new version went live."""
        try:
            flow = load_flow(location, handlers, handler_prompts, text_keywords)
        except FlowError as exc:
            with self._lock:
                self.last_error = str(exc)
            log.error(
                "the edited flow has problems; callers keep version %s:\n%s", self._current.version, exc
            )
            return False
        installed = self.install(flow)
        if installed:
            log.info("flow version %s is live", flow.version)
            if self._shared is not None:
                self._unpublished = flow
                self._publish_pending()
        return installed

    def _publish_pending(self) -> None:
        """Tell the fleet of an edit validated here; if the store is out of reach, raise and try again at
        the next ``follow`` (until then this process keeps the edit live and follows nothing else)."""
        flow = self._unpublished
        if flow is not None and self._shared is not None:
            self._shared.publish(flow)
            self._unpublished = None

    def join_fleet(self) -> None:
        """At start-up, with shared versions: offer the flow read from disk, then follow the fleet."""
        if self._shared is not None:
            self._shared.join(self._current)
            self.follow()

    def follow(self) -> bool:
        """Make the fleet's live version this process's live version. Returns True when it changed."""
        self._publish_pending()
        live = self._shared.live_version() if self._shared is not None else None
        if live is None or live == self._current.version:
            return False
        flow = self.get(live)
        if flow is None:
            log.error("the fleet's live flow version %s cannot be loaded here", live)
            return False
        installed = self.install(flow)
        if installed:
            log.info("flow version %s is live (published by another server)", live)
        return installed
