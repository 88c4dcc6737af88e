"""Hostile input never reaches a 500: property-based tests over every route of the web app.

Random and hostile requests go to every POST route the app has (found in its URL map: /voice,
/voice/turn?t=N, /voice/status and the others) and to its GET routes: keys no telephone sends, very long
Digits, unicode and control characters in SpeechResult, a missing or malformed CallSid, unknown and
repeated parameters, wrong methods, bodies over the 64 KiB limit, raw bodies that are not a clean form,
malformed query strings. Requests are signed with the test token, as Twilio signs them, so they reach the
views; the tests of the signature check itself send unsigned and forged ones, which get a 403.

Every answer is valid TwiML (a <Response> root) or a 4xx, never a 5xx, and no view logs an exception (a
voice view answers a failure with a spoken apology, a 200, so the log is where a crash would show).
After any sequence of real and hostile turns, following the TwiML as Twilio does, the stored state of the
call loads as a CallState, and a normal call with the same CallSid still reaches the main menu.

The default run is short (IVR_HYPOTHESIS_EXAMPLES=50 examples a test). A long run:

    IVR_HYPOTHESIS_EXAMPLES=5000 .venv/bin/pytest -q tests/web/test_hostile_input.py

Add --hypothesis-show-statistics to see which answers and call nodes the examples reached.
"""

from __future__ import annotations

import logging
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
import redis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ivr.engine.sign_in import SignedIn
from ivr.web.app import create_app
from tests.conftest import AUTH_TOKEN, call_state, close_app, free_port, signed_post
from tests.web.phone import phone

EXAMPLES = int(os.environ.get("IVR_HYPOTHESIS_EXAMPLES") or 50)

# The app, its database and its Redis prefix come from function-scoped fixtures and are built once per
# test, not once per example: building them migrates the schema and seeds the demo accounts (argon2
# hashes), far too slow for every example. Sharing them is what these tests want anyway: each example
# uses its own CallSid, and the properties must hold whatever state earlier examples left behind.
# ``caplog`` is shared the same way and cleared at the start of each example.
hostile = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a sign-in verifies an argon2 hash; speed is the benchmark's business (bench/)
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

MAX_REQUEST_BYTES = 64 * 1024
ENDED_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
KNOWN_FIELDS = ("CallSid", "Digits", "SpeechResult", "Confidence", "CallStatus", "From", "Body")

# Any character an HTTP form can carry: everything but lone surrogates, which UTF-8 cannot encode.
any_char = st.characters(exclude_categories=["Cs"])
control_char = st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Co", "Cn"))
any_text = st.text(any_char, max_size=120)
control_text = st.text(control_char, min_size=1, max_size=40)
# One character repeated: cheap to make, longer than every limit, and sometimes over 64 KiB encoded
long_text = st.builds(lambda char, count: char * count, any_char, st.integers(300, 30_000))

# What a caller could really send somewhere in the flow, so that sequences get past the first menu into
# sign-in, payments, the PIN and contact questions. Participant 1000000002's PIN (1357) and SSN are left
# out on purpose: no sequence can sign in as that participant or change that PIN, so the final check can.
REAL_KEYS = [
    *"123456790*#",
    "1000000001",
    "2468",
    "123456789",
    "1000000002",
    "1999999999",
    "0000",
    "5551234567",
]
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
phone_number = st.one_of(
    st.just("+15555550123"), st.sampled_from(["", "anonymous", "+" + "9" * 40]), any_text
)
unknown_fields = st.dictionaries(
    st.text(any_char, min_size=1, max_size=24).filter(lambda name: name not in KNOWN_FIELDS),
    any_text,
    max_size=4,
)
# Query strings: what the app writes (t=N, retry=N), and junk
query = st.one_of(
    st.just(""),
    st.integers(-(10**20), 10**20).map(lambda n: f"t={n}"),
    st.integers(-(10**20), 10**20).map(lambda n: f"retry={n}"),
    st.sampled_from(
        ["t=", "t", "t=abc", "t=1&t=2", "=&&==", "t=%00", "t=%ZZ", "t=%C3%A9", "t=1;t=2", "%", "retry=x"]
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=40),
)
# The signature check reads the query string exactly as it was sent (a %41 stays %41), so every printable
# query that was signed as sent must be accepted.
PRINTABLE_QUERY_CHARS = frozenset(chr(code) for code in range(0x21, 0x7F)) - {"#"}


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@st.composite
def webhook_form(draw: st.DrawFn, call_sid: str | None = None) -> MultiDict[str, str]:
    """A Twilio-like form with hostile values; any field may be missing, some repeated."""
    form: MultiDict[str, str] = MultiDict()
    if call_sid is not None:
        form.add("CallSid", call_sid)
    else:
        choice = draw(st.integers(0, 5))  # mostly a well-formed CallSid, so most requests reach a call
        if choice:
            form.add("CallSid", new_call_sid() if choice > 1 else draw(hostile_call_sid))
    for name, strategy in (
        ("Digits", digits),
        ("SpeechResult", speech),
        ("Confidence", confidence),
        ("CallStatus", call_status),
        ("From", phone_number),
        ("Body", speech),
    ):
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            form.add(name, draw(strategy))
    for name, value in draw(unknown_fields).items():
        form.add(name, value)
    return form


