"""Faults injected into the real services: the caller always hears something sensible, never a 500.

Redis: a Redis server of the test's own is frozen (SIGSTOP: it stops answering, as an overloaded or
partitioned server does) and thawed again; a dead port stands for one that is gone. The database: a dead
port, and (on PostgreSQL) the app's connections killed by the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text as sql

from ivr.adapters.sql.database import make_engine
from ivr.engine import CallState
from ivr.runtime.ports import CallStore
from ivr.web.app import create_app
from tests.conftest import OPEN_TIME, call_state, close_app, free_port, signed_post
from tests.web.phone import phone, text

THREAD_SECONDS = 10  # the most a concurrent request may take before the test fails instead of hanging


@pytest.fixture
def open_hours_app(
    app_config: dict[str, str], own_redis: tuple[str, subprocess.Popen[bytes]]
) -> Iterator[tuple[Flask, subprocess.Popen[bytes]]]:
    """The app in office hours on its own Redis server, which the test may freeze; closed after the test."""
    url, server = own_redis
    app = create_app({**app_config, "REDIS_URL": url, "IVR_FIXED_TIME": OPEN_TIME})
    yield app, server
    close_app(app)


def _twiml(body: bytes) -> ET.Element:
    document = ET.fromstring(body)  # noqa: S314 - TwiML from the app under test
    assert document.tag == "Response"
    return document


def test_a_frozen_redis_gets_an_apology_and_the_call_resumes_when_it_thaws(
    open_hours_app: tuple[Flask, subprocess.Popen[bytes]],
) -> None:
    app, server = open_hours_app
    client = app.test_client()
    call = phone(client)
    call.dial()
    call.press("1")
    assert call.gather is not None
    action = call.gather.get("action", "")

    server.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = signed_post(client, action, {"CallSid": call.call_sid, "Digits": "1000000002"})
        assert response.status_code == 200
        assert time.monotonic() - started < 10  # the Redis timeout, not Twilio's 15 s webhook limit
        document = _twiml(response.data)
        gather = document.find("Gather")
        assert gather is not None and "/voice/outage-offer" in gather.get("action", "")
        said = " ".join(say.text or "" for say in document.iter("Say"))
        assert "To speak with a representative, press 0" in said and "marque 0" in said
        retry = document.find("Redirect")
        assert retry is not None and "/voice/resume?retry=1" in (retry.text or "")
    finally:
        server.send_signal(signal.SIGCONT)

    resumed = signed_post(client, (retry.text or "").strip(), {"CallSid": call.call_sid})
    assert "Enter your participant ID or Social Security number" in resumed.data.decode()  # where it was


def test_pressing_zero_during_an_outage_reaches_a_representative_in_office_hours(
    open_hours_app: tuple[Flask, subprocess.Popen[bytes]],
) -> None:
    app, server = open_hours_app
    client = app.test_client()
    call = phone(client)
    call.dial()
    server.send_signal(signal.SIGSTOP)
    try:
        outage = _twiml(
            signed_post(client, "/voice/turn?t=1", {"CallSid": call.call_sid, "Digits": "1"}).data
        )
        gather = outage.find("Gather")
        assert gather is not None
        answer = _twiml(
            signed_post(client, gather.get("action", ""), {"CallSid": call.call_sid, "Digits": "0"}).data
        )
        dial = answer.find("Dial")
        assert dial is not None and (dial.text or "").strip() == "+18005550100"
    finally:
        server.send_signal(signal.SIGCONT)


def test_a_dead_redis_after_hours_waits_then_apologises_without_a_500(app_config: dict[str, str]) -> None:
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    client = app.test_client()
    form = {"CallSid": "CA" + "d" * 32, "From": "+15555550123"}
    first = signed_post(client, "/voice", form)
    assert first.status_code == 200
    document = _twiml(first.data)
    assert document.find("Gather") is None  # closed: no representative to offer
    assert "Please stay on the line" in " ".join(say.text or "" for say in document.iter("Say"))
    retry = document.find("Redirect")
    for _ in range(3):
        assert retry is not None
        document = _twiml(signed_post(client, (retry.text or "").strip(), form).data)
        retry = document.find("Redirect")
    assert document.find("Hangup") is not None and "technical difficulties" in ET.tostring(
        document, "unicode"
    )
    close_app(app)


def test_twilio_fallback_url_answers_gracefully(client: FlaskClient) -> None:
    form = {
        "CallSid": "CA" + "e" * 32,
        "ErrorCode": "11200",
        "ErrorUrl": "https://ivr.example.org/voice/turn",
    }
    response = signed_post(client, "/voice/fallback", form)
    assert response.status_code == 200 and _twiml(response.data).find("Redirect") is not None


def test_without_the_database_menus_work_and_sign_in_says_it_is_unavailable(
    app_config: dict[str, str],
) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    app = create_app({**app_config, "DATABASE_URL": dead})
    call = phone(app.test_client())
    call.dial()
    assert "Monday through Friday" in text(call.press("2"))  # general information needs no data
    call.press("2")
    call.press("1")
    heard = text(call.press("1000000002#"))
    assert heard.startswith("Sorry, we cannot check accounts right now.")
    assert not call.ended
    close_app(app)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_killed_database_connections_are_replaced(app_config: dict[str, str]) -> None:
    if not app_config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to kill connections")
    app = create_app(app_config)
    call = phone(app.test_client())
    call.dial()
    call.press("1")
    call.press("1000000002#")
    assert "Main menu" in text(call.press("1357#"))
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as connection:
        killed = connection.execute(
            sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
            )
        ).scalar()
    admin.dispose()
    assert killed and killed >= 1
    assert "one thousand two hundred thirty-four dollars" in text(call.press("1"))
    close_app(app)


def test_a_repeated_webhook_does_not_advance_the_call(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(client)
    call.dial()
    form = {"CallSid": call.call_sid, "Digits": "7"}
    first = signed_post(client, "/voice/turn?t=1", form)
    again = signed_post(client, "/voice/turn?t=1", form)  # Twilio retried the same request
    assert "To have a new PIN mailed to you" in first.data.decode()
    assert "To have a new PIN mailed to you" in again.data.decode()
    state = call_state(redis_client, redis_prefix, call.call_sid)
    assert state is not None and state.node == "other_options" and state.turn == 2, state
    late = signed_post(client, "/voice/turn?t=1", {"CallSid": call.call_sid, "Digits": "1"})
    assert "To have a new PIN mailed to you" in late.data.decode()  # still where it was, not at sign-in


def test_a_late_answer_to_a_start_whose_state_was_lost_never_moves_the_new_start(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """The call's state is lost (a failover); the caller's next answer begins the call again, and the new
    start comes to a turn of the same number as a question the lost start asked. Twilio delivering an
    answer to that old question late (a retry) must hear where the call is, not answer the new question."""
    call = phone(client)
    call.dial()
    call.press("7")  # other options: turn 2 of the first start
    assert call.gather is not None
    lost_question = call.gather.get("action", "")
    first = call_state(redis_client, redis_prefix, call.call_sid)
    assert first is not None and first.turn == 2
    redis_client.delete(f"{redis_prefix}call:{call.call_sid}")  # the failover lost the call's state

    assert "lost your place" in text(call.press("1")).lower()  # begun again, at the welcome
    asked_now = text(call.press("1"))  # parent or legal guardian: turn 2 of the new start
    begun_again = call_state(redis_client, redis_prefix, call.call_sid)
    assert begun_again is not None and begun_again.turn == 2 and begun_again.epoch != first.epoch

    late = signed_post(client, lost_question, {"CallSid": call.call_sid, "Digits": "1"})
    after = call_state(redis_client, redis_prefix, call.call_sid)
    assert after == begun_again  # nothing moved
    assert late.status_code == 200 and asked_now.split(".")[0] in late.data.decode()  # asked again


class RepliesLost:
    """The app's call store, on the test's real Redis, whose writes land but whose replies are lost while
    ``lost`` is set: what the service sees when Redis froze (or the network went) just after it ran the
    compare-and-set and before its reply reached the service. The fleet harness met it when its Redis was
    frozen (tests/fleet); here it is made to happen at one chosen turn."""

    def __init__(self, store: CallStore) -> None:
        self._store = store
        self.lost = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def save(self, state: CallState, read: CallState, journey: object = ()) -> None:
        self._store.save(state, read, journey)  # type: ignore[arg-type]
        if self.lost:
            raise redis.TimeoutError("Timeout reading from socket")


def test_an_answer_saved_whose_reply_was_lost_is_followed_by_the_whole_next_question(
    app: Flask, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """The PIN is checked and the call saved as signed in at the main menu, but the reply is lost: the
    caller hears the outage apology, and the call resumes. They never heard that they are signed in nor
    the main menu, so they hear it whole (not its short form, which the state says they heard)."""
    conversation = app.extensions["ivr"].conversation
    store = RepliesLost(conversation._store)
    conversation._store = store
    call = phone(app.test_client())
    call.dial()
    call.press("1")
    call.press("1000000002#")
    store.lost = True
    heard = text(call.press("1357#"))  # the apology, its pause, then /voice/resume (out of office hours)
    assert "technical problem" in heard and not call.ended
    state = call_state(redis_client, redis_prefix, call.call_sid)
    assert state is not None and state.node == "main_menu" and "main_menu" in state.heard
    assert "Main menu. For payments, press 1" in heard  # the whole menu, not "Press 1 for payments, ..."


def test_an_answer_twilio_sends_again_hears_the_whole_question_it_led_to(client: FlaskClient) -> None:
    """Twilio sends an answer again when the first attempt got no reply in time (connection overrides):
    the caller never heard that reply, so the retry says the question it led to whole."""
    call = phone(client)
    call.dial()
    call.press("1")
    call.press("1000000002#")
    assert call.gather is not None
    pin_question = call.gather.get("action", "")
    assert "Main menu. For payments, press 1" in text(call.press("1357#"))
    again = signed_post(client, pin_question, {"CallSid": call.call_sid, "Digits": "1357"})
    assert "Main menu. For payments, press 1" in again.data.decode()


def test_a_call_start_delivered_twice_at_once_leaves_one_call_and_both_hear_its_menu(
    app: Flask, redis_client: redis.Redis, redis_prefix: str
) -> None:
    barrier = threading.Barrier(2, timeout=THREAD_SECONDS)
    answers: list[str] = []

    def dial() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(
            signed_post(client, "/voice", {"CallSid": "CAtwice", "CallStatus": "ringing"}).data.decode()
        )

    threads = [threading.Thread(target=dial) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_SECONDS)
    assert len(answers) == 2 and all("If you are a parent or legal guardian" in answer for answer in answers)
    assert sum("Welcome to Customer Connect" in answer for answer in answers) == 1  # one start, one welcome
    state = call_state(redis_client, redis_prefix, "CAtwice")
    assert state is not None and state.node == "caller_type" and state.turn == 1, state  # one start


def test_two_answers_at_once_leave_one_consistent_state(
    app: Flask, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(app.test_client())
    call.dial()
    barrier = threading.Barrier(2, timeout=THREAD_SECONDS)
    statuses: list[int] = []

    def answer(digits: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(
            signed_post(client, "/voice/turn?t=1", {"CallSid": call.call_sid, "Digits": digits}).status_code
        )

    threads = [threading.Thread(target=answer, args=(digits,)) for digits in ("2", "7")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_SECONDS)
    assert statuses == [200, 200]
    state = call_state(redis_client, redis_prefix, call.call_sid)
    assert state is not None and state.turn == 2, state  # one answer counted, not two
    assert state.node in ("general_information_end", "other_options"), state
