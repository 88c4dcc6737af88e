"""Even use of every core: gunicorn's worker processes share how many connections each holds, and one
holding more than its share hands the excess to the others, with nothing but standard HTTP.

Why: a kept-alive connection stays with the process that accepted it, and the processes race for each
accept(), so a load balancer's (or the bench's) connections can land 26:6 or all on one process, and one
process is one core (the GIL). The rule:

- The gunicorn master makes a ``Board``, one slot per worker process in anonymous shared memory that every
  worker it forks inherits (gunicorn.conf.py: ``pre_fork`` seats a worker, ``child_exit`` frees its slot).
- Every turn of its loop a worker writes the connections it holds and the time (``Share.refresh``), and
  reads the others'. Its fair share is ceil(all connections / live workers), all connections being the
  most the workers held in the last ``RECENT_SECONDS``: a connection handed over counts until its client
  is back on a new one.
- Over its share by more than ``SLACK``, a worker answers the next request on each of its connections with
  ``Connection: close`` (RFC 9112 section 9.6): the client opens a new connection for its next request.
  Unlike closing an idle connection, no request can be on its way on it then (only a client pipelining
  requests behind an unanswered one would have to send those again, as after any close). Meanwhile the
  worker stops accepting (``may_accept``), so the new connection goes to a process under its share.
- A worker accepts only while one more connection would leave it within its share plus ``SLACK``, and
  closes only beyond that: closing never pushes another worker over, so nothing oscillates.

With one worker, or connections already spread evenly, nothing changes. A worker that is booting,
stopping, full (gunicorn's ``worker_connections``) or has not written for ``STALE_SECONDS`` (stopped,
stuck) takes no part, so the others never wait for it for longer than that. Beyond ``MAX_WORKERS``
worker processes (gunicorn.conf.py starts one per core; during a reload the old and the new ones
overlap), a worker without a slot serves as plain gthread does and the others do not count it.
"""

from __future__ import annotations

import mmap
from collections.abc import Collection
from typing import Any

MAX_WORKERS = 64
# Tolerated excess over the fair share. A worker's count reaches the others one loop turn late, so two
# workers can accept at the same moment; one connection of slack absorbs that without a close, and costs
# at most one connection of imbalance a worker (17:15 of 32 connections on two workers).
SLACK = 1
# gthread's loop wakes at least once a second (its poll timeout), so a live worker writes at least that
# often; a slot silent for twice that belongs to a stopped or stuck worker.
STALE_SECONDS = 2.0
# A connection handed over is in nobody's count until its client sends its next request, on a new
# connection: the share is of the most connections the workers held in this many seconds, or a worker
# would go on closing connections whose clients have not come back yet (and the others then hand them
# back). At worst a share stays this long as large as before connections went away for good.
RECENT_SECONDS = 5.0

_FREE = -1  # a slot's count when no worker takes connections through it
_SEAT = "ivr_balance_share"  # the attribute pre_fork sets on a gunicorn worker: its Share