def encoded_size(form: MultiDict[str, str]) -> int:
    return len(urlencode(list(form.items(multi=True))))


def post_routes(client: FlaskClient) -> list[str]:
    """Every POST route of the app (all of them Twilio webhooks)."""
    rules = client.application.url_map.iter_rules()
    return sorted(rule.rule for rule in rules if "POST" in (rule.methods or ()) and not rule.arguments)


def with_query(route: str, text: str) -> str:
    return f"{route}?{text}" if text else route


def assert_answered_safely(response: Any, path: str) -> None:
    """TwiML (a <Response> root), an empty 204, or a 4xx; never a 5xx."""
    code = response.status_code
    assert code < 500, (path, code, response.data[:300])
    if code == 200:
        assert response.mimetype == "application/xml", (path, response.mimetype)
        # TwiML from the app under test, which is what this test checks
        document = ET.fromstring(response.data)  # noqa: S314
        assert document.tag == "Response", (path, response.data[:300])
    elif code == 204:
        assert not response.data, path
    else:
        assert 400 <= code < 500, (path, code)


def assert_no_exception_logged(caplog: pytest.LogCaptureFixture) -> None:
    crashes = [r for r in caplog.records if r.exc_info is not None and r.levelno >= logging.ERROR]
    assert not crashes, [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in crashes]


