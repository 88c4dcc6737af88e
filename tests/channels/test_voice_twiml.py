"""Exact TwiML for representative turns, as Twilio will read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from xml.etree import ElementTree as ET

from ivr.core.values import Money, Values
from ivr.engine import (
    CallStarted,
    DigitsEntered,
    HandlerFinished,
    NoInput,
    SpeechHeard,
    TransferEnded,
    Turn,
    step,
)
from ivr.engine.sign_in import SignedIn
from ivr.flow import Flow
from ivr.twilio.dial import transfer_event
from ivr.twilio.gather import event_from_twilio
from ivr.twilio.twiml import VoiceRenderer, answer_key

URL = "https://ivr.example.org/voice/turn?t=1"
OPEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))  # a Tuesday morning


def test_the_first_turn(flow: Flow) -> None:
    turn = step(flow, None, CallStarted("CA1"))
    assert VoiceRenderer(flow).render(turn, URL) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather action="https://ivr.example.org/voice/turn?t=1" finishOnKey="" hints="yeah, yes I am, yes, no, '
        "general information, none, other options, repeat, say that again, help, back, go back, main menu, "
        "representative, agent, operator, relay, relay call, relay service, this is a relay call, english, "
        'inglés, in english, en inglés, español, spanish, in spanish, en español" input="dtmf speech" '
        'language="en-US" method="POST" numDigits="1" speechTimeout="auto" timeout="6">'
        '<Say language="en-US" voice="Polly.Joanna">Welcome to Customer Connect, the child support information '
        "line.</Say>"
        '<Say language="es-US" voice="Polly.Lupe">Para español, marque 9.</Say>'
        '<Say language="en-US" voice="Polly.Joanna">If you are a parent or legal guardian, press 1 or say Yes. '
        "If not, press 2 or say No. For other options, press 7 or say None.</Say>"
        "</Gather>"
        '<Redirect method="POST">https://ivr.example.org/voice/turn?t=1</Redirect>'
        "</Response>"
    )


def test_a_secret_input_takes_keys_only_and_ends_on_pound(flow: Flow) -> None:
    first = step(flow, None, CallStarted("CA1"))
    at_gate = step(flow, step(flow, first.state, DigitsEntered("9")).state, DigitsEntered("1"))
    turn = step(flow, at_gate.state, HandlerFinished("available"))  # the voice line may sign in
    assert VoiceRenderer(flow).render(turn, URL) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather action="https://ivr.example.org/voice/turn?t=1" finishOnKey="#" input="dtmf" method="POST" '
        'numDigits="10" timeout="6">'
        '<Say language="es-US" voice="Polly.Lupe">Marque su número de identificación de participante o su número '
        "de Seguro Social, y luego la tecla de número.</Say>"
        "</Gather>"
        '<Redirect method="POST">https://ivr.example.org/voice/turn?t=1</Redirect>'
        "</Response>"
    )


def test_payments_are_spoken_in_words_then_the_menu(flow: Flow) -> None:
    first = step(flow, None, CallStarted("CA1", language="es"))
    state = replace(first.state, node="payments", sign_in=SignedIn(1))
    values: Values = {
        "balance": Money(102475),
        "payments": ({"amount": Money(17525), "date": dt.date(2026, 11, 3)},),
    }
    turn = step(flow, state, HandlerFinished("receiver_more", values=values))
    xml = VoiceRenderer(flow).render(turn, URL)
    assert (
        '<Say language="es-US" voice="Polly.Lupe">El saldo que se le debe es de mil veinticuatro dólares con '
        "setenta y cinco centavos. Los pagos más recientes enviados a usted: ciento setenta y cinco dólares con "
        "veinticinco centavos, enviado el 3 de noviembre de 2026. Para escuchar pagos anteriores, marque 1"
    ) in xml
    # the last page: older payments are not offered; the main menu follows
    last = VoiceRenderer(flow).render(step(flow, state, HandlerFinished("receiver", values=values)), URL)
    assert "enviado el 3 de noviembre de 2026. Menú principal." in last and "pagos anteriores" not in last


def test_a_transfer_rings_for_its_time_and_comes_back_to_the_flow(flow: Flow) -> None:
    """Zero at the first menu: the caller has chosen no language yet, so "please hold" comes in both."""
    turn = step(flow, step(flow, None, CallStarted("CA1")).state, DigitsEntered("0"), OPEN)
    url = "https://ivr.example.org/voice/turn?t=2#rc=2&ct=1000"
    assert VoiceRenderer(flow).render(turn, url) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="en-US" voice="Polly.Joanna">Please hold while I connect you with a representative.</Say>'
        '<Say language="es-US" voice="Polly.Lupe">Espere, por favor, mientras le comunico con un representante.</Say>'
        '<Dial action="https://ivr.example.org/voice/turn?t=2#rc=2&amp;ct=1000" method="POST" timeout="30">'
        "+18005550100</Dial>"
        "</Response>"
    )


def test_the_end_of_a_transfer_is_read_from_what_twilio_posts() -> None:
    assert transfer_event({"DialCallStatus": "busy", "DialCallSid": "CA2"}) == TransferEnded("busy")
    assert transfer_event({"DialCallStatus": "no-answer"}) == TransferEnded("no_answer")
    assert transfer_event({"DialCallStatus": "failed"}) == TransferEnded("failed")
    assert transfer_event({"DialCallStatus": "canceled"}) == TransferEnded("failed")
    assert transfer_event({"DialCallStatus": "completed", "DialCallDuration": "42"}) == TransferEnded(
        "completed"
    )
    assert transfer_event({"DialCallStatus": "something-new"}) == TransferEnded("failed")
    assert transfer_event({"QueueResult": "queue-full"}) == TransferEnded("busy")
    assert transfer_event({"QueueResult": "bridged"}) == TransferEnded("completed")
    assert transfer_event({"Digits": "1"}) is None


def test_hangup_turn(flow: Flow) -> None:
    state = step(flow, None, CallStarted("CA1")).state
    for _ in range(2):
        state = step(flow, state, NoInput()).state
    turn = step(flow, state, NoInput())
    # the caller never chose a language: the goodbye is said in both, theirs first
    assert VoiceRenderer(flow).render(turn, URL) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="en-US" voice="Polly.Joanna">We\'re sorry we couldn\'t help you this time. Please call again '
        'later. Goodbye.</Say><Say language="es-US" voice="Polly.Lupe">Lamentamos no poder ayudarle esta vez. '
        "Por favor, llame más tarde. Adiós.</Say><Hangup /></Response>"
    )


def test_apology_is_said_in_every_language(flow: Flow) -> None:
    xml = VoiceRenderer(flow).render_apology()
    assert xml.count("<Say ") == 2 and "problemas técnicos" in xml and "technical difficulties" in xml
    assert xml.endswith("<Hangup /></Response>")


def test_form_to_event() -> None:
    assert event_from_twilio({"Digits": "1"}) == DigitsEntered("1")
    assert event_from_twilio({"SpeechResult": "Sí.", "Confidence": "0.91"}) == SpeechHeard("Sí.", 0.91)
    assert event_from_twilio({"SpeechResult": "pagos", "Confidence": "high"}) == SpeechHeard("pagos", None)
    assert event_from_twilio({}) == NoInput()
    assert event_from_twilio({"Digits": "", "SpeechResult": "  "}) == NoInput()
    assert event_from_twilio({"SpeechResult": "s\x00i\x07"}) == SpeechHeard("si")
    assert event_from_twilio({"Digits": "1" * 500}) == SpeechHeard("")
    assert event_from_twilio({"Digits": "12ab"}) == SpeechHeard("")


def _turns_across_the_flow(flow: Flow) -> list[Turn]:
    """The first turn, then every menu option's key from every menu node, in both languages."""
    turns = []
    for language in ("en", "es"):
        first = step(flow, None, CallStarted("CA1", language=language))
        turns.append(first)
        for node_id, node in flow.nodes.items():
            for option in getattr(node, "options", ()):
                if option.key:
                    at_node = replace(first.state, node=node_id, sign_in=SignedIn(1))
                    turns.append(step(flow, at_node, DigitsEntered(option.key)))
            turns.append(step(flow, replace(first.state, node=node_id, sign_in=SignedIn(1)), NoInput()))
    return turns


