"""Court dates are said in the caller's language: a place and a description in it when the agency wrote
them, otherwise in the flow's default language, otherwise in whichever language there is."""

from __future__ import annotations

from dataclasses import replace

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.engine import CallStarted, DigitsEntered, HandlerFinished, step
from ivr.engine.sign_in import SignedIn
from ivr.flow import Flow
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HandlerPorts, HandlerRequest
from ivr.runtime.handlers.case_details import in_language, read_court_dates
from tests.conftest import HANDLER_TIME

NOW = HANDLER_TIME


def places_and_descriptions(
    ports: HandlerPorts, flow: Flow, language: str, default_language: str = "en"
) -> list[tuple[object, object]]:
    """What read_court_dates gives the prompts for the demo receiver, on a call in ``language``."""
    who = ports.accounts.identify(participant_number="1000000001")
    assert who is not None
    state = replace(step(flow, None, CallStarted("CA1")).state, sign_in=SignedIn(who), language=language)
    request = HandlerRequest(state, None, "voice", "+15555550123", NOW, default_language=default_language)
    finished = read_court_dates(ports, request)
    assert finished.outcome == "upcoming"
    dates = finished.values["court_dates"]
    assert isinstance(dates, tuple)
    return [(date["place"], date["about"]) for date in dates]


def test_a_spanish_caller_hears_the_place_and_description_in_spanish(ports: HandlerPorts, flow: Flow) -> None:
    assert places_and_descriptions(ports, flow, "es") == [
        (
            "el Tribunal Superior del Condado de Sacramento, Departamento 12",
            "una revisión de la orden de manutención",
        ),
        (
            "la oficina de Cliente Conectado, 100 Main Street, Sacramento",
            "una reunión con su trabajador social",
        ),
    ]


def test_a_language_with_no_text_falls_back_to_the_flows_default(ports: HandlerPorts, flow: Flow) -> None:
    english = [
        ("Sacramento County Superior Court, Department 12", "a review of the support order"),
        ("the Customer Connect office, 100 Main Street, Sacramento", "a meeting with your caseworker"),
    ]
    assert places_and_descriptions(ports, flow, "en") == english
    assert places_and_descriptions(ports, flow, "vi") == english
    spanish_first = places_and_descriptions(ports, flow, "vi", default_language="es")
    assert spanish_first[0] == (
        "el Tribunal Superior del Condado de Sacramento, Departamento 12",
        "una revisión de la orden de manutención",
    )


def test_text_in_any_language_is_said_rather_than_nothing() -> None:
    assert in_language({"en": "court", "es": "tribunal"}, "es", "en") == "tribunal"
    assert in_language({"en": "court", "es": "tribunal"}, "vi", "en") == "court"
    assert in_language({"en": "", "es": "tribunal"}, "en", "en") == "tribunal"  # blank counts as missing
    assert in_language({"vi": "tòa án", "es": "tribunal"}, "fr", "en") == "tribunal"  # the first by code
    assert in_language({}, "es", "en") == ""


def test_handlers_are_told_the_default_language_of_the_flow_the_call_is_on(flow: Flow) -> None:
    told: list[tuple[str, str]] = []

    def identify(request: HandlerRequest) -> HandlerFinished:
        told.append((request.state.language, request.default_language))
        return HandlerFinished("not_valid")

    handlers = {"account_access": lambda _request: HandlerFinished("available"), "identify_caller": identify}
    conversation = Conversation(replace(flow, default_language="es"), MemoryCallStore(), handlers)
    caller = Caller("CA-languages", "test")
    conversation.start(caller)
    conversation.answer(caller, DigitsEntered("1"))
    conversation.answer(caller, DigitsEntered("1000000002"))
    assert told == [("es", "es")]