@hostile
@given(data=st.data())
def test_signed_hostile_requests_get_twiml_or_a_4xx(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    caplog.clear()
    route = data.draw(st.sampled_from(post_routes(client)))
    path = with_query(route, data.draw(query))
    form = data.draw(webhook_form())
    response = signed_post(client, path, form)
    event(f"{route} answered {response.status_code}")  # shown by --hypothesis-show-statistics
    assert_answered_safely(response, path)
    if set(urlsplit(path).query) <= PRINTABLE_QUERY_CHARS and encoded_size(form) <= MAX_REQUEST_BYTES:
        assert response.status_code != 403, ("a correctly signed request was refused", path)
    assert_no_exception_logged(caplog)


# Where a sequence starts: keys a real caller presses after the call is answered.
START_POINTS = {
    "the first menu": (),
    "the ID question": ("1",),
    "the PIN question": ("1", "1000000001"),
    "the main menu": ("1", "1000000001", "2468"),
}


def next_urls(response: Any) -> tuple[str, str] | None:
    """(the <Gather>'s action, the <Redirect> Twilio follows on silence) as paths, if the call waits."""
    if response.status_code != 200:
        return None
    # TwiML from the app under test
    document = ET.fromstring(response.data)  # noqa: S314
    gather = document.find("Gather")
    redirect = document.find("Redirect")
    if gather is None:
        return None

    def path(url: str) -> str:
        parts = urlsplit(url)
        return with_query(parts.path, parts.query)

    action = path(gather.get("action", ""))
    return action, path((redirect.text or "").strip()) if redirect is not None else action


@st.composite
def caller_turn(draw: st.DrawFn, call_sid: str, routes: list[str]) -> tuple[str, MultiDict[str, str]]:
    """(where, what) of one request: mostly what a caller does, often hostile, sometimes out of order.

    ``where`` is "answer" or "silence" (the URLs the last TwiML gave) or a path of the app's own.
    """
    kind = draw(st.sampled_from(["keys", "keys", "keys", "words", "silence", "hostile", "hostile", "other"]))
    form: MultiDict[str, str] = MultiDict({"CallSid": call_sid})
    if kind == "keys":
        form.add("Digits", draw(st.sampled_from(REAL_KEYS)))
    elif kind == "words":
        form.add("SpeechResult", draw(st.sampled_from(REAL_WORDS)))
        form.add("Confidence", "0.91")
    elif kind == "silence":
        return "silence", form
    elif kind == "hostile":
        where = draw(
            st.one_of(st.just("answer"), st.sampled_from(routes).map(lambda r: with_query(r, draw(query))))
        )
        return where, draw(webhook_form(call_sid))
    else:  # the call ends, starts again, or another call's request comes in between
        route = draw(st.sampled_from(routes))
        if route.endswith("/status"):
            form.add("CallStatus", draw(call_status))
        elif draw(st.booleans()):
            form = draw(webhook_form())
        return route, form
    return "answer", form


def forget_failed_attempts(redis_client: redis.Redis, prefix: str) -> None:
    """Lockouts after wrong PINs are other tests' subject: clear every key but the calls' state."""
    for key in redis_client.scan_iter(f"{prefix}*"):
        if not key.decode().startswith(f"{prefix}call:"):
            redis_client.delete(key)


@hostile
@given(data=st.data(), start=st.sampled_from(sorted(START_POINTS)))
def test_hostile_turns_leave_a_call_that_still_works(
    client: FlaskClient,
    redis_client: redis.Redis,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
    start: str,
) -> None:
    caplog.clear()
    forget_failed_attempts(redis_client, redis_prefix)
    call_sid = new_call_sid()
    response = signed_post(client, "/voice", {"CallSid": call_sid})
    urls = next_urls(response)
    assert urls is not None
    for keys in START_POINTS[start]:
        urls = next_urls(signed_post(client, urls[0], {"CallSid": call_sid, "Digits": keys})) or urls
    routes = [route for route in post_routes(client) if route.startswith("/voice")]
    for where, form in data.draw(st.lists(caller_turn(call_sid, routes), min_size=1, max_size=10)):
        path = {"answer": urls[0], "silence": urls[1]}.get(where, where)
        response = signed_post(client, path, form)
        assert_answered_safely(response, path)
        if form.get("CallSid") == call_sid:
            urls = next_urls(response) or urls
        state = call_state(redis_client, redis_prefix, call_sid)
        assert state is None or state.call_id == call_sid
    event(f"from {start}, the call was left at {state.node if state else 'no state'}")
    assert_no_exception_logged(caplog)

    forget_failed_attempts(redis_client, redis_prefix)
    left = call_state(redis_client, redis_prefix, call_sid)
    again = signed_post(client, "/voice", {"CallSid": call_sid})  # the start, delivered again
    assert_answered_safely(again, "/voice")
    after = call_state(redis_client, redis_prefix, call_sid)
    if left is not None and not left.ended:
        assert after == left  # a repeated start changes nothing in a call that is going on
    else:
        assert after is not None and after.turn == 1  # what was there was over: the call starts afresh
    signed_post(client, "/voice/status", {"CallSid": call_sid, "CallStatus": "completed"})
    assert call_state(redis_client, redis_prefix, call_sid) is None
    call = phone(client)
    call.dial()
    call.press("1")
    call.press("1000000002#")
    call.press("1357#")
    state = call_state(redis_client, redis_prefix, call.call_sid)
    assert state is not None and state.node == "main_menu" and isinstance(state.sign_in, SignedIn), state
    call.hang_up()
    assert_no_exception_logged(caplog)


@hostile
@given(
    data=st.data(),
    signature=st.one_of(
        st.none(),  # signed, but with another token
        st.just(""),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
        st.just("x" * 27 + "="),
    ),
    token=st.sampled_from(["not-the-token", AUTH_TOKEN[:-1], AUTH_TOKEN.upper()]),
)
def test_unsigned_or_forged_requests_are_refused(
    client: FlaskClient, data: st.DataObject, signature: str | None, token: str
) -> None:
    path = with_query(data.draw(st.sampled_from(post_routes(client))), data.draw(query))
    form = data.draw(webhook_form())
    url = f"http://localhost{path}"
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature.strip()} if signature.strip() else {}
    response = client.post(url, data=form, headers=headers)
    if encoded_size(form) > MAX_REQUEST_BYTES:
        assert response.status_code in (403, 413)
    else:
        assert response.status_code == 403, (path, response.status_code)


@hostile
@given(
    data=st.data(),
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"]),
)
def test_wrong_methods_get_a_4xx(client: FlaskClient, data: st.DataObject, method: str) -> None:
    path = data.draw(st.sampled_from([*post_routes(client), "/healthz"]))
    response = client.open(path, method=method, data=data.draw(webhook_form()))
    if path == "/healthz" and method in ("GET", "HEAD", "OPTIONS"):
        assert response.status_code == 200
    elif method == "OPTIONS":
        assert response.status_code == 200 and "POST" in response.headers["Allow"]
    else:
        assert response.status_code == 405, (method, path, response.status_code)


@hostile
@given(
    segments=st.lists(st.text(any_char, min_size=1, max_size=40), min_size=1, max_size=4),
    text=query,
)
def test_get_routes_with_hostile_paths_never_fail(
    client: FlaskClient, segments: list[str], text: str
) -> None:
    """/healthz, the prompt recordings under /prompts/audio/<language>/<name>, and paths that do not exist."""
    for prefix in ("/healthz", "/prompts/audio", ""):
        # percent-encoded as a client sends them, so the test client cannot read "//x" as a host
        path = with_query("/".join([prefix, *(quote(segment, safe="") for segment in segments)]), text)
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    health = client.get(with_query("/healthz", text))
    assert health.status_code == 200 and health.data == b"up\n"


