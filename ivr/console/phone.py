"""The browser phone: calls to the live flow from the console, on the demo data in a sandbox database.

The same flow, engine, handlers and Redis call state as a telephone call, with two differences that keep
real accounts out of reach: the handlers read and write only the sandbox (a SQLite file the console seeds
with the demo participants and its own keys), and their attempt limits live under their own Redis prefix,
so that a browser call can neither see a participant nor lock one out. ``ConsoleSettings.load`` refuses a
sandbox that is the account database.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine

from ivr.adapters.redis.call_store import RedisCallStore
from ivr.adapters.redis.journal import RedisCallJournal
from ivr.adapters.redis.throttle import RedisSignInThrottle
from ivr.adapters.sql.database import create_schema, make_engine, make_session_factory
from ivr.adapters.sql.demo import seed_demo
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.adapters.sql.wiring import agency_zone, sql_handler_ports
from ivr.channels.prompts import prompt_text
from ivr.channels.spoken import spoken
from ivr.core.clock import Clock
from ivr.core.errors import IvrError
from ivr.engine import (
    PHONE_KEYS,
    DigitsEntered,
    Event,
    Gather,
    Hangup,
    NoInput,
    Say,
    SpeechHeard,
    Transfer,
    TransferEnded,
    Turn,
)
from ivr.flow.library import FlowLibrary
from ivr.flow.model import Flow, InputNode
from ivr.media.recordings.lookup import PromptAudio
from ivr.media.recordings.texts import has_values
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import account_handlers

CHANNEL = "browser"
CALL_SECONDS = 3600
MAX_KEYS = 32
MAX_SPEECH_CHARS = 300  # as ivr.twilio.twiml cuts what a recogniser heard
# The sandbox's own keys: its demo data is public, and nothing in it is anyone's.
_SANDBOX_PEPPER, _SANDBOX_SSN_KEY = (
    b"console-sandbox-pepper-0123456789",
    b"console-sandbox-ssn-key-0123456789",
)


class PhoneError(IvrError, ValueError):
    """An answer the browser phone cannot send, or a call that is not this operator's."""


