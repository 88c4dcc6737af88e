"""Whole calls through the Flask app, against a real Redis and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import re
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.twilio.simulator import Heard
from tests.conftest import AUTH_TOKEN, signed_post
from tests.web.phone import languages, phone, text

SPANISH_BALANCE = "El saldo que se le debe es de mil veinticuatro dólares con setenta y cinco centavos."
SPANISH_PAYMENTS = (
    "ciento setenta y cinco dólares con veinticinco centavos, enviado el 3 de noviembre de 2026. "
    "trescientos cincuenta dólares, enviado el 1 de octubre de 2026. "
    "trescientos cincuenta dólares, enviado el 1 de septiembre de 2026."
)


def test_spanish_by_speech_participant_id_pin_and_pagos(client: FlaskClient) -> None:
    call = phone(client)
    assert "Para español, marque 9." in text(call.dial())
    heard = call.say("español")
    assert text(heard[:1]) == "For English, press 9."  # the way back, in the language it leads to
    assert "Si usted es padre o tutor legal" in text(heard[1:]) and languages(heard[1:]) == {"es-US"}
    assert call.gather is not None and call.gather.get("language") == "es-US"
    assert "identificación de participante" in text(call.say("Sí."))
    assert "Marque su PIN" in text(call.press("1000000001#"))
    assert "Menú principal" in text(call.press("2468#"))
    heard = call.say("pagos")
    assert SPANISH_BALANCE in text(heard)
    assert SPANISH_PAYMENTS in text(heard)
    assert languages(heard) == {"es-US"}
    assert "Adiós" in text(call.say("adiós"))
    assert call.ended


def test_english_with_keys_only_as_the_payer(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    call.press("1")
    call.press("1000000002#")
    assert "Main menu" in text(call.press("1357#"))
    heard = text(call.press("1"))
    assert (
        "Your current balance due is one thousand two hundred thirty-four dollars and fifty-six cents."
        in heard
    )
    assert (
        "four hundred dollars, paid on November 2, 2026. four hundred dollars, paid on October 3, 2026."
        in heard
    )
    assert "sent to you" not in heard
    call.press("9")
    assert call.ended


def test_sign_in_with_a_social_security_number(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    call.say("yes")
    call.press("987654321#")
    assert "Main menu" in text(call.press("1357#"))


def test_wrong_pin_and_unknown_id_get_the_same_words(client: FlaskClient) -> None:
    wrong_pin = phone(client)
    wrong_pin.dial()
    wrong_pin.press("1")
    wrong_pin.press("1000000002#")
    heard_wrong_pin = wrong_pin.press("9999#")

    unknown = phone(client)
    unknown.dial()
    unknown.press("1")
    unknown.press("1999999999#")
    heard_unknown = unknown.press("1357#")

    assert heard_wrong_pin == heard_unknown
    assert text(heard_unknown).startswith("We could not sign you in with that information.")


def test_three_failed_sign_ins_end_the_call(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    call.press("1")
    for _ in range(2):
        call.press("1000000002#")
        assert text(call.press("0000#")).endswith("To have a new PIN mailed to you, press 2.")
        call.press("1")
    call.press("1000000002#")
    heard = text(call.press("0000#"))
    assert heard.startswith(
        "We still could not sign you in. For your security, wait a while before you try again"
    )
    assert text(call.press("9")).endswith("Goodbye.")
    assert call.ended


def test_three_wrong_pins_lock_the_participant_across_calls(
    client: FlaskClient, app_config: dict[str, str]
) -> None:
    for wrong in ("1111", "2222", "3333"):
        call = phone(
            client, caller=f"+1555555{wrong}"
        )  # three different phones: the lock follows the account
        call.dial()
        call.press("1")
        call.press("1000000002#")
        assert text(call.press(f"{wrong}#")).startswith("We could not sign you in")
        call.hang_up()
    locked = phone(client, caller="+15555554444")
    locked.dial()
    locked.press("1")
    locked.press("1000000002#")
    assert text(locked.press("1357#")).startswith("We could not sign you in")  # the right PIN, while locked
    other = phone(client)
    other.dial()
    other.press("1")
    other.press("1000000001#")
    assert "Main menu" in text(other.press("2468#"))  # other participants are not affected


def test_a_pin_request_lands_in_the_outbox_once(client: FlaskClient, app_config: dict[str, str]) -> None:
    from sqlalchemy import text as sql

    from ivr.adapters.sql.database import make_engine

    for _ in range(2):
        call = phone(client)
        call.dial()
        call.press("7")
        call.press("1")
        assert "up to 10 working days" in text(call.press("987654321#"))
        call.hang_up()
    unknown = phone(client)
    unknown.dial()
    unknown.press("7")
    unknown.press("1")
    assert "up to 10 working days" in text(unknown.press("1999999999#"))  # the same words for an unknown ID
    engine = make_engine(app_config["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(sql("SELECT participant_id, channel, status FROM pin_mail_requests")).all()
        audit = connection.execute(sql("SELECT event FROM audit_events WHERE event = 'pin_requested'")).all()
    engine.dispose()
    assert len(rows) == 1 and rows[0].channel == "voice" and rows[0].status == "pending"
    assert len(audit) == 1


def test_a_temporary_pin_is_not_a_sign_in(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    call.press("1")
    call.press("1000000003#")
    heard = text(call.press("9999#"))
    assert "temporary PIN" in heard and "Main menu" not in heard


def test_an_id_of_the_wrong_length_is_asked_again(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    call.press("1")
    heard = text(call.press("12345#"))
    assert heard.startswith("That number doesn't look right.")
    assert "Enter your participant ID" in heard


def test_silence_three_times_says_goodbye(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    assert text(call.silence()).startswith("Sorry, I didn't hear anything.")
    assert text(call.silence()).startswith("I still didn't hear you.")
    assert text(call.silence()).startswith("We're sorry we couldn't help you this time.")
    assert call.ended


def test_general_information_and_other_options(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    heard = text(call.say("No"))
    for fact in (
        "Monday through Friday",
        "customer connect dot example dot org",
        "P.O. Box 1000",
        "TTY",
        "PIN",
    ):
        assert fact in heard
    assert "To hear this again" in heard
    assert text(call.press("2")).startswith("Para español, marque 9. If you are a parent or legal guardian")
    heard = text(call.say("None"))
    assert "To have a new PIN mailed to you, press 1" in heard
    assert "outside the United States" in text(call.press("2"))
    call.press("1")
    assert "up to 10 working days" in text(call.press("1000000002#"))
    call.press("9")
    assert call.ended


def test_the_status_callback_removes_the_call_state(
    client: FlaskClient, app: Flask, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(client)
    call.dial()
    key = f"{redis_prefix}call:{call.call_sid}"
    assert redis_client.exists(key)
    assert 0 < redis_client.ttl(key) <= 4 * 3600
    call.hang_up()
    assert not redis_client.exists(key)


def test_a_call_whose_state_expired_starts_again(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str
) -> None:
    call = phone(client)
    call.dial()
    redis_client.delete(f"{redis_prefix}call:{call.call_sid}")
    assert "Welcome to Customer Connect" in text(call.press("1"))


def test_forged_missing_or_stale_signatures_are_refused(client: FlaskClient) -> None:
    form = {"CallSid": "CA" + "1" * 32, "From": "+15555550123"}
    assert client.post("/voice", data=form).status_code == 403
    assert signed_post(client, "/voice", form, token="not-the-token").status_code == 403
    response = signed_post(client, "/voice", form)
    assert response.status_code == 200
    tampered = {**form, "From": "+15555550999"}
    signature = signed_post.__globals__["RequestValidator"]("test-auth-token-0123456789").compute_signature(
        "http://localhost/voice", form
    )
    assert client.post("/voice", data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    for path in ("/voice/turn?t=1", "/voice/status"):
        assert client.post(path, data=form).status_code == 403


def test_the_signature_covers_the_query_string_as_it_was_sent(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    form = {"CallSid": call.call_sid, "Digits": "7"}
    answered = signed_post(client, "/voice/turn?t=%31", form)  # %31 is "1": signed as sent, read as 1
    assert answered.status_code == 200 and "To have a new PIN mailed to you" in answered.data.decode()
    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/voice/turn?t=1", form)
    decoded = client.post("/voice/turn?t=%31", data=form, headers={"X-Twilio-Signature": signature})
    assert decoded.status_code == 403  # Twilio signed the URL it requested, not a decoded one


def test_mounted_under_a_path_the_signed_url_and_the_action_urls_keep_it(client: FlaskClient) -> None:
    """Behind a proxy that mounts the service at /ivr (SCRIPT_NAME), Twilio signs /ivr/voice and must be
    sent back to /ivr/voice/turn."""
    form = {"CallSid": "CA" + "7" * 32, "From": "+15555550123"}
    mounted = "http://localhost/ivr"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{mounted}/voice", form)
    answer = client.post("/voice", base_url=mounted, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    assert re.search(f'action="{mounted}/voice/turn[?]t=1&amp;e=[0-9a-f]{{8}}"', answer.data.decode())
    unmounted = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/voice", form)
    refused = client.post("/voice", base_url=mounted, data=form, headers={"X-Twilio-Signature": unmounted})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "call_sid",
    [
        None,  # missing
        "   ",
        "CA 1; <x>",
        "CA" + "1" * 63,  # 65 characters
        "CA\u0661\u0662\u0663",  # Arabic-Indic digits: alphanumeric to Python, not a Twilio id
    ],
)
def test_a_missing_or_malformed_call_sid_is_a_client_error(client: FlaskClient, call_sid: str | None) -> None:
    form = {"From": "+15555550123"} | ({"CallSid": call_sid} if call_sid is not None else {})
    assert signed_post(client, "/voice", form).status_code == 400
    assert signed_post(client, "/voice/turn?t=1", {**form, "Digits": "1"}).status_code == 400


def test_no_pin_ssn_or_typed_digits_reach_redis_or_the_logs(
    client: FlaskClient, redis_client: redis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = ("2468", "1357", "1000000001", "1000000002", "123456789", "987654321", "0000")
    snapshots: list[bytes] = []

    def snapshot() -> None:
        for key in redis_client.scan_iter(f"{redis_prefix}*"):
            if redis_client.type(key) == b"hash":  # the sign-in throttle: counts, and times (not compared)
                fields = redis_client.hgetall(key)
                shown = {k: b"<time>" if k in (b"t", b"h", b"d") else v for k, v in fields.items()}
                snapshots.append(key + b"=" + repr(shown).encode())
            elif (
                redis_client.type(key) == b"zset"
            ):  # the flow versions published (ivr.adapters.redis.flow_store)
                snapshots.append(key + b"=" + b",".join(cast(list[bytes], redis_client.zrange(key, 0, -1))))
            elif (
                redis_client.type(key) == b"list"
            ):  # the funnel's queued rows (ivr.adapters.redis.journal), less their times
                rows = [json.loads(raw) for raw in redis_client.lrange(key, 0, -1)]
                snapshots.append(key + b"=" + json.dumps([{**row, "t": 0} for row in rows]).encode())
            else:
                snapshots.append(key + b"=" + (redis_client.get(key) or b""))

    ssn_call = phone(client)
    ssn_call.call_sid = "CA" + "ab" * 16  # no digits, so a call id can never look like a secret by chance
    ssn_call.dial()
    ssn_call.press("1")
    snapshot()
    ssn_call.press("123456789#")
    snapshot()
    ssn_call.press("0000#")
    snapshot()
    ssn_call.press("1")
    ssn_call.press("987654321#")
    snapshot()
    ssn_call.press("1357#")
    snapshot()
    ssn_call.press("1")
    snapshot()

    id_call = phone(client)
    id_call.call_sid = "CA" + "cd" * 16
    id_call.dial()
    id_call.press("1")
    id_call.press("1000000001#")
    snapshot()
    id_call.press("2468#")
    snapshot()
    id_call.press("1")
    snapshot()

    stored = b"\n".join(snapshots).decode()
    assert "main_menu" in stored  # the snapshots did capture live call state
    # the message, its arguments and every extra field; not timestamps, whose digits could match by chance
    standard = set(vars(logging.makeLogRecord({})))
    logged = "\n".join(
        record.getMessage() + repr({k: v for k, v in vars(record).items() if k not in standard})
        for record in caplog.records
    )
    assert "turn" in logged
    for secret in secrets:
        assert secret not in stored, f"{secret} reached Redis"
        assert secret not in logged, f"{secret} reached the logs"


def test_zero_reaches_a_representative_during_office_hours(office_hours_app: Flask) -> None:
    call = phone(office_hours_app.test_client())
    call.dial()
    heard = call.press("0")
    assert text(heard) == (  # no language chosen yet: both
        "Please hold while I connect you with a representative. "
        "Espere, por favor, mientras le comunico con un representante. +18005550100"
    )
    assert heard[-1].language == "transfer"
    assert not call.ended and call.transfer is not None  # the call comes back to the flow when it ends
    busy = text(call.transfer_ends("busy"))
    assert busy.startswith("All of our representatives are busy right now. To try again, press 1.")
    again = call.press("1")
    assert again[-1] == Heard("transfer", "+18005550100")
    unanswered = text(call.transfer_ends("no-answer"))
    assert unanswered.startswith("No representative could answer just now. To try again, press 1.")
    call.press("1")
    assert call.transfer_ends("completed") == [] and call.ended  # the representative hung up: goodbye


def test_zero_out_of_hours_says_when_and_asks_again(client: FlaskClient) -> None:
    call = phone(client)
    call.dial()
    heard = text(call.press("0"))
    assert heard.startswith("Our representatives are available Monday through Friday")
    assert heard.endswith("For other options, press 7 or say None.")
    assert not call.ended


def test_a_retried_request_while_being_put_through_gets_the_transfer_again(
    office_hours_app: Flask,
) -> None:
    """Twilio retries a webhook whose first attempt timed out (connection overrides: rc): the retry of
    the answer that put the call through must not end it in silence."""
    app = office_hours_app
    call = phone(app.test_client())
    call.dial()
    assert call.gather is not None
    action = call.gather.get("action", "")
    call.press("0")
    retried = signed_post(
        app.test_client(), action, {"CallSid": call.call_sid, "From": call.caller, "Digits": "0"}
    )
    assert retried.status_code == 200
    epoch = parse_qs(urlsplit(action).query)["e"][0]  # the call's one start
    assert (
        f'<Dial action="http://localhost/voice/turn?t=2&amp;e={epoch}" method="POST" timeout="30">'
        "+18005550100</Dial>" in retried.get_data(as_text=True)
    )