@hostile
@given(
    data=st.data(), extra=st.integers(1, 200_000), shape=st.sampled_from(["one field", "many fields", "raw"])
)
def test_bodies_over_64_kib_are_refused(
    client: FlaskClient, data: st.DataObject, extra: int, shape: str
) -> None:
    path = data.draw(st.sampled_from(post_routes(client)))
    size = MAX_REQUEST_BYTES + extra
    if shape == "raw":
        response = client.post(
            path,
            data=b"a" * size,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": "anything"},
        )
    else:
        sid = new_call_sid()
        fields = (
            {"Digits": "1" * size} if shape == "one field" else {f"F{i}": "x" * 64 for i in range(size // 68)}
        )
        response = signed_post(client, path, {"CallSid": sid, "From": "+15555550123", **fields})
    assert response.status_code == 413, (path, shape, response.status_code)


raw_body = st.one_of(
    st.binary(max_size=2000),
    st.text(any_char, max_size=500).map(str.encode),
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
@given(data=st.data(), body=raw_body, kind=content_type)
def test_raw_bodies_that_are_not_a_clean_form(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, data: st.DataObject, body: bytes, kind: str
) -> None:
    """Signed over the form exactly as the server parses it, so the body reaches the view."""
    caplog.clear()
    path = data.draw(st.sampled_from(post_routes(client)))
    url = f"http://localhost{path}"
    parsed = Request(EnvironBuilder(url, method="POST", data=body, content_type=kind).get_environ())
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, parsed.form)
    response = client.post(url, data=body, content_type=kind, headers={"X-Twilio-Signature": signature})
    assert_answered_safely(response, path)
    assert_no_exception_logged(caplog)


@pytest.fixture
def outage_client(app_config: dict[str, str]) -> Iterator[FlaskClient]:
    """The app with its Redis gone: a port on this machine where nothing listens."""
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    yield app.test_client()
    close_app(app)


@hostile
@given(data=st.data())
def test_hostile_requests_while_redis_is_down_get_twiml_or_a_4xx(
    outage_client: FlaskClient, data: st.DataObject
) -> None:
    """The outage answers (apology, retry, representative) read the query and form too."""
    route = data.draw(st.sampled_from(post_routes(outage_client)))
    path = with_query(route, data.draw(query))
    form = data.draw(webhook_form())
    response = signed_post(outage_client, path, form)
    event(f"{route} answered {response.status_code} while Redis was down")
    assert_answered_safely(response, path)


# Regressions: bugs the properties above found, fixed in the app while this file was written.


@pytest.mark.parametrize("path", ["/voice/turn?t=1&retry=x", "/voice?retry=1e3", "/voice/status?retry=two"])
def test_a_malformed_retry_while_redis_is_down_is_not_a_500(outage_client: FlaskClient, path: str) -> None:
    """The outage answer read ?retry= with int(): a ValueError raised inside an error handler, a 500."""
    response = signed_post(outage_client, path, {"CallSid": new_call_sid(), "CallStatus": "completed"})
    assert_answered_safely(response, path)
    assert response.status_code == 200 and b"technical problem" in response.data  # the outage answer


@pytest.mark.parametrize("number", ["\x1b", "+1555\x00", "+1555\x08555"])
def test_a_control_character_in_from_still_gives_tty_twiml_that_parses(
    client: FlaskClient, number: str
) -> None:
    """/tty/voice copied From into a <Parameter>: a C0 control character made TwiML that did not parse."""
    response = signed_post(client, "/tty/voice", {"CallSid": new_call_sid(), "From": number})
    assert_answered_safely(response, "/tty/voice")
    assert response.status_code == 200
    # TwiML from the app under test, which is what this test checks
    sent = {p.get("name"): p.get("value", "") for p in ET.fromstring(response.data).iter("Parameter")}  # noqa: S314
    assert list(sent) == ["ticket"] and sent["ticket"].isprintable(), sent


def test_a_long_calling_number_does_not_break_a_sign_in(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    """The audit row's calling number is 32 characters; a longer From (a SIP address) failed the sign-in
    on PostgreSQL with a DataError, and the caller heard that sign-in was unavailable."""
    call = phone(client, caller="sip:" + "a" * 40 + "@example.org")
    call.dial()
    call.press("1")
    call.press("1000000002#")
    call.press("1357#")
    state = call_state(redis_client, redis_prefix, call.call_sid)
    assert state is not None and state.node == "main_menu" and isinstance(state.sign_in, SignedIn), state
