"""The flow drawn for the console: Graphviz lays out the DOT that `ivr graph` writes (ivr.flow.graph) as SVG.

Graphviz puts each node's id in the <title> of its <g class="node"> and "a->b" in each edge's: the page
finds nodes and edges by them to make them clickable and to light a call's path. One drawing is kept per
flow version.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

from ivr.core.errors import IvrError
from ivr.flow.graph import to_dot
from ivr.flow.model import Flow

DOT_SECONDS = 20


class DrawingUnavailable(IvrError, RuntimeError):
    pass


class FlowDrawings:
    def __init__(self) -> None:
        self._svg: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def svg(self, flow: Flow, language: str) -> str:
        key = (flow.version, language)
        with self._lock:
            if key in self._svg:
                return self._svg[key]
        dot = shutil.which("dot")
        if dot is None:
            raise DrawingUnavailable("drawing the flow needs Graphviz's `dot` (Debian package graphviz)")
        done = subprocess.run(  # noqa: S603 - Graphviz from PATH, reading DOT this service wrote
            [dot, "-Tsvg"],
            input=to_dot(flow, language).encode(),
            capture_output=True,
            timeout=DOT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise DrawingUnavailable(
                f"Graphviz could not draw the flow: {done.stderr.decode(errors='replace')[:300]}"
            )
        svg = done.stdout.decode()
        svg = svg[svg.index("<svg") :]  # without the XML declaration and DOCTYPE, to go inline in the page
        with self._lock:
            self._svg = {k: v for k, v in self._svg.items() if k[0] == flow.version}
            self._svg[key] = svg
        return svg
