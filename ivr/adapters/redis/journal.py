"""RedisCallJournal: the CallJournal port (ivr.runtime.ports) for the funnel, on the call path.

A turn's rows go to one capped Redis list with the turn's own state, in the call store's write
(``ivr.adapters.redis.call_store``: RPUSH and LTRIM in the same script as the compare-and-set), so the
funnel counts exactly the turns that were kept and a turn costs no round trip of its own. A hang-up's row
goes on its own (``caller_left``: RPUSH and LTRIM in a pipeline). The console moves the rows into SQL
(``ivr.adapters.sql.funnel.drain``). The list is capped, so a service that runs without a console keeps
only the newest rows. A failure of the journal is logged and forgotten: the funnel never breaks a call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import redis

from ivr.adapters.sql.wiring import agency_zone
from ivr.core.journey import EventRow, call_key, hangup_row, step_rows
from ivr.core.records import JourneyStep
from ivr.flow.library import FlowLibrary

log = logging.getLogger(__name__)

MAX_QUEUED = 200_000  # rows kept in Redis until the console moves them (about 20 MB)


def queue_key(prefix: str) -> str:
    return f"{prefix}journal"


class RedisCallJournal:
    def __init__(self, client: redis.Redis, prefix: str, secret: str, flows: FlowLibrary) -> None:
        self._client = client
        self._key = queue_key(prefix)
        self._secret = secret.encode()
        self._flows = flows
        self._goals: dict[str, tuple[frozenset[str], ZoneInfo]] = {}  # by flow version

    def _goals_of(self, version: str) -> tuple[frozenset[str], ZoneInfo]:
        found = self._goals.get(version)
        if found is None:
            flow = self._flows.get(version) or self._flows.current
            found = frozenset(node_id for node_id, node in flow.nodes.items() if node.goal), agency_zone(flow)
            self._goals = {**{v: g for v, g in self._goals.items() if self._flows.get(v)}, version: found}
        return found

    @property
    def key(self) -> str:
        """The Redis list the rows are queued on."""
        return self._key

    def encoded(self, step: JourneyStep) -> list[str]:
        """One turn's rows as they are queued, for a write that pushes them with the turn's state."""
        goals, zone = self._goals_of(step.flow_version)
        rows = step_rows(step, call_key(self._secret, step.call_id), goals, zone)
        return [_queued(row) for row in rows]

    def step(self, step: JourneyStep) -> None:
        self._push(self.encoded(step))

    def caller_left(self, call_id: str, language: str, node: str, at: dt.datetime) -> None:
        zone = agency_zone(self._flows.current)
        row = hangup_row(call_key(self._secret, call_id), language, node, at, zone)
        self._push([_queued(row)])

    def _push(self, rows: list[str]) -> None:
        if not rows:
            return
        try:
            pipeline = self._client.pipeline(transaction=False)
            pipeline.rpush(self._key, *rows)
            pipeline.ltrim(self._key, -MAX_QUEUED, -1)
            pipeline.execute()
        except redis.RedisError as exc:
            log.warning("funnel events were not recorded: %s", type(exc).__name__)


def _queued(row: EventRow) -> str:
    """A row as the list holds it: compact JSON."""
    return json.dumps(row, separators=(",", ":"))
