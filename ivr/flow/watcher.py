"""FlowWatcher: polls the flow's files every few seconds and reloads the FlowLibrary when they change;
with shared versions (a fleet), it also follows the version the fleet has made live.

Polling a few dozen small files costs microseconds and works the same on every file system, in
containers and over network mounts, which change notifications do not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ivr.flow.handler_rules import HandlerCatalog
from ivr.flow.library import FlowLibrary
from ivr.flow.loader import ServicePrompts, flow_files
from ivr.flow.model import Flow

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(root: Path, sources: Iterable[str] = ()) -> Fingerprint:
    """Name, modification time and size of every file the flow may be made of: the usual places, and the
    files the live flow was read from (``sources``, which may lie elsewhere in its folder)."""
    files = {*flow_files(root), *(root / name for name in sources)}
    files.add(root / "prompts" / "build" / "manifest.json")
    marks = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        marks.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(marks))


class FlowWatcher:
    def __init__(
        self,
        library: FlowLibrary,
        root: Path,
        handlers: HandlerCatalog,
        handler_prompts: ServicePrompts = (),
        interval_seconds: float = 2.0,
        on_reload: Callable[[Flow], None] | None = None,
        text_keywords: Mapping[str, str] | None = None,
    ) -> None:
        self._library = library
        self._root = root
        self._handlers = handlers
        self._handler_prompts = handler_prompts
        self._text_keywords = text_keywords
        self._interval = interval_seconds
        self._on_reload = on_reload
        self._seen = fingerprint(root, library.current.sources)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Reload if the files changed since the last look, else follow the fleet's live version. Returns
        True when a new version went live."""
        current = fingerprint(self._root, self._library.current.sources)
        changed = current != self._seen
        self._seen = current
        installed = changed and self._library.reload(
            self._root, self._handlers, self._handler_prompts, self._text_keywords
        )
        installed = self._library.follow() or installed
        if (installed or changed) and self._on_reload is not None:
            self._on_reload(self._library.current)
        return installed

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="flow-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.check()
            except Exception as exc:  # the watcher must outlive any one bad reload or unreachable store
                log.warning(
                    "flow check failed: %s", type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG)
                )
