"""Overload is a designed path: a voice webhook that waited too long in the server's queue is answered at
once (ivr.web.voice.shed_when_overloaded), never after Twilio gave up on it.

The decision is tested through the app with the wait marked as the worker marks it; then through gunicorn
itself, with the shipped gunicorn.conf.py and its worker, one thread, and more calls at once than it can
answer within the budget's share."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.twilio.simulator import Transport, TwilioSimulator
from ivr.web import queue_time
from ivr.web.queue_time import QueueWait
from tests.conftest import AUTH_TOKEN, ROOT, call_state, free_port
from tests.web.phone import flask_transport, phone, text

CALLS = 250  # at 2 ms or more a start, the last ones would wait half a second or more
OUTAGE = "We're sorry, we are having a technical problem. Please stay on the line while we try again."


class Queue:
    """The worker's marks, as gunicorn's worker (ivr.web.gunicorn_worker) sets them for each request: the
    next request waited ``seconds``, every later one none (the test client runs the app in this thread)."""

    def __init__(self) -> None:
        self.next_wait: float | None = None

    def transport(self, client: FlaskClient) -> Transport:
        plain = flask_transport(client)

        def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
            now = time.monotonic()
            wait, self.next_wait = self.next_wait, None
            queue_time.mark(None if wait is None else QueueWait(now - wait, now))
            try:
                return plain(url, form, headers)
            finally:
                queue_time.mark(None)

        return post


def queued_phone(client: FlaskClient) -> tuple[TwilioSimulator, Queue]:
    queue = Queue()
    call = phone(client)
    call.transport = queue.transport(client)
    return call, queue


def test_a_turn_that_waited_too_long_is_answered_at_once_and_the_call_goes_on(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call, queue = queued_phone(client)
    call.dial()
    before = call_state(redis_client, redis_prefix, call.call_sid)
    queue.next_wait = 5.0  # the default budget is 8 s: past one eighth of it, the answer could come too late
    heard = text(call.press("1"))
    assert heard.startswith(OUTAGE)  # said at once, in every language, without touching the call
    assert "If you are a parent or legal guardian" in heard  # then the call where it was (/voice/resume)
    assert call_state(redis_client, redis_prefix, call.call_sid) == before  # the shed answer was not taken
    assert "participant ID" in text(call.press("1"))  # asked again, it is


def test_a_call_whose_start_waited_too_long_starts_when_it_can(client: FlaskClient) -> None:
    call, queue = queued_phone(client)
    queue.next_wait = 2.0
    heard = text(call.dial())
    assert heard.startswith(OUTAGE)
    assert "we lost your place" not in heard.lower()  # a call that had not started has no place to lose
    assert "parent or legal guardian" in heard  # then, a silence later, the call starts


def test_a_short_wait_and_news_of_the_call_are_never_shed(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call, queue = queued_phone(client)
    call.dial()
    queue.next_wait = 0.5  # within the share
    assert "participant ID" in text(call.press("1"))
    queue.next_wait = 5.0
    call.hang_up()  # the status callback: the call's end is kept, however late
    assert call_state(redis_client, redis_prefix, call.call_sid) is None


@pytest.mark.parametrize(
    ("field", "status"),
    [("DialCallStatus", "busy"), ("QueueResult", "queue-full")],  # a <Dial>'s action, an <Enqueue>'s
)
def test_the_end_of_a_transfer_is_never_shed(office_hours_app: Flask, field: str, status: str) -> None:
    """However long it waited, the news that a transfer ended is taken: shed, the caller would hear the
    apology and be sent back into the transfer, its outcome lost."""
    call, queue = queued_phone(office_hours_app.test_client())
    call.dial()
    call.press("0")
    assert call.transfer is not None
    queue.next_wait = 5.0
    heard = text(call.transfer_ends(status, field))
    assert heard.startswith("All of our representatives are busy right now. To try again, press 1.")


@dataclass
class Gunicorn:
    base: str
    master: subprocess.Popen[bytes]

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        [worker] = children
        return int(worker)


@pytest.fixture
def gunicorn(app_config: dict[str, str], tmp_path: Path) -> Iterator[Gunicorn]:
    """The shipped gunicorn.conf.py with one process and one thread, a turn budget of 1 s (shed after
    0.125 s in the queue), on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **app_config,
        "PUBLIC_BASE_URL": base,
        "IVR_TURN_BUDGET_SECONDS": "1",
        "IVR_LOG_FORMAT": "text",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "IVR_DRAIN_SECONDS": "0",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "app:app"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/livez", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or its worker still starting
                time.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "gunicorn.log").read_text())
        yield Gunicorn(base, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_sheds_what_it_cannot_answer_in_time(gunicorn: Gunicorn) -> None:
    """Calls arrive all at once at one thread (its process held for a second while they connect): those it reaches in time start, the others hear the
    apology at once; every answer is TwiML Twilio can act on, well within Twilio's 15 s."""
    url = f"{gunicorn.base}/voice"
    validator = RequestValidator(AUTH_TOKEN)

    def start(index: int) -> tuple[float, bytes]:
        form = {"CallSid": f"CA{index:032x}", "From": "+15555550123", "To": "+18005550100"}
        began = time.monotonic()
        answer = requests.post(
            url, data=form, headers={"X-Twilio-Signature": validator.compute_signature(url, form)}, timeout=15
        )
        assert answer.status_code == 200, answer.text
        return time.monotonic() - began, answer.content

    worker = gunicorn.worker_pid()
    os.kill(worker, signal.SIGSTOP)  # the calls arrive while the worker is busy elsewhere...
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=CALLS) as pool:
            sent = [pool.submit(start, index) for index in range(CALLS)]
            time.sleep(1.0)
            os.kill(worker, signal.SIGCONT)  # ...and all at once: more than one thread answers in time
            answers = [future.result() for future in sent]
    finally:
        os.kill(worker, signal.SIGCONT)
    shed = [body for _, body in answers if b"technical problem" in body]
    started = [body for _, body in answers if b"technical problem" not in body]
    assert shed and started, (len(shed), len(started))
    for _, body in answers:
        assert ET.fromstring(body).tag == "Response"  # noqa: S314 - TwiML from the server under test
    for body in shed:
        assert b"/voice?retry=1" in body  # a silence starts the call when the server can
    assert max(seconds for seconds, _ in answers) < 10
