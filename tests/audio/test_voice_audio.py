"""The voice renderer plays a built recording (<Play>) and speaks (<Say>) everything else."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from ivr.core.values import Money
from ivr.engine import CallStarted, CallState, Gather, Hangup, Say, Turn, step
from ivr.flow import Flow
from ivr.media.recordings.lookup import PromptAudio
from ivr.twilio.twiml import VoiceRenderer

URL = "https://ivr.example.org/voice/turn?t=1"
BASE = "https://ivr.example.org"


def _verbs(xml: str) -> list[tuple[str, str]]:
    """(verb, text) for every <Say> and <Play>, in order, inside a <Gather> or not."""
    document = ET.fromstring(xml)  # noqa: S314 - TwiML made by the renderer under test
    return [(el.tag, (el.text or "").strip()) for el in document.iter() if el.tag in ("Say", "Play")]


def _state(flow: Flow, language: str = "en") -> CallState:
    return replace(step(flow, None, CallStarted("CA1")).state, language=language)


def test_no_manifest_and_an_empty_one_render_the_same_bytes(flow: Flow) -> None:
    turn = step(flow, None, CallStarted("CA1"))
    spoken = VoiceRenderer(flow).render(turn, URL)
    assert VoiceRenderer(flow, PromptAudio()).render(turn, URL, audio_base=BASE) == spoken
    assert "<Play" not in spoken


def test_a_recorded_prompt_is_played_at_its_absolute_url_inside_the_gather(flow: Flow) -> None:
    audio = PromptAudio(
        files={"en": {"welcome": "welcome-0123456789ab.wav", "caller_type": "caller_type-1.wav"}}
    )
    turn = Turn(
        _state(flow),
        (Say("welcome"), Gather((Say("offer_spanish", language="es"), Say("caller_type"), Say("ask_pin")))),
    )
    xml = VoiceRenderer(flow, audio).render(turn, URL, audio_base=BASE)
    assert _verbs(xml) == [
        ("Play", f"{BASE}/prompts/audio/en/welcome-0123456789ab.wav"),
        ("Say", flow.prompts["es"]["offer_spanish"]),  # said in Spanish: no Spanish recording
        ("Play", f"{BASE}/prompts/audio/en/caller_type-1.wav"),
        ("Say", flow.prompts["en"]["ask_pin"]),  # no recording: text-to-speech with the voice
    ]
    gather = ET.fromstring(xml).find("Gather")  # noqa: S314 - TwiML made by the renderer under test
    assert gather is not None and gather[0].tag == "Play"  # callers can barge in over a recording too
    assert 'voice="Polly.Joanna"' in xml and 'voice="Polly.Lupe"' in xml


def test_the_recording_of_the_language_the_prompt_is_said_in(flow: Flow) -> None:
    audio = PromptAudio(files={"es": {"goodbye": "goodbye-es.wav"}})
    renderer = VoiceRenderer(flow, audio)
    english = renderer.render(Turn(_state(flow), (Say("goodbye"), Hangup())), URL, audio_base=BASE)
    spanish = renderer.render(Turn(_state(flow, "es"), (Say("goodbye"), Hangup())), URL, audio_base=BASE)
    assert _verbs(english) == [("Say", flow.prompts["en"]["goodbye"])]
    assert _verbs(spanish) == [("Play", f"{BASE}/prompts/audio/es/goodbye-es.wav")]
    assert spanish.endswith("<Hangup /></Response>")


def test_a_prompt_with_values_is_always_spoken_even_with_a_recording(flow: Flow) -> None:
    assert "{balance}" in flow.prompts["en"]["balance_due"]
    audio = PromptAudio(files={"en": {"balance_due": "balance_due-1.wav", "goodbye": "goodbye-1.wav"}})
    turn = Turn(_state(flow), (Say("balance_due", values={"balance": Money(1050)}), Say("goodbye"), Hangup()))
    verbs = _verbs(VoiceRenderer(flow, audio).render(turn, URL, audio_base=BASE))
    assert verbs == [
        ("Say", "Your current balance due is ten dollars and fifty cents."),
        ("Play", f"{BASE}/prompts/audio/en/goodbye-1.wav"),
    ]


def test_the_apology_plays_where_it_is_recorded(flow: Flow) -> None:
    apology = flow.defaults.apology
    audio = PromptAudio(files={"en": {apology: f"{apology}-1.wav"}})
    verbs = _verbs(VoiceRenderer(flow, audio).render_apology(audio_base=BASE))
    assert verbs == [
        ("Play", f"{BASE}/prompts/audio/en/{apology}-1.wav"),
        ("Say", flow.prompts["es"][apology]),
    ]