def fair_share(connections: int, workers: int) -> int:
    """ceil(connections / workers): what an even spread leaves each worker at most."""
    return -(-connections // max(workers, 1))


def over_share(held: int, others_held: int, others: int, recent: int = 0) -> bool:
    """Whether a worker holding ``held`` connections holds more than its share plus the slack, when
    ``others`` live workers hold ``others_held`` between them and the workers held ``recent`` between
    them lately (``Share``: connections handed over and not yet back still count)."""
    return held > fair_share(max(held + others_held, recent), others + 1) + SLACK


class Board:
    """The slots, in memory the master maps before it forks: anonymous and shared (``mmap.mmap(-1, ...)``
    is MAP_SHARED), so every worker reads what the others write. A slot holds a worker's connections
    (``_FREE`` when none is taking any) and when it last wrote them (``time.monotonic()``, one clock for
    every process on the machine). Aligned 8-byte words: a reader sees a whole number, if an old one."""

    def __init__(self, slots: int = MAX_WORKERS) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, 8 * (1 + 2 * slots))
        view = memoryview(self._memory)
        self._used = view[:8].cast("q")  # slots 0 .. _used[0] - 1 may be in use: readers look no further
        self._held = view[8 : 8 * (1 + slots)].cast("q")
        self._written = view[8 * (1 + slots) :].cast("d")
        for slot in range(slots):
            self._held[slot] = _FREE

    def claim(self, taken: Collection[int]) -> int | None:
        """The master, before a fork: a slot for the new worker (None if all are taken). Every slot not in
        ``taken`` (the live workers') is freed first, also one whose worker gunicorn dropped unreaped."""
        for slot in range(self.slots):
            if slot not in taken:
                self._held[slot] = _FREE
        free = next((slot for slot in range(self.slots) if slot not in taken), None)
        if free is not None:
            self._used[0] = max(self._used[0], free + 1)
        return free

    def release(self, slot: int) -> None:
        """The master, when a worker has exited: its connections are gone."""
        self._held[slot] = _FREE

    def write(self, slot: int, held: int | None, now: float) -> None:
        """A worker: the connections it holds, or None while it takes none (stopping, or full)."""
        self._written[slot] = now
        self._held[slot] = _FREE if held is None else held

    def others(self, slot: int, now: float) -> tuple[int, int]:
        """(connections, workers) of the live workers besides ``slot``'s."""
        used = self._used[0]
        held, written = self._held[:used].tolist(), self._written[:used].tolist()
        connections = workers = 0
        for other in range(used):
            if other != slot and held[other] >= 0 and now - written[other] <= STALE_SECONDS:
                connections += held[other]
                workers += 1
        return connections, workers


class Share:
    """One worker's seat at the board: made by the master, used in the worker after the fork."""

    def __init__(self, board: Board, slot: int) -> None:
        self.board = board
        self.slot = slot
        self._others = (0, 0)  # the others' (connections, workers) as last read: none until then
        self._recent, self._recent_at = 0, 0.0  # the most connections seen in RECENT_SECONDS, and when

    def refresh(self, held: int | None, now: float) -> None:
        """Each turn of the worker's loop: write what it holds (None: it takes no connections now) and
        read what the others hold."""
        self.board.write(self.slot, held, now)
        self._others = self.board.others(self.slot, now)
        total = (held or 0) + self._others[0]
        if total >= self._recent or now - self._recent_at > RECENT_SECONDS:
            self._recent, self._recent_at = total, now

    def over(self, held: int) -> bool:
        """Over its share: the next answer on a connection closes it."""
        return over_share(held, *self._others, self._recent)

    def may_accept(self, held: int) -> bool:
        """One more connection would still leave it within its share."""
        return not over_share(held + 1, *self._others, self._recent)


_board: Board | None = None  # the master's, made at its first fork and inherited by every worker


def seat(server: Any, worker: Any) -> None:
    """gunicorn's ``pre_fork`` hook: give the worker about to be forked a free slot."""
    global _board  # noqa: PLW0603  # one board per gunicorn master, kept across config reloads
    if _board is None:
        _board = Board()
    taken = {share.slot for other in server.WORKERS.values() if (share := share_of(other)) is not None}
    slot = _board.claim(taken)
    if slot is None:
        server.log.warning(
            "no worker balance slot free (%d in use): this worker is not balanced", MAX_WORKERS
        )
        return
    setattr(worker, _SEAT, Share(_board, slot))


def unseat(worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: the worker has exited, its slot is free."""
    share = share_of(worker)
    if share is not None:
        share.board.release(share.slot)


def share_of(worker: Any) -> Share | None:
    """The worker's seat, if gunicorn.conf.py's ``pre_fork`` gave it one."""
    share: Share | None = getattr(worker, _SEAT, None)
    return share
