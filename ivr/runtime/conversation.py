"""The runtime around the pure engine: load the call's state, step, run handlers, save.

Channels call ``Conversation``; it is the only place that joins the engine to the call store and the
handlers. It never logs digits or speech, only the call id, the node and the kind of event.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.core.clock import Clock, SystemClock
from ivr.core.records import JourneyStep
from ivr.engine import (
    AskedTurn,
    CallStarted,
    CallState,
    Event,
    HandlerFinished,
    Hangup,
    RunHandler,
    Say,
    Transfer,
    Turn,
    replay,
    step,
)
from ivr.flow.library import FlowLibrary
from ivr.flow.model import Flow, TransferNode
from ivr.runtime.handlers import Handler, HandlerRequest
from ivr.runtime.ports import CallJournal, CallStore, StaleWrite, TurnObserver
from ivr.runtime.time_budget import TimeBudget

log = logging.getLogger(__name__)

# One caller turn may run several handlers in a row (sign-in, then a summary); more means a flow loop.
MAX_HANDLERS_PER_TURN = 8
# Said before the welcome when a voice call's state is gone mid-call (Redis lost it in a failover, or it
# expired): the caller hears why they are back at the start.
STATE_LOST_PROMPT = "call_state_lost"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is on the line, as the channel knows it. ``verified``: the carrier vouched that the caller may
    use ``number`` (SHAKEN/STIR full attestation), so it may count as the participant's own phone."""

    call_id: str
    channel: str
    number: str | None = None
    verified: bool = False


