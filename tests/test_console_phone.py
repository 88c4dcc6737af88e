"""What the simulated Twilio posts for an answer at a <Gather>, as Twilio does (ivr call, tests, the bench)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ivr.twilio.simulator import keys_answer, speech_answer


def gather(**attributes: str) -> ET.Element:
    return ET.Element("Gather", attributes)


@pytest.mark.parametrize(
    ("attributes", "keys", "form"),
    [
        ({}, "1000000002#", {"Digits": "1000000002", "FinishedOnKey": "#"}),  # # is Twilio's default
        ({"finishOnKey": "#"}, "7", {"Digits": "7", "FinishedOnKey": ""}),  # ended by numDigits or timeout
        ({"finishOnKey": ""}, "12#", {"Digits": "12#", "FinishedOnKey": ""}),  # no finish key: # is a key
        ({"finishOnKey": "*"}, "2468*", {"Digits": "2468", "FinishedOnKey": "*"}),
        ({"finishOnKey": "#"}, "#", None),  # only the finish key: silence
    ],
)
def test_keys_at_a_gather(attributes: dict[str, str], keys: str, form: dict[str, str] | None) -> None:
    assert keys_answer(gather(**attributes), keys) == form


def test_speech_only_where_the_gather_listens_for_it() -> None:
    assert speech_answer(gather(input="dtmf speech"), "pagos", 0.91) == {
        "SpeechResult": "pagos",
        "Confidence": "0.9100",
    }
    assert speech_answer(gather(input="speech"), "Sí") is not None
    assert speech_answer(gather(input="dtmf"), "pagos") is None
    assert speech_answer(gather(), "pagos") is None  # Twilio's default input is dtmf
