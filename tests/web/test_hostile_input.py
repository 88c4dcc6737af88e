"""Hostile input never reaches a 500: property-based tests over every route of the web app.

Random and hostile form data goes to POST /voice, /voice/turn?t=N and /voice/status, and to GET
/healthz: keys no telephone sends, very long Digits, unicode and control characters in SpeechResult,
a missing or malformed CallSid, unknown parameters, repeated parameters, wrong methods, bodies over the
64 KiB limit, raw bodies that are not a form, malformed query strings. Requests are signed with the test
token, as Twilio signs them, so they reach the views; those that test the signature check are not.

Every answer is valid TwiML (a <Response> root) or a 4xx, never a 5xx, and no voice view logs a failure
(a failure would be answered with the spoken apology, a 200, so the logs are where a crash shows). After
any sequence of hostile turns, the stored state of the call still loads as a CallState, and a normal
call with the same CallSid still reaches the main menu.

The default run is short. A long one: IVR_HYPOTHESIS_EXAMPLES=5000 .venv/bin/pytest -q tests/web/test_hostile_input.py
"""

from __future__ import annotations

import logging
import os
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ivr.console_phone import TwilioSimulator
from ivr.engine.state import CallState
from tests.conftest import AUTH_TOKEN, signed_post
from tests.web.phone import BASE_URL, flask_transport

EXAMPLES = int(os.environ.get("IVR_HYPOTHESIS_EXAMPLES") or 50)

# The app, its database and its Redis prefix come from function-scoped fixtures and are built once per
# test, not once per example: building them seeds the demo accounts (six argon2 hashes) and migrates the
# schema, far too slow for every example. Sharing them is what these tests want anyway: every example uses
# its own CallSid, and the properties hold for any state earlier examples left behind. ``caplog`` is
# shared the same way and cleared at the start of each example.
hostile = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a sign-in verifies an argon2 hash; timing is the benchmark's business, not this test's
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

POST_ROUTES = ("/voice", "/voice/turn?t=1", "/voice/status")
ENDED_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
KNOWN_FIELDS = ("CallSid", "Digits", "SpeechResult", "Confidence", "CallStatus", "From")
MAX_REQUEST_BYTES = 64 * 1024

# Any character an HTTP form can carry: everything but lone surrogates, which UTF-8 cannot encode.
any_char = st.characters(exclude_categories=("Cs",))
control_char = st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Co", "Cn"))
any_text = st.text(any_char, max_size=120)
control_text = st.text(control_char, min_size=1, max_size=40)
# One character repeated: cheap to generate, and long enough to pass every limit (and sometimes 64 KiB)
long_text = st.builds(lambda char, count: char * count, any_char, st.integers(300, 30_000))

# What a caller could really send at some node, so sequences get past the first menu and into sign-in,
# payments and the PIN questions. Participant 1000000002's PIN (1357) and SSN are left out on purpose:
# no hostile sequence can sign in as that participant or change that PIN, so the final check can.
REAL_KEYS = ["1", "2", "3", "4", "5", "7", "9", "0", "*", "#", "1000000001", "2468", "1000000002", "0000"]
REAL_WORDS = [
    "yes",
    "no",
    "S\u00ed",
    "pagos",
    "espa\u00f1ol",
    "help",
    "repeat",
    "main menu",
    "back",
    "adi\u00f3s",
]

digits = st.one_of(
    st.sampled_from(REAL_KEYS),
    st.text("0123456789*#", max_size=40),
    st.text("0123456789*#ABCDabcd +-.,;w", max_size=60),
    any_text,
    control_text,
    long_text,
)
speech = st.one_of(st.sampled_from(REAL_WORDS), any_text, control_text, long_text)
confidence = st.one_of(
    st.floats().map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "", "0.9", "\u0661\u066b\u0665", "1_0"]),
    any_text,
)
call_status = st.one_of(st.sampled_from([*ENDED_STATUSES, "ringing", "in-progress", "queued"]), any_text)
hostile_call_sid = st.one_of(
    st.sampled_from(
        ["", " ", "CA", "CA-1", "CA 1", "../../etc/passwd", "CA\x00", "C" * 65, "\uff23\uff21\uff11", "CA*"]
    ),
    any_text,
    control_text,
)
unknown_fields = st.dictionaries(
    st.text(any_char, min_size=1, max_size=24).filter(lambda name: name not in KNOWN_FIELDS),
    any_text,
    max_size=4,
)
# Query strings of the turn URL: what the app writes (t=N), and junk
turn_query = st.one_of(
    st.integers(-(10**20), 10**20).map(lambda n: f"t={n}"),
    st.just(""),
    st.sampled_from(["t=", "t", "t=abc", "t=1&t=2", "=&&==", "t=%00", "t=%ZZ", "t=%C3%A9", "t=1;t=2", "%"]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=40),
)
# Queries the service sees exactly as signed: the app's own t=N. Any other may be re-encoded by the server
# before the signature check (a %41 is read as "A"), and a 403 is then a fair answer.
PLAIN_QUERY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=&-._~")