class Conversation:
    def __init__(
        self,
        flows: FlowLibrary | Flow,
        store: CallStore,
        handlers: Mapping[str, Handler],
        clock: Clock | None = None,
        observer: TurnObserver | None = None,
        budget: TimeBudget | None = None,
        journal: CallJournal | None = None,
    ) -> None:
        self.flows = flows if isinstance(flows, FlowLibrary) else FlowLibrary(flows)
        self._store = store
        self._handlers = handlers
        self.clock = clock or SystemClock()
        self._observer = observer
        self._budget = budget
        self._journal = journal  # for hang-ups: a turn is counted by the store that keeps it

    @property
    def flow(self) -> Flow:
        """The live flow, which new calls start on."""
        return self.flows.current

    def flow_of(self, state: CallState) -> Flow:
        """The flow version a call started on, while it is kept; otherwise the live one."""
        return self.flows.get(state.flow_version) or self.flows.current

    def start(self, caller: Caller, language: str | None = None) -> Turn:
        """A new call. A start delivered again for a call that is still going (a retried or replayed
        webhook) hears where that call is and changes nothing: only one start ever writes a call's state."""
        turn, journey = self._run(self.flows.current, caller, None, _started(caller, language))
        if self._store.begin(turn.state, journey):
            return turn
        current = self._store.load(caller.call_id)
        if current is None or current.ended or current.node not in self.flow_of(current).nodes:
            # what was there is over or gone: this call starts afresh
            self._store.restart(turn.state, journey)
            return turn
        log.info("repeated start of a live call, replaying", extra={"call_id": caller.call_id})
        return replay(self.flow_of(current), current)

    def answer(
        self, caller: Caller, event: Event, asked: AskedTurn | None = None, arrived: float | None = None
    ) -> Turn:
        """Apply the caller's answer. ``asked`` is the turn the answer was asked for: an answer to any other
        (a webhook delivered twice, or late, or asked by a start of the call whose state was since lost)
        changes nothing and hears where the call is.
        A call whose state expired starts again from the top. ``arrived`` (time.monotonic()) is when the
        webhook reached the server: its time budget counts from then."""
        began = time.monotonic() if arrived is None else arrived
        state = self._store.load(caller.call_id)
        if state is None:
            log.info("call state missing, starting again", extra={"call_id": caller.call_id})
            return self._start_again(caller)
        flow = self.flow_of(state)
        if state.node not in flow.nodes:  # its version is gone and the live one lacks its node
            log.warning("call's flow version is gone, starting again", extra={"call_id": caller.call_id})
            return self._restart(caller, state.language)
        if asked is not None and not asked.is_current(state):
            # Twilio sends an answer again when it had no reply to it: the caller never heard that reply.
            log.info("repeated or late answer, replaying", extra={"call_id": caller.call_id})
            return replay(flow, state, full=True)
        turn, journey = self._run(flow, caller, state, event, began)
        if self._budget is not None and time.monotonic() - began > self._budget.seconds:
            # Twilio may have given up on this webhook: the caller may never hear this turn, so the call
            # stays where they last heard it (nothing is saved) and hears that question again.
            log.warning("turn over its time budget, not saved", extra={"call_id": caller.call_id})
            return replay(flow, state)
        try:
            self._save(turn.state, state, journey)
        except StaleWrite:  # another request for this call got there first: its answer stands
            log.warning("concurrent answer for the same call, replaying", extra={"call_id": caller.call_id})
            current = self._store.load(caller.call_id)
            return replay(self.flow_of(current), current) if current else self._start_again(caller)
        return turn

    def resume(self, caller: Caller) -> Turn:
        """Where the call stands, said again in full (after an outage: the caller heard the apology, not the
        answer to their last turn, which may have been saved all the same), or a new start if its state is
        gone."""
        state = self._store.load(caller.call_id)
        if state is None:
            return self._start_again(caller)
        if state.node not in self.flow_of(state).nodes:
            return self._restart(caller, state.language)
        return replay(self.flow_of(state), state, full=True)

    def _restart(self, caller: Caller, language: str | None) -> Turn:
        """Start the call again from the top, over whatever state it had (which can no longer be used)."""
        turn, journey = self._run(self.flows.current, caller, None, _started(caller, language))
        self._store.restart(turn.state, journey)
        return turn

    def _start_again(self, caller: Caller) -> Turn:
        """A new start for a call whose state is gone; a voice caller first hears why."""
        turn = self.start(caller)
        if caller.channel != "voice":
            return turn
        return Turn(turn.state, (Say(STATE_LOST_PROMPT), *turn.actions), turn.visited)

    def current(self, call_id: str) -> CallState | None:
        return self._store.load(call_id)

    def end(self, call_id: str) -> None:
        if self._journal is not None:  # a call the flow had not ended: the caller hung up where it waited
            state = self._store.load(call_id)
            if state is not None and not state.ended and not self._transferred(state):
                self._journal.caller_left(call_id, state.language, state.node, self.clock.now())
        self._store.delete(call_id)

    def _transferred(self, state: CallState) -> bool:
        """Whether the call was put through to a transfer when it ended: the turn that dialled counted it as
        transferred, and a caller who hangs up on a representative did not give up on the flow."""
        return isinstance(self.flow_of(state).nodes.get(state.node), TransferNode)

    def _save(self, state: CallState, read: CallState, journey: JourneyStep) -> None:
        if not self._store.save(state, read, journey):
            raise StaleWrite(state.call_id)

    def _run(
        self, flow: Flow, caller: Caller, state: CallState | None, event: Event, began: float | None = None
    ) -> tuple[Turn, JourneyStep]:
        """The turn, and what the funnel counts of it once it is kept (the store records both at once)."""
        started = time.perf_counter()
        now = self.clock.now()
        turn = step(flow, state, event, now)
        retry, chosen = turn.retry, turn.chosen
        actions = list(turn.actions)
        visited = list(turn.visited)
        for _ in range(MAX_HANDLERS_PER_TURN):
            request = actions[-1] if actions else None
            if not isinstance(request, RunHandler):
                log.info(
                    "turn",
                    extra={"call_id": caller.call_id, "event": type(event).__name__, "node": turn.state.node},
                )
                if self._observer is not None:
                    self._observer.turn(
                        caller.channel, type(event).__name__, tuple(visited), time.perf_counter() - started
                    )
                done = Turn(turn.state, tuple(actions), tuple(visited), retry, chosen)
                return done, _journey(caller, state, done, now)
            actions.pop()
            if self._out_of_time(began):
                log.warning("no time left for a data step", extra={"call_id": caller.call_id})
                finished = HandlerFinished("error")  # its on_error: "not available right now"
            else:
                finished = self._call_handler(caller, turn.state, request, now, flow.default_language)
            turn = step(flow, turn.state, finished, now)
            actions.extend(turn.actions)
            visited.extend(turn.visited)
        raise RuntimeError(f"more than {MAX_HANDLERS_PER_TURN} handlers in one turn at {turn.state.node}")

    def _out_of_time(self, began: float | None) -> bool:
        """Whether a data step starting now could outlast the turn's time budget (ivr.runtime.time_budget)."""
        if began is None or self._budget is None:
            return False
        return time.monotonic() - began > self._budget.handler_start_limit

    def _call_handler(
        self, caller: Caller, state: CallState, request: RunHandler, now: dt.datetime, default_language: str
    ) -> HandlerFinished:
        handler = self._handlers.get(request.handler)
        if handler is None:
            log.error("no handler registered", extra={"call_id": caller.call_id, "handler": request.handler})
            return HandlerFinished("error")
        try:
            return handler(
                HandlerRequest(
                    state,
                    request.digits,
                    caller.channel,
                    caller.number,
                    now,
                    caller_verified=state.number_verified or caller.verified,
                    default_language=default_language,
                )
            )
        except Exception:
            log.exception("handler failed", extra={"call_id": caller.call_id, "handler": request.handler})
            if self._observer is not None:
                self._observer.handler_failed(request.handler)
            return HandlerFinished("error")


def _started(caller: Caller, language: str | None) -> CallStarted:
    """A start of the call's state, with an epoch of its own (CallState.epoch): 32 random bits, so two
    starts of one call never share one."""
    return CallStarted(caller.call_id, language, caller.verified, epoch=secrets.token_hex(4))


def _journey(caller: Caller, before: CallState | None, turn: Turn, now: dt.datetime) -> JourneyStep:
    """A turn as the funnel counts it: where the call waited, what became of the answer, where it went."""
    last = turn.actions[-1] if turn.actions else None
    ending = "hangup" if isinstance(last, Hangup) else "transfer" if isinstance(last, Transfer) else None
    answer = "start" if before is None else turn.retry or "taken"
    return JourneyStep(
        caller.call_id,
        caller.channel,
        turn.state.flow_version,
        turn.state.language,
        None if before is None else before.node,
        answer,
        turn.visited,
        ending,
        now,
    )
