"""The other doors: what /metrics told strangers, streams that took over voice calls, replayed starts,
forwarded headers from anyone, a flow edit that ate the server's memory, and flows that skip sign-in."""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient
from simple_websocket import Client, ConnectionClosed  # type: ignore[import-untyped]  # simple-websocket ships no type information
from twilio.request_validator import RequestValidator

from ivr.runtime.handlers import HANDLER_RULES
from ivr.service.flow import SERVICE_PROMPTS
from ivr.web.app import create_app
from tests.conftest import AUTH_TOKEN, PUBLIC, ROOT, Live, call_state, close_app, edit, line_of, signed_post
from tests.security.victims import PAYER_ID, PAYER_PIN
from tests.tty.harness import start_message
from tests.web.phone import phone, text
from tests.web.test_tty_calls import answer_tty_call

OPS_TOKEN = "ops-token-for-the-agency-0123456789"
STREAM_URL = "wss://ivr.example.org/tty/stream"


# -- /metrics ------------------------------------------------------------------------------------


def test_metrics_are_not_served_to_strangers(app_config: dict[str, str]) -> None:
    for config in (app_config, {**app_config, "IVR_OPS_TOKEN": OPS_TOKEN}):
        app = create_app(config)
        client = app.test_client()
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        close_app(app)