@st.composite
def voice_form(draw: st.DrawFn, call_sid: str | None = None) -> MultiDict[str, str]:
    """A Twilio-like form with hostile values; any field may be missing, some repeated."""
    form: MultiDict[str, str] = MultiDict()
    sid = call_sid if call_sid is not None else draw(st.one_of(st.just(new_call_sid()), hostile_call_sid))
    if draw(st.booleans()) or call_sid is not None:
        form.add("CallSid", sid)
    for name, strategy in (
        ("Digits", digits),
        ("SpeechResult", speech),
        ("Confidence", confidence),
        ("CallStatus", call_status),
        ("From", st.one_of(st.just("+15555550123"), any_text)),
    ):
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            form.add(name, draw(strategy))
    for name, value in draw(unknown_fields).items():
        form.add(name, value)
    return form


def encoded_size(form: MultiDict[str, str]) -> int:
    return len(urlencode(list(form.items(multi=True))))


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def assert_answered_safely(response: Any, path: str) -> None:
    """TwiML (a <Response> root) or a 4xx; a 204 only from the status callback; never a 5xx."""
    code = response.status_code
    assert code < 500, (path, code, response.data[:300])
    if code == 200:
        assert response.mimetype == "application/xml", (path, response.mimetype)
        # TwiML from the app under test, which is what this test checks
        document = ET.fromstring(response.data)  # noqa: S314
        assert document.tag == "Response", (path, response.data[:300])
    elif code == 204:
        assert path.startswith("/voice/status") and not response.data, path
    else:
        assert 400 <= code < 500, (path, code)


def assert_no_failure_logged(caplog: pytest.LogCaptureFixture) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("ivr")]
    assert not failures, [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in failures]


def reaches_the_view(path: str) -> bool:
    """Whether a correctly signed request to ``path`` must pass the signature check."""
    query = path.partition("?")[2]
    return set(query) <= PLAIN_QUERY_CHARS


@hostile
@given(data=st.data())
def test_signed_hostile_forms_get_twiml_or_a_4xx(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    caplog.clear()
    route = data.draw(st.sampled_from(["/voice", "/voice/turn", "/voice/status"]))
    query = data.draw(turn_query) if route == "/voice/turn" else ""
    path = f"{route}?{query}" if query else route
    form = data.draw(voice_form())
    response = signed_post(client, path, form)
    assert_answered_safely(response, path)
    if reaches_the_view(path) and encoded_size(form) <= MAX_REQUEST_BYTES:
        assert response.status_code != 403, ("a correctly signed request was refused", path)
    sid = form.get("CallSid", "").strip()
    if response.status_code == 400:
        assert not sid or len(sid) > 64 or not sid.isalnum(), ("only a bad CallSid is a 400", sid)
    assert_no_failure_logged(caplog)


def hostile_turn() -> st.SearchStrategy[tuple[str, str]]:
    """(route, kind) of one step in a hostile sequence."""
    return st.one_of(
        st.tuples(turn_query.map(lambda q: f"/voice/turn?{q}" if q else "/voice/turn"), st.just("answer")),
        st.tuples(st.just("/voice/status"), st.just("status")),
        st.tuples(st.just("/voice"), st.just("dial")),
        st.tuples(st.just("/voice/turn?t=1"), st.just("other call")),
    )


def call_state(redis_client: redis.Redis, prefix: str, call_sid: str) -> CallState | None:
    raw = redis_client.get(f"{prefix}call:{call_sid}")
    return None if raw is None else CallState.from_json(raw)


def forget_failed_attempts(redis_client: redis.Redis, prefix: str) -> None:
    """Lockouts after wrong PINs are other tests' subject: clear every key but the calls' state."""
    for key in redis_client.scan_iter(f"{prefix}*"):
        if not key.decode().startswith(f"{prefix}call:"):
            redis_client.delete(key)


@hostile
@given(data=st.data(), steps=st.lists(hostile_turn(), min_size=1, max_size=8))
def test_hostile_turns_leave_a_call_that_still_works(
    client: FlaskClient,
    redis_client: redis.Redis,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
    steps: list[tuple[str, str]],
) -> None:
    caplog.clear()
    call_sid = new_call_sid()
    assert_answered_safely(signed_post(client, "/voice", {"CallSid": call_sid}), "/voice")
    for path, kind in steps:
        form = data.draw(voice_form(call_sid if kind != "other call" else None))
        if kind == "status":
            form.setlist("CallStatus", [data.draw(call_status)])
        assert_answered_safely(signed_post(client, path, form), path)
        state = call_state(redis_client, redis_prefix, call_sid)
        assert state is None or state.call_id == call_sid
    assert_no_failure_logged(caplog)

    forget_failed_attempts(redis_client, redis_prefix)
    phone = TwilioSimulator(base_url=BASE_URL, auth_token=AUTH_TOKEN, transport=flask_transport(client))
    phone.call_sid = call_sid
    phone.dial()
    phone.press("1")
    phone.press("1000000002#")
    phone.press("1357#")
    state = call_state(redis_client, redis_prefix, call_sid)
    assert state is not None and state.node == "main_menu" and state.participant is not None, state
    phone.hang_up()
    assert call_state(redis_client, redis_prefix, call_sid) is None
    assert_no_failure_logged(caplog)


@hostile
@given(
    path=st.sampled_from(POST_ROUTES),
    form=voice_form(),
    signature=st.one_of(
        st.none(),
        st.just(""),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
        st.just("x" * 27 + "="),
    ),
    token=st.sampled_from(["not-the-token", "test-auth-token-012345678", "TEST-AUTH-TOKEN-0123456789"]),
)
def test_unsigned_or_forged_requests_are_refused(
    client: FlaskClient, path: str, form: MultiDict[str, str], signature: str | None, token: str
) -> None:
    url = f"http://localhost{path}"
    if signature is None:  # signed, but with another token
        signature = RequestValidator(token).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature.strip()} if signature.strip() else {}
    response = client.post(url, data=form, headers=headers)
    if encoded_size(form) > MAX_REQUEST_BYTES:
        assert response.status_code in (403, 413)
    else:
        assert response.status_code == 403, (path, response.status_code)


