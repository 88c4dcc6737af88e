"""FlowLibrary: the live flow and the recent versions that calls in progress still use.

A reload installs a new version only after it loads and passes every check; an edit that does not
leaves the last good flow live and is reported (``last_error``, shown by /healthz). A call keeps the
version it started with, as long as that version is among the ``keep`` most recent.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from ivr.flow.errors import FlowError
from ivr.flow.handler_rules import HandlerCatalog
from ivr.flow.loader import load_flow
from ivr.flow.model import Flow

log = logging.getLogger(__name__)


class FlowLibrary:
    def __init__(self, flow: Flow, keep: int = 8) -> None:
        self._versions: OrderedDict[str, Flow] = OrderedDict({flow.version: flow})
        self._current = flow
        self._keep = keep
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def current(self) -> Flow:
        return self._current

    def get(self, version: str) -> Flow | None:
        return self._versions.get(version)

    def versions(self) -> list[str]:
        return list(self._versions)

    def install(self, flow: Flow) -> bool:
        """Make ``flow`` the live version. Returns False if it already was."""
        with self._lock:
            self.last_error = None
            if flow.version == self._current.version:
                return False
            self._versions[flow.version] = flow
            self._versions.move_to_end(flow.version)
            while len(self._versions) > self._keep:
                self._versions.popitem(last=False)
            self._current = flow
            return True

    def reload(self, location: Path, handlers: HandlerCatalog, handler_prompts: Iterable[str] = ()) -> bool:
        """Load the flow from disk; install it if it is valid and new. Returns True when a new version went live."""
        try:
            flow = load_flow(location, handlers, handler_prompts)
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
        return installed
