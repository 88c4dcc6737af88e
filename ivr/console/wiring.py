"""The objects one console app holds, wired once by create_console_app and reached through current_app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

import redis
from flask import current_app
from sqlalchemy import Engine

from ivr.adapters.redis.journal import RedisCallJournal
from ivr.adapters.sql.database import create_schema, open_database
from ivr.console.address_limit import FailedSignIns
from ivr.console.drawing import FlowDrawings
from ivr.console.operators import OperatorDirectory
from ivr.console.phone import BrowserPhone, open_sandbox
from ivr.console.publishing import FlowFiles, Publisher
from ivr.console.sessions import SessionStore
from ivr.console.settings import ConsoleSettings
from ivr.core.clock import Clock, FixedClock, SystemClock
from ivr.flow.library import FlowLibrary
from ivr.flow.watcher import FlowWatcher
from ivr.media.recordings.lookup import PromptAudio
from ivr.media.recordings.sources import build_dir
from ivr.runtime.handlers import HANDLER_RULES
from ivr.service.flow import SERVICE_PROMPTS, load_service_flow
from ivr.service.wiring import connect_redis
from ivr.twilio.messaging import TEXT_KEYWORDS

log = logging.getLogger(__name__)


@dataclass
class ConsoleServices:
    settings: ConsoleSettings
    database: Engine
    sandbox: Engine
    redis: redis.Redis
    flows: FlowLibrary
    clock: Clock
    operators: OperatorDirectory
    sessions: SessionStore
    sign_in_limiter: FailedSignIns
    publisher: Publisher
    phone: BrowserPhone
    drawings: FlowDrawings
    watcher: FlowWatcher
    embedded_redis: Any = None

    @property
    def prefix(self) -> str:
        return self.settings.service.redis_prefix

    def refresh_flow(self) -> None:
        """Look at the flow's files now (after a publication) instead of at the next poll."""
        self.watcher.check()

    def close(self) -> None:
        self.watcher.stop()
        self.database.dispose()
        self.sandbox.dispose()
        self.redis.close()


def console_services() -> ConsoleServices:
    return cast(ConsoleServices, current_app.extensions["ivr_console"])


def build_console_services(settings: ConsoleSettings) -> ConsoleServices:
    service = settings.service
    flows = FlowLibrary(load_service_flow(service.flow_path))
    client, embedded = connect_redis(service)
    engine = open_database(service.database_url, service.instance_path)
    if service.auto_migrate:
        create_schema(engine)
    clock: Clock = FixedClock(service.fixed_time) if service.fixed_time else SystemClock()
    journal = RedisCallJournal(client, service.redis_prefix, service.secret_key, flows)
    audio = PromptAudio.load(build_dir(service.flow_path))
    sandbox = open_sandbox(settings.sandbox_url)
    watcher = FlowWatcher(
        flows, service.flow_path, HANDLER_RULES, SERVICE_PROMPTS, text_keywords=TEXT_KEYWORDS
    )
    if service.watch_flow:
        watcher.start()
    return ConsoleServices(
        settings=settings,
        database=engine,
        sandbox=sandbox,
        redis=client,
        flows=flows,
        clock=clock,
        operators=OperatorDirectory(engine),  # real time: a stopped clock would never end a lockout
        sessions=SessionStore(client, service.redis_prefix, settings.idle_seconds, settings.absolute_seconds),
        sign_in_limiter=FailedSignIns(client, f"{service.redis_prefix}console:"),
        publisher=Publisher(FlowFiles(service.flow_path), engine, client, service.redis_prefix),
        phone=BrowserPhone(flows, sandbox, client, service.redis_prefix, clock, journal, audio),
        drawings=FlowDrawings(),
        watcher=watcher,
        embedded_redis=embedded,
    )