def open_sandbox(url: str) -> Engine:
    """The sandbox database, made and seeded with the demo participants the first time."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    create_schema(engine)
    seed_demo(make_session_factory(engine), PinHasher(_SANDBOX_PEPPER), SsnDigester(_SANDBOX_SSN_KEY))
    return engine


# How a transfer can end, as the flow names it (TransferEnded): the browser phone asks the operator.
TRANSFER_OUTCOMES = ("completed", "busy", "no_answer", "failed")


@dataclass(frozen=True)
class Answer:
    keys: str | None = None
    speech: str | None = None
    transfer: str | None = None  # how the transfer in progress ended: one of TRANSFER_OUTCOMES

    def event(self) -> Event:
        if self.transfer is not None:
            if self.transfer not in TRANSFER_OUTCOMES:
                raise PhoneError(f"a transfer ends {', '.join(TRANSFER_OUTCOMES)}")
            return TransferEnded(self.transfer)
        if self.keys:
            if len(self.keys) > MAX_KEYS or not set(self.keys) <= PHONE_KEYS:
                raise PhoneError("keys are 0-9, * and #, at most 32 at a time")
            keys = self.keys[:-1] if self.keys.endswith("#") and len(self.keys) > 1 else self.keys
            return DigitsEntered(keys)
        if self.speech and self.speech.strip():
            words = "".join(ch for ch in self.speech[:MAX_SPEECH_CHARS] if unicodedata.category(ch)[0] != "C")
            return SpeechHeard(words.strip())
        return NoInput()


class BrowserPhone:
    def __init__(
        self,
        flows: FlowLibrary,
        sandbox: Engine,
        client: redis.Redis,
        prefix: str,
        clock: Clock,
        journal: RedisCallJournal | None,
        audio: PromptAudio,
    ) -> None:
        self._client = client
        self._owners = f"{prefix}console:phone-owner:"
        self.audio = audio
        throttle = RedisSignInThrottle(client, _SANDBOX_SSN_KEY, f"{prefix}console-sandbox:")
        ports = sql_handler_ports(
            sandbox,
            PinHasher(_SANDBOX_PEPPER),
            SsnDigester(_SANDBOX_SSN_KEY),
            throttle,
            agency_zone(flows.current),
            clock,
        )
        store = RedisCallStore(client, CALL_SECONDS, f"{prefix}console-call:", journal)
        self.conversation = Conversation(flows, store, account_handlers(ports), clock, journal=journal)

    def start(self, operator_id: int, language: str | None) -> dict[str, Any]:
        call_id = "browser" + secrets.token_hex(12)
        self._client.set(self._owners + call_id, str(operator_id), ex=CALL_SECONDS)
        flow = self.conversation.flow
        turn = self.conversation.start(
            Caller(call_id, CHANNEL), language if language in flow.languages else None
        )
        return {"call": call_id, **self._report(turn)}

    def answer(self, operator_id: int, call_id: str, answer: Answer) -> dict[str, Any]:
        self._check_owner(operator_id, call_id)
        turn = self.conversation.answer(Caller(call_id, CHANNEL), answer.event())
        return {"call": call_id, **self._report(turn)}

    def hang_up(self, operator_id: int, call_id: str) -> None:
        self._check_owner(operator_id, call_id)
        self.conversation.end(call_id)
        self._client.delete(self._owners + call_id)

    def _check_owner(self, operator_id: int, call_id: str) -> None:
        owner = self._client.get(self._owners + call_id) if call_id.isalnum() and len(call_id) <= 64 else None
        if owner is None or (owner.decode() if isinstance(owner, bytes) else owner) != str(operator_id):
            raise PhoneError("that call is not yours, or it has ended")

    def _report(self, turn: Turn) -> dict[str, Any]:
        """What the caller hears (text, and a recording where one is built), and what the call waits for."""
        flow = self.conversation.flow_of(turn.state)
        heard: list[dict[str, Any]] = []
        waiting: dict[str, Any] | None = None
        ending = None
        transferring: dict[str, Any] | None = None
        for action in turn.actions:
            says: tuple[Say, ...] = ()
            if isinstance(action, Say):
                says = (action,)
            elif isinstance(action, Gather):
                says = action.prompts
                waiting = self._waiting(flow, turn, action)
            elif isinstance(action, Hangup):
                ending = "hangup"
            elif isinstance(action, Transfer) and action.returns:  # the flow goes on when it ends
                transferring = {
                    "to": action.number or action.queue or "",
                    "outcomes": list(TRANSFER_OUTCOMES),
                }
            elif isinstance(action, Transfer):
                ending = "transfer: " + (action.number or action.queue or "")
            heard.extend(self._heard(flow, say, turn.state.language) for say in says)
        if ending is not None:
            self.conversation.end(turn.state.call_id)
        return {
            "heard": heard,
            "waiting": waiting,
            "path": list(turn.visited),
            "node": turn.state.node,
            "language": turn.state.language,
            "ended": ending,
            "transferring": transferring,
            "retry": turn.retry,
        }

    def _heard(self, flow: Flow, say: Say, call_language: str) -> dict[str, Any]:
        language = say.language or call_language
        template = flow.prompts[language].get(say.prompt)
        recording = None
        if template is not None and not has_values(template):
            recording = self.audio.url_for(language, say.prompt)
        return {
            "prompt": say.prompt,
            "language": language,
            "speech_language": flow.languages[language].recognizer,
            "text": prompt_text(flow, say.prompt, language, say.values, spoken),
            "recording": recording,
        }

    @staticmethod
    def _waiting(flow: Flow, turn: Turn, gather: Gather) -> dict[str, Any]:
        node = flow.nodes.get(turn.state.node)
        return {
            "input": isinstance(node, InputNode),
            "secret": gather.secret,
            "speech": not gather.secret,
            "max_digits": gather.max_digits,
            "finish_key": gather.finish_key,
            "hints": list(gather.hints),
            "recognizer": flow.languages[turn.state.language].recognizer,
        }