def test_cached_answers_are_the_answers_built_afresh(flow: Flow) -> None:
    """A turn that says no values is built once per renderer and then only gets its URLs filled in."""
    renderer = VoiceRenderer(flow)
    turns = _turns_across_the_flow(flow)
    cacheable = [turn for turn in turns if answer_key(turn) is not None]
    assert len(cacheable) > 50 and len(cacheable) < len(turns)  # some turns say values: never cached
    for number, turn in enumerate(turns):
        action, base = (
            f"https://ivr.example.org/voice/turn?t={number}&x=\"<'>",
            f"https://ivr{number}.example.org",
        )
        # Built directly, past the cache and its stand-ins; compared as XML, since the cache escapes a
        # quote in text as &quot; where ElementTree leaves it bare.
        fresh = ET.canonicalize(VoiceRenderer(flow)._build(turn, action, base))
        assert ET.canonicalize(renderer.render(turn, action, audio_base=base)) == fresh
        cached = renderer.render(turn, action, audio_base=base)  # now from the cache, if cacheable
        assert ET.canonicalize(cached) == fresh
        assert "\ue000" not in cached


def test_values_are_never_cached(flow: Flow) -> None:
    first = step(flow, None, CallStarted("CA1"))
    state = replace(first.state, node="payments", sign_in=SignedIn(1))
    renderer = VoiceRenderer(flow)
    for cents in (100, 200):
        turn = step(flow, state, HandlerFinished("payer_no_payments", values={"balance": Money(cents)}))
        assert answer_key(turn) is None
        assert ("one dollar" if cents == 100 else "two dollars") in renderer.render(turn, URL)
