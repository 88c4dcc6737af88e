"""Where callers give up: the funnel counts visits, silences, answers not understood, hang-ups, transfers and
self-service completions per node, language, channel and day, from events that hold node ids, outcomes
and times only: never digits, speech, caller ids, account ids or phone numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from ivr.adapters.redis.journal import queue_key
from ivr.adapters.sql.console_tables import CallEvent
from ivr.console.app import create_console_app
from ivr.web.app import create_app
from tests.conftest import OPEN_TIME, close_app
from tests.console.conftest import PASSWORD, Operator, console, sign_in
from tests.web.phone import phone


@pytest.fixture
def open_config(console_config: dict[str, str]) -> dict[str, str]:
    return {**console_config, "IVR_FIXED_TIME": OPEN_TIME}  # office hours: a representative answers


@pytest.fixture
def webhook(open_config: dict[str, str]) -> Iterator[Flask]:
    app = create_app(open_config)
    yield app
    close_app(app)


@pytest.fixture
def viewer(open_config: dict[str, str]) -> Iterator[Operator]:
    app = create_console_app(open_config)
    console(app).operators.add("viewer", PASSWORD, "viewer")
    client = app.test_client()
    assert sign_in(client, "viewer").status_code == 302
    yield Operator(client)
    console(app).close()


SECRETS = ("1000000001", "2468", "123456789", "6789", "5555550123", "5550199", "pagos", "gibberish", "blah")


def _calls(webhook: Flask) -> list[str]:
    """Three calls: a Spanish caller hears her balance and hangs up; a caller signs in by SSN after a
    silence, saves his phone number, then asks for a representative; a caller not understood hangs up."""
    client = webhook.test_client()
    completed = phone(client)
    completed.dial()
    for keys in ("9", "1", "1000000001#", "2468#"):
        completed.press(keys)
    completed.say("pagos")
    completed.hang_up()
    transferred = phone(client, caller="+15555550199")
    transferred.dial()
    transferred.press("1")
    transferred.press("123456789#")
    transferred.silence()
    for keys in ("2468#", "5", "1", "1", "0"):
        transferred.press(keys)
    assert transferred.transfer is not None  # put through; the caller hangs up talking to a person
    transferred.hang_up()
    lost = phone(client)
    lost.dial()
    lost.say("gibberish blah")
    lost.hang_up()
    return [completed.call_sid, transferred.call_sid, lost.call_sid]


def test_the_funnel_counts_where_calls_went_and_how_they_ended(
    webhook: Flask, viewer: Operator, redis_url: str, redis_prefix: str
) -> None:
    sids = _calls(webhook)
    client = redis.Redis.from_url(redis_url)
    queued = [raw.decode() for raw in cast(list[bytes], client.lrange(queue_key(redis_prefix), 0, -1))]
    client.close()
    assert queued
    figures = viewer.get("/api/funnel?days=7").json
    assert figures["days"] == [
        {
            "day": "2026-11-24",
            "calls": 3,
            "completed": 1,
            "transferred": 1,
            "hung_up": 2,
            "self_service_share": round(1 / 3, 4),
        }
    ]
    nodes = {node["node"]: node for node in figures["nodes"]}
    assert nodes["main_menu"]["hangups"] == 1 and nodes["payments_received"]["goals"] == 1
    assert nodes["ask_pin"]["no_input"] == 1 and nodes["ask_pin"]["no_input_rate"] == 0.5  # 1 of 2 visits
    assert nodes["caller_type"]["no_match"] == 1 and nodes["caller_type"]["hangups"] == 1
    assert nodes["representative"]["transfers"] == 1 and nodes["phone_saved"]["goals"] == 1
    segments = {(s["language"], s["channel"]): (s["calls"], s["completed"]) for s in figures["segments"]}
    assert segments == {("es", "voice"): (1, 1), ("en", "voice"): (2, 0)}
    spanish = viewer.get("/api/funnel?days=7&language=es").json
    assert [day["calls"] for day in spanish["days"]] == [1]
    assert {node["node"] for node in spanish["nodes"]} >= {"payments_received", "main_menu"}
    assert "ask_pin" not in {node["node"] for node in spanish["nodes"] if node["no_input"]}

    rows = _rows(viewer)
    assert {row["channel"] for row in rows} == {"voice"}  # hang-ups take their call's channel
    stored = json.dumps(rows) + "\n".join(queued)
    for secret in (*SECRETS, *sids):
        assert secret not in stored, secret
    assert set(rows[0]) == {"id", "at_ms", "day", "call_key", "channel", "language", "node", "kind"}


def _rows(operator: Operator) -> list[dict[str, Any]]:
    app = operator.client.application
    with console(app).database.connect() as connection:
        return [
            {**row._asdict(), "day": row.day.isoformat()}
            for row in connection.execute(select(CallEvent.__table__))
        ]


def test_a_browser_call_is_counted_on_its_own_channel(viewer: Operator) -> None:
    call = viewer.post("/api/phone/calls", {"language": "es"}).json["call"]
    for answer in ({"keys": "1"}, {"keys": "1000000001#"}, {"keys": "2468#"}, {"speech": "pagos"}):
        viewer.post(f"/api/phone/calls/{call}", answer)
    viewer.delete(f"/api/phone/calls/{call}")
    figures = viewer.get("/api/funnel?days=1&channel=browser").json
    assert [(day["calls"], day["completed"], day["hung_up"]) for day in figures["days"]] == [(1, 1, 1)]
    assert figures["segments"] == [
        {"language": "es", "channel": "browser", "calls": 1, "completed": 1, "self_service_share": 1.0}
    ]
    assert viewer.get("/api/funnel?days=0").status_code == 400


def test_the_stored_funnel_is_still_read_when_the_queue_cannot_be(
    viewer: Operator, redis_url: str, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set(queue_key(redis_prefix), "not a list")  # every list command on it fails (WRONGTYPE)
    answer = viewer.get("/api/funnel?days=7")
    client.close()
    assert answer.status_code == 200 and answer.json["days"] == []
