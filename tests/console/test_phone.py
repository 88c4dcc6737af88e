"""The browser phone calls the live flow on the sandbox's demo data: never the account database, whose
participants it can neither read, sign in as, nor lock out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import text, update

from ivr.adapters.sql.database import make_engine, make_session_factory
from ivr.adapters.sql.models import Participant
from ivr.adapters.sql.secrets import PinHasher
from ivr.console.app import create_console_app
from ivr.console.settings import ConsoleSettings
from ivr.service.settings import ConfigError
from tests.audio.conftest import run_prompts, write_tone
from tests.conftest import OPEN_TIME, PEPPER
from tests.console.conftest import PASSWORD, Operator, add_operator, console, sign_in


def _call(operator: Operator, language: str, *answers: dict[str, str]) -> list[dict[str, Any]]:
    started = operator.post("/api/phone/calls", {"language": language})
    assert started.status_code == 201, started.json
    turns = [started.json]
    for answer in answers:
        reply = operator.post(f"/api/phone/calls/{started.json['call']}", answer)
        assert reply.status_code == 200, reply.json
        turns.append(reply.json)
    return turns


def _heard(turn: dict[str, Any]) -> str:
    return " ".join(item["text"] for item in turn["heard"])


SPANISH_BALANCE = ({"keys": "1"}, {"keys": "1000000001#"}, {"keys": "2468#"}, {"speech": "pagos"})


def test_a_spanish_call_reaches_the_balance_and_shows_its_path(signed_in: Callable[[str], Operator]) -> None:
    turns = _call(signed_in("viewer"), "es", *SPANISH_BALANCE)
    assert turns[0]["heard"][0]["language"] == "es" and turns[0]["heard"][0]["speech_language"] == "es-US"
    assert turns[2]["waiting"]["secret"] and not turns[2]["waiting"]["speech"]  # the PIN: keys only
    assert "mil veinticuatro dólares con setenta y cinco centavos" in _heard(turns[-1])
    assert turns[-1]["path"] == ["payments", "payments_received", "main_menu"]  # three payments: no more
    assert turns[-1]["node"] == "main_menu" and turns[-1]["ended"] is None


def test_the_sandbox_is_not_the_account_database(
    signed_in: Callable[[str], Operator], seeded_database: str, redis_url: str, redis_prefix: str
) -> None:
    engine = make_engine(seeded_database)
    with make_session_factory(engine).begin() as session:  # the real accounts differ from the demo data
        session.execute(
            update(Participant)
            .where(Participant.participant_number == "1000000001")
            .values(pin_hash=PinHasher(PEPPER.encode()).hash("9753"))
        )
        session.add(
            Participant(participant_number="1000000099", pin_hash=PinHasher(PEPPER.encode()).hash("1111"))
        )
    operator = signed_in("viewer")
    real = _call(operator, "en", {"keys": "1"}, {"keys": "1000000099#"}, {"keys": "1111#"})
    assert "signed_in" not in [item["prompt"] for item in real[-1]["heard"]]
    real_pin = _call(operator, "en", {"keys": "1"}, {"keys": "1000000001#"}, {"keys": "9753#"})
    assert "signed_in" not in [item["prompt"] for item in real_pin[-1]["heard"]]
    client = redis.Redis.from_url(redis_url)
    assert list(client.scan_iter(f"{redis_prefix}sign-in:*")) == []  # the service's own attempt limits
    assert list(client.scan_iter(f"{redis_prefix}console-sandbox:sign-in:*"))  # the sandbox's
    client.close()
    demo_pin = _call(operator, "en", {"keys": "1"}, {"keys": "1000000001#"}, {"keys": "2468#"})
    assert "signed_in" in [item["prompt"] for item in demo_pin[-1]["heard"]]
    with engine.connect() as connection:  # the browser calls' sign-ins left no trace among the real accounts
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
    engine.dispose()


def test_one_operators_call_is_not_anothers(signed_in: Callable[[str], Operator]) -> None:
    call = signed_in("viewer").post("/api/phone/calls", {"language": "en"}).json["call"]
    other = signed_in("editor")
    assert other.post(f"/api/phone/calls/{call}", {"keys": "1"}).status_code == 404
    assert other.delete(f"/api/phone/calls/{call}").status_code == 404
    assert other.post("/api/phone/calls/../../etc", {"keys": "1"}).status_code in (404, 405)


def test_keys_no_phone_sends_are_refused_with_a_clear_error(signed_in: Callable[[str], Operator]) -> None:
    operator = signed_in("viewer")
    call = operator.post("/api/phone/calls", {"language": "en"}).json["call"]
    refused = operator.post(f"/api/phone/calls/{call}", {"keys": "12a"})
    assert refused.status_code == 400 and "0-9, * and #" in refused.json["error"]
    assert operator.post(f"/api/phone/calls/{call}", {"speech": 5}).status_code == 400
    silent = operator.post(f"/api/phone/calls/{call}", {})
    assert silent.status_code == 200 and silent.json["retry"] == "no_input"


def test_the_sandbox_may_never_be_the_account_database(tmp_path: Any) -> None:
    database = tmp_path / "accounts.sqlite3"
    with pytest.raises(ConfigError, match="must not be the account database"):
        ConsoleSettings.load(
            {
                "DATABASE_URL": f"sqlite:///{database}",
                "IVR_CONSOLE_SANDBOX": str(database),
                "IVR_INSTANCE": str(tmp_path / "instance"),
            }
        )


def test_a_built_recording_is_played_and_served_to_signed_in_operators_only(
    console_config: dict[str, str], flow_dir: Path
) -> None:
    write_tone(flow_dir / "prompts/en/welcome.wav", 1.0)
    run_prompts(flow_dir, "build")
    app = create_console_app(console_config)
    console(app).operators.add("viewer", PASSWORD, "viewer")
    client = app.test_client()
    assert sign_in(client, "viewer").status_code == 302
    heard = Operator(client).post("/api/phone/calls", {"language": "en"}).json["heard"]
    assert heard[0]["prompt"] == "welcome" and heard[0]["recording"].startswith("/prompts/audio/en/welcome")
    assert heard[1]["recording"] is None  # no recording: the browser speaks it
    played = client.get(heard[0]["recording"])
    assert played.status_code == 200 and played.mimetype == "audio/wav" and played.data.startswith(b"RIFF")
    played.close()
    assert client.get("/prompts/audio/en/manifest.json").status_code == 404
    assert app.test_client().get(heard[0]["recording"]).status_code == 302  # not signed in: the sign-in form
    console(app).close()


def test_the_call_scripts_are_listed_and_run_against_the_live_flow(
    signed_in: Callable[[str], Operator],
) -> None:
    operator = signed_in("viewer")
    listed = operator.get("/api/scripts").json["scripts"]
    assert "spanish_receiver_by_speech.yaml" in listed
    report = operator.post("/api/scripts/run").json
    assert (report["passed"], report["failed"]) == (len(listed), 0)
    assert report["uncovered"] == [] and "payments_received" in report["covered_nodes"]


def test_the_browser_phone_says_how_a_transfer_ends_and_goes_on(console_config: dict[str, str]) -> None:
    app = create_console_app({**console_config, "IVR_FIXED_TIME": OPEN_TIME})
    try:
        client = app.test_client()
        assert sign_in(client, add_operator(app, "viewer")).status_code == 302
        operator = Operator(client)
        call = operator.post("/api/phone/calls", {"language": "en"}).json["call"]
        transferring = operator.post(f"/api/phone/calls/{call}", {"keys": "0"}).json
        assert transferring["transferring"] == {
            "to": "+18005550100",
            "outcomes": ["completed", "busy", "no_answer", "failed"],
        }
        assert transferring["ended"] is None and transferring["waiting"] is None
        assert operator.post(f"/api/phone/calls/{call}", {"transfer": "on hold"}).status_code == 400
        busy = operator.post(f"/api/phone/calls/{call}", {"transfer": "busy"}).json
        assert [item["prompt"] for item in busy["heard"]] == ["representatives_busy", "representative_way_on"]
        assert busy["node"] == "representative_way_on" and busy["waiting"] is not None
        operator.post(f"/api/phone/calls/{call}", {"keys": "1"})
        done = operator.post(f"/api/phone/calls/{call}", {"transfer": "completed"}).json
        assert done["ended"] == "hangup"
    finally:
        console(app).close()