@hostile
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"]),
    path=st.sampled_from([*POST_ROUTES, "/healthz"]),
    form=voice_form(),
)
def test_wrong_methods_get_a_4xx(
    client: FlaskClient, method: str, path: str, form: MultiDict[str, str]
) -> None:
    response = client.open(path, method=method, data=form)
    if path == "/healthz" and method in ("GET", "HEAD", "OPTIONS"):
        assert response.status_code == 200
    elif method == "OPTIONS":
        assert response.status_code == 200 and "POST" in response.headers["Allow"]
    else:
        assert response.status_code == 405, (method, path, response.status_code)


def test_health_answers_json(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json is not None and response.json["status"] == "ok" and response.json["redis"] == "ok"


@hostile
@given(
    path=st.sampled_from(POST_ROUTES),
    extra=st.integers(1, 200_000),
    shape=st.sampled_from(["one field", "many fields", "raw"]),
)
def test_bodies_over_64_kib_are_refused(client: FlaskClient, path: str, extra: int, shape: str) -> None:
    if shape == "raw":
        body = b"a" * (MAX_REQUEST_BYTES + extra)
        signature = "anything"
        response = client.post(
            path,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
    else:
        size = MAX_REQUEST_BYTES + extra
        form = (
            {"CallSid": new_call_sid(), "Digits": "1" * size}
            if shape == "one field"
            else {"CallSid": new_call_sid(), **{f"F{i}": "x" * 64 for i in range(size // 68 + 1)}}
        )
        response = signed_post(client, path, form)
    assert response.status_code == 413, (path, shape, response.status_code)


raw_body = st.one_of(
    st.binary(max_size=2000),
    st.text(any_char, max_size=500).map(lambda s: s.encode()),
    st.sampled_from(
        [
            b"CallSid=CA1&Digits=%ZZ",
            b"CallSid=CA1&Digits=%C3%28",  # percent-encoded invalid UTF-8
            b"CallSid=CA\xff\xfe&Digits=1",
            b"CallSid=CA1&&&&=&=&Digits",
            b'{"CallSid": "CA1", "Digits": "1"}',
            b'--x\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA1\r\n--x--\r\n',
            b"--x\r\nContent-Disposition: form-data; name=CallSid\r\n\r\nCA1",  # no closing boundary
        ]
    ),
)
content_type = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "application/json",
        "text/plain",
        "",
    ]
)


@hostile
@given(path=st.sampled_from(POST_ROUTES), body=raw_body, kind=content_type)
def test_raw_bodies_that_are_not_a_clean_form(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str, body: bytes, kind: str
) -> None:
    """Signed over the form exactly as the server parses it, so the body reaches the view."""
    caplog.clear()
    url = f"http://localhost{path}"
    parsed = Request(EnvironBuilder(url, method="POST", data=body, content_type=kind).get_environ())
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, parsed.form)
    response = client.post(url, data=body, content_type=kind, headers={"X-Twilio-Signature": signature})
    assert_answered_safely(response, path)
    assert_no_failure_logged(caplog)
