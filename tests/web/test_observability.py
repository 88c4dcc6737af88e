"""/metrics and /healthz as an operator's monitoring sees them; the proxy setting for signatures."""

from __future__ import annotations

from ivr.web.app import create_app
from tests.conftest import close_app
from tests.web.phone import phone

OPS_TOKEN = "test-ops-token-0123456789"


def test_metrics_count_turns_node_visits_and_sign_in_failures(app_config: dict[str, str]) -> None:
    app = create_app({**app_config, "IVR_OPS_TOKEN": OPS_TOKEN})
    client = app.test_client()
    call = phone(client)
    call.dial()
    call.press("1")
    call.press("1000000002#")
    call.press("0000#")
    body = client.get("/metrics", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).data.decode()
    close_app(app)
    assert 'ivr_turns_total{channel="voice",event="DigitsEntered"}' in body
    assert 'ivr_node_visits_total{node="ask_pin"}' in body
    assert 'ivr_account_events_total{event="sign_in_failed"}' in body
    assert "ivr_turn_seconds_bucket" in body


def test_healthz_reports_each_part_to_the_operator(app_config: dict[str, str]) -> None:
    app = create_app({**app_config, "IVR_OPS_TOKEN": "ops-0123456789"})
    report = app.test_client().get("/healthz", headers={"Authorization": "Bearer ops-0123456789"}).get_json()
    assert report["status"] == "ok" and report["redis"] == "ok" and report["database"] == "ok"
    assert len(report["flow_version"]) == 12 and "flow_error" not in report
    close_app(app)


def test_forwarded_headers_count_only_from_the_configured_proxies(app_config: dict[str, str]) -> None:
    form = {"CallSid": "CA" + "7" * 32}
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.example.org"}
    from twilio.request_validator import RequestValidator

    # the plain helper (tests.conftest.signed_post) signs for http://localhost; this test signs the public URL
    signature = RequestValidator(app_config["TWILIO_AUTH_TOKEN"]).compute_signature(
        "https://ivr.example.org/voice", form
    )
    untrusting = create_app(app_config)
    response = untrusting.test_client().post(
        "/voice", data=form, headers={**headers, "X-Twilio-Signature": signature}
    )
    assert response.status_code == 403  # X-Forwarded-* ignored by default
    close_app(untrusting)
    behind_proxy = create_app({**app_config, "IVR_PROXY_HOPS": "1", "IVR_TRUSTED_PROXIES": "127.0.0.1"})
    response = behind_proxy.test_client().post(
        "/voice", data=form, headers={**headers, "X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert b"https://ivr.example.org/voice/turn?t=1&amp;e=" in response.data
    close_app(behind_proxy)
