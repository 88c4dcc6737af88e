"""A call through the app hears <Play> for built recordings, and the app serves them as telephone WAV."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.web.app import create_app
from tests.audio.conftest import run_prompts, wav_format, write_tone
from tests.conftest import AUTH_TOKEN, close_app

MakeApp = Callable[..., FlaskClient]
FORM = {"CallSid": "CA" + "1" * 32, "From": "+15555550123", "To": "+18005550100", "CallStatus": "ringing"}


@pytest.fixture
def recorded_flow(flow_dir: Path) -> Path:
    write_tone(flow_dir / "prompts/en/welcome.wav", 2.0)
    (flow_dir / "prompts/en/caller_type.wav").write_bytes(b"RIFF....WAVE a damaged file")
    run_prompts(flow_dir, "build")
    return flow_dir


@pytest.fixture
def make_app(app_config: dict[str, str]) -> Iterator[MakeApp]:
    apps: list[Flask] = []

    def make(**overrides: str) -> FlaskClient:
        apps.append(create_app({**app_config, **overrides}))
        return apps[-1].test_client()

    yield make
    for app in apps:
        close_app(app)


def _dial(client: FlaskClient, base: str = "http://localhost") -> ET.Element:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{base}/voice", FORM)
    response = client.post("/voice", data=FORM, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.data[:300]
    return ET.fromstring(response.data)  # noqa: S314 - TwiML from the app under test


def test_a_call_plays_recordings_the_app_serves_as_8_khz_mono_mu_law(
    make_app: MakeApp, recorded_flow: Path
) -> None:
    client = make_app(IVR_FLOW=str(recorded_flow))
    twiml = _dial(client)
    plays = [el.text or "" for el in twiml.iter("Play")]
    said = " ".join(el.text or "" for el in twiml.iter("Say"))
    assert len(plays) == 1 and plays[0].startswith("http://localhost/prompts/audio/en/welcome-")
    assert "Welcome to Customer Connect" not in said
    assert "Para español, marque 9." in said  # no Spanish recording: text-to-speech
    assert "If you are a parent or legal guardian" in said  # its recording is damaged: never played

    path = plays[0].removeprefix("http://localhost")
    with client.get(path) as response:
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        assert wav_format(response.data) == (7, 1, 8000, 8)
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 31536000
        etag = path.rpartition("-")[2].removesuffix(".wav")
        assert response.headers["ETag"] == f'"{etag}"'
    with client.get(path, headers={"If-None-Match": f'"{etag}"'}) as again:
        assert again.status_code == 304


def test_only_playable_built_files_are_served(make_app: MakeApp, recorded_flow: Path) -> None:
    build = recorded_flow / "prompts/build"
    (build / "en/stray-0123456789ab.wav").write_bytes((next(build.glob("en/welcome-*.wav"))).read_bytes())
    client = make_app(IVR_FLOW=str(recorded_flow))
    for path in (
        "/prompts/audio/en/stray-0123456789ab.wav",  # in the folder, not in the manifest
        "/prompts/audio/en/manifest.json",
        "/prompts/audio/manifest.json",
        "/prompts/audio/en/..%2Fmanifest.json",
        "/prompts/audio/..%2F..%2Fen.yaml/x",
        "/prompts/audio/en/%2e%2e",
        "/prompts/audio/es/" + next(build.glob("en/welcome-*.wav")).name,  # another language's file
        "/prompts/audio/en/caller_type.wav",
    ):
        with client.get(path) as response:
            assert response.status_code == 404, path


def test_play_urls_use_the_public_base_url(make_app: MakeApp, recorded_flow: Path) -> None:
    client = make_app(IVR_FLOW=str(recorded_flow), PUBLIC_BASE_URL="https://ivr.example.org")
    plays = [el.text or "" for el in _dial(client, "https://ivr.example.org").iter("Play")]
    assert len(plays) == 1 and plays[0].startswith("https://ivr.example.org/prompts/audio/en/welcome-")


def test_without_a_build_every_prompt_is_spoken(make_app: MakeApp, flow_dir: Path) -> None:
    client = make_app(IVR_FLOW=str(flow_dir))
    twiml = _dial(client)
    assert not list(twiml.iter("Play"))
    assert "Welcome to Customer Connect" in " ".join(el.text or "" for el in twiml.iter("Say"))
    assert client.get("/prompts/audio/en/welcome.wav").status_code == 404


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_with_the_drafts_built_a_call_hears_them(make_app: MakeApp, flow_dir: Path) -> None:
    assert run_prompts(flow_dir, "draft", "welcome", "offer_spanish", "caller_type").exit_code == 0
    assert run_prompts(flow_dir, "build").exit_code == 0
    client = make_app(IVR_FLOW=str(flow_dir))
    twiml = _dial(client)
    plays = [el.text or "" for el in twiml.iter("Play")]
    played = {tuple(url.rsplit("/", 2)[-2:]) for url in plays}
    assert {(lang, name.rpartition("-")[0]) for lang, name in played} == {
        ("en", "welcome"),
        ("es", "offer_spanish"),  # said in Spanish, so the Spanish draft
        ("en", "caller_type"),
    }
    assert not [el for el in twiml.iter("Say") if "Welcome to Customer Connect" in (el.text or "")]
    for url in plays:
        with client.get(url.removeprefix("http://localhost")) as response:
            assert response.status_code == 200 and wav_format(response.data) == (7, 1, 8000, 8)