def scrape(client: FlaskClient) -> dict[str, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    assert response.status_code == 200
    series = {}
    for line in response.get_data(as_text=True).splitlines():
        if line.startswith("ivr_") and "_total{" in line:  # counters; not their creation times
            name, _, value = line.rpartition(" ")
            series[name] = float(value)
    return series


def four_wrong_pins(client: FlaskClient, participant: str, caller_prefix: str) -> None:
    for n in range(4):
        call = phone(client, caller=f"{caller_prefix}{n}")
        call.dial()
        call.press("1")
        call.press(f"{participant}#")
        call.press("0000#")
        call.hang_up()


def test_no_metric_tells_a_real_account_from_an_unknown_one(app_config: dict[str, str]) -> None:
    """A lockout counter that moved only for real accounts told anyone which IDs exist."""
    app = create_app({**app_config, "IVR_OPS_TOKEN": OPS_TOKEN})
    client = app.test_client()
    before = scrape(client)
    four_wrong_pins(client, PAYER_ID, "+1555555810")
    middle = scrape(client)
    four_wrong_pins(client, "1999999999", "+1555555820")
    after = scrape(client)
    close_app(app)
    known = {k: middle[k] - before.get(k, 0) for k in middle if middle[k] != before.get(k, 0)}
    unknown = {k: after[k] - middle.get(k, 0) for k in after if after[k] != middle.get(k, 0)}
    assert known and known == unknown


# -- the TTY stream --------------------------------------------------------------------------------


def signed_handshake(live: Live) -> Client:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(STREAM_URL, {})
    return Client.connect(f"ws://127.0.0.1:{live.port}/tty/stream", headers={"X-Twilio-Signature": signature})


def stream_is_refused(live: Live, start: dict[str, object]) -> bool:
    """Open a signed stream, send ``start``: whether the service closes it without a word."""
    ws = signed_handshake(live)
    try:
        ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        ws.send(json.dumps(start))
        ws.receive(timeout=10)
    except ConnectionClosed:
        return True
    finally:
        with contextlib.suppress(ConnectionClosed):
            ws.close()
    return False


def test_a_replayed_handshake_cannot_reset_a_signed_in_voice_call(
    live: Live, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(live.app.test_client(), base_url=PUBLIC)
    call.dial()
    call.press("1")
    call.press(f"{PAYER_ID}#")
    assert "Main menu" in text(call.press(f"{PAYER_PIN}#"))
    before = call_state(redis_client, redis_prefix, call.call_sid)
    replayed = start_message(call_sid=call.call_sid)
    replayed["start"]["customParameters"] = {"CallSid": call.call_sid, "From": "+15555550123"}
    assert stream_is_refused(live, replayed)
    assert call_state(redis_client, redis_prefix, call.call_sid) == before
    assert "balance" in text(call.press("1"))  # the voice call goes on, signed in


def test_a_stream_needs_a_fresh_ticket_for_its_own_tty_call(live: Live) -> None:
    tty_call = "CA" + "8" * 32
    other_call = "CA" + "9" * 32
    for_other = answer_tty_call(live, other_call)
    assert stream_is_refused(live, start_message(call_sid=tty_call, ticket=for_other))
    ticket = answer_tty_call(live, tty_call)
    assert not stream_is_refused(live, start_message(call_sid=tty_call, ticket=ticket))
    assert stream_is_refused(live, start_message(call_sid=tty_call, ticket=ticket))  # used once already


# -- replayed and forwarded requests ----------------------------------------------------------------


def test_a_repeated_start_resumes_a_signed_in_call(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(client)
    call.dial()
    call.press("1")
    call.press(f"{PAYER_ID}#")
    call.press(f"{PAYER_PIN}#")
    before = call_state(redis_client, redis_prefix, call.call_sid)
    replayed = signed_post(client, "/voice", {"CallSid": call.call_sid, "From": call.caller})
    assert "For the full menu, press star" in replayed.get_data(as_text=True)  # the main menu, heard before
    assert "Welcome" not in replayed.get_data(as_text=True)
    assert call_state(redis_client, redis_prefix, call.call_sid) == before
    assert "balance" in text(call.press("1"))


def test_forwarded_headers_from_anyone_but_the_named_proxies_are_ignored(app_config: dict[str, str]) -> None:
    form = {"CallSid": "CA" + "7" * 32}
    forged = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "ivr.example.org",
        "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}/voice", form),
    }
    app = create_app({**app_config, "IVR_PROXY_HOPS": "1", "IVR_TRUSTED_PROXIES": "10.0.0.0/8"})
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert stranger.post("/voice", data=form, headers=forged).status_code == 403
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert proxy.post("/voice", data=form, headers=forged).status_code == 200
    close_app(app)


def test_trusting_forwarded_headers_needs_the_proxies_named(app_config: dict[str, str]) -> None:
    with pytest.raises(Exception, match="IVR_TRUSTED_PROXIES"):
        create_app({**app_config, "IVR_PROXY_HOPS": "1"})


# -- the flow ------------------------------------------------------------------------------------

LAUGHS = textwrap.dedent(
    """\
    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    nodes: {}
    """
)


def validate(flow_dir: Path, memory_bytes: int = 1 << 30) -> subprocess.CompletedProcess[str]:
    """`ivr validate` in a process of its own, held to a gigabyte of memory and a minute."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return subprocess.run(
        [sys.executable, "-m", "ivr", "validate", str(flow_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        preexec_fn=limit,
        check=False,
    )


def test_a_billion_laughs_edit_is_refused_quickly(flow_dir: Path) -> None:
    (flow_dir / "menus" / "laughs.yaml").write_text(LAUGHS)
    edit(
        flow_dir / "menu_tree.yaml",
        "  - menus/goodbye.yaml\n",
        "  - menus/goodbye.yaml\n  - menus/laughs.yaml\n",
    )
    finished = validate(flow_dir)
    assert finished.returncode == 1, finished.stderr[-2000:]
    assert "menus/laughs.yaml" in finished.stderr and "aliases" in finished.stderr


def test_ivr_validate_refuses_a_flow_that_reads_an_account_without_sign_in(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "information.yaml",
        "        next: pin_request_here\n",
        "        next: payments\n",
    )
    finished = validate(flow_dir)
    assert finished.returncode == 1
    line = line_of(flow_dir / "menus" / "payments.yaml", "  payments:")
    assert f"menus/payments.yaml:{line}:3: node 'payments' runs 'read_payments'" in finished.stderr
    assert "without signing in: welcome -> caller_type -> other_options -> payments" in finished.stderr


def test_ivr_validate_refuses_a_pin_change_reachable_without_sign_in(flow_dir: Path) -> None:
    edit(
        flow_dir / "menus" / "information.yaml",
        "        next: tty_numbers\n",
        "        next: change_pin_new\n",
    )
    finished = validate(flow_dir)
    assert finished.returncode == 1
    assert "menus/pin.yaml" in finished.stderr and "'check_new_pin'" in finished.stderr


def test_a_rejected_flow_edit_is_told_to_the_operator_only(
    app_config: dict[str, str], flow_dir: Path
) -> None:
    """/healthz showed the text of a rejected edit (file names, node names, prompt ids) to anyone."""
    app = create_app({**app_config, "IVR_FLOW": str(flow_dir), "IVR_OPS_TOKEN": OPS_TOKEN})
    edit(flow_dir / "menus" / "welcome.yaml", "        next: sign_in_here\n", "        next: no_such_node\n")
    ivr = app.extensions["ivr"]
    assert not ivr.flows.reload(flow_dir, HANDLER_RULES, SERVICE_PROMPTS)  # the edit is refused
    client = app.test_client()
    public = client.get("/healthz").get_data(as_text=True)
    report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).get_json()
    close_app(app)
    assert "no_such_node" in report["flow_error"]
    assert public.strip() in ("up", "down") and "no_such_node" not in public and "welcome" not in public
