"""A telephone that drives the service over HTTP exactly as Twilio would, for `ivr call` and for tests.

``TwilioSimulator`` signs every request with the auth token (or a shared key), plays TwiML as Twilio does
(<Say>, <Gather> with its action, the <Redirect> after a silent <Gather>, <Dial> and its action when the
transfer ends, <Hangup>) and posts the status callback when the call ends. Like Twilio it signs the URL
it was given, connection overrides (``#rc=...``) and all, and requests it without the fragment. ``run_console_call`` wraps it for a person at a terminal or a script on standard input: keys
("1", "1000000001#", "*"), speech ("say: pagos"), or an empty line for silence.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, RequestValidator

# (url, form, headers) -> TwiML body
Transport = Callable[[str, dict[str, str], dict[str, str]], bytes]


def http_transport(session: requests.Session | None = None) -> Transport:
    http = session or requests.Session()

    def post(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
        response = http.post(url, data=form, headers=headers, timeout=30)
        response.raise_for_status()
        return response.content

    return post


def keys_answer(gather: ET.Element, keys: str) -> dict[str, str] | None:
    """The fields Twilio posts when ``keys`` are pressed at this <Gather>: the digits without the finish
    key, and the finish key if it ended them; None if only the finish key was pressed (Twilio treats that
    as silence)."""
    finish = gather.get("finishOnKey", "#")
    digits = keys[: -len(finish)] if finish and keys.endswith(finish) else keys
    if not digits:
        return None
    return {"Digits": digits, "FinishedOnKey": finish if digits != keys else ""}


def speech_answer(gather: ET.Element, words: str, confidence: float = 0.9) -> dict[str, str] | None:
    """The fields Twilio posts when ``words`` are said at this <Gather>; None if it takes keys only (its
    ``input`` is Twilio's default, dtmf): then Twilio hears nothing."""
    if gather.get("input", "dtmf") == "dtmf":
        return None
    return {"SpeechResult": words, "Confidence": f"{confidence:.4f}"}


@dataclass(frozen=True)
class Heard:
    language: str
    text: str


@dataclass
class TwilioSimulator:
    base_url: str
    auth_token: str
    transport: Transport
    caller: str = "+15555550123"
    called: str = "+18005550100"
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    gather: ET.Element | None = None
    redirect: str | None = None
    ended: bool = False
    requests_sent: int = 0
    # Called with a <Pause>'s length in seconds (https://www.twilio.com/docs/voice/twiml/pause: `length`,
    # 1 by default); None: pauses take no time (tests, `ivr call`).
    pause: Callable[[float], None] | None = None
    parameters: dict[str, str] = field(default_factory=dict)  # more of Twilio's call parameters
    overrides: str = ""  # the connection overrides on the number's URLs (what follows '#')
    # A Webhook Rule's shared key (its id and secret) and algorithm to sign with instead of the auth token
    shared_key: tuple[str, str] | None = None
    algorithm: str = "HMAC_SHA256"
    transfer: str | None = None  # the action URL of the <Dial> in progress
    urls: list[str] = field(default_factory=list)  # every URL requested, as written (fragments and all)

    def _post(self, url: str, extra: dict[str, str]) -> bytes:
        form = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.called,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **self.parameters,
            **extra,
        }
        headers: dict[str, str] = {}
        if self.shared_key is None:
            signature = RequestValidator(self.auth_token).compute_signature(url, form)
        else:
            key_id, secret = self.shared_key
            signature = RequestValidator(secret).compute_signature(url, form, self.algorithm)
            headers[SIGNATURE_SETTINGS_HEADER] = f"key={key_id},algorithm={self.algorithm}"
        self.requests_sent += 1
        self.urls.append(url)
        headers[SIGNATURE_HEADER] = signature
        return self.transport(url.partition("#")[0], form, headers)  # a fragment is never sent

    def _url(self, path: str) -> str:
        """A URL as set on the number in Twilio's console: with its connection overrides."""
        url = self.base_url.rstrip("/") + path
        return f"{url}#{self.overrides}" if self.overrides else url

    def dial(self) -> list[Heard]:
        return self._play(self._post(self._url("/voice"), {"CallStatus": "ringing"}))

    def press(self, keys: str) -> list[Heard]:
        """Press keys at the open <Gather>; a trailing finish key is consumed as Twilio does."""
        gather = self._open_gather()
        form = keys_answer(gather, keys)
        if form is None:
            return self.silence()
        return self._play(self._post(gather.get("action", ""), form))

    def say(self, words: str, confidence: float = 0.9) -> list[Heard]:
        gather = self._open_gather()
        form = speech_answer(gather, words, confidence)
        if form is None:  # a keys-only question: Twilio hears nothing
            return self.silence()
        return self._play(self._post(gather.get("action", ""), form))

    def silence(self) -> list[Heard]:
        """Stay silent: Twilio leaves the <Gather> and follows the <Redirect> after it."""
        self._open_gather()
        if self.redirect is None:
            raise AssertionError("the TwiML has no <Redirect> after its <Gather>: silence would end the call")
        return self._play(self._post(self.redirect, {}))

    def transfer_ends(self, status: str, field_name: str = "DialCallStatus") -> list[Heard]:
        """The transfer in progress ends: Twilio posts ``status`` (busy, no-answer, failed, completed ...) to
        the <Dial> action and plays what comes back."""
        if self.ended or self.transfer is None:
            raise AssertionError("no transfer is in progress")
        url, self.transfer = self.transfer, None
        return self._play(self._post(url, {field_name: status}))

    def hang_up(self) -> None:
        self.ended = True
        self._post(self._url("/voice/status"), {"CallStatus": "completed", "CallDuration": "42"})

    def _open_gather(self) -> ET.Element:
        if self.ended or self.gather is None:
            raise AssertionError("the call is not waiting for an answer")
        return self.gather

    def _play(self, body: bytes) -> list[Heard]:
        reading = read_twiml(body)
        if self.pause is not None:
            for seconds in reading.pauses:
                self.pause(seconds)
        self.gather, self.redirect, self.transfer = reading.gather, reading.redirect, reading.transfer
        if reading.redirect is not None and reading.gather is None:  # a plain redirect: followed at once
            return [*reading.heard, *self._play(self._post(reading.redirect, {}))]
        self.ended = reading.ended
        return list(reading.heard)


@dataclass(frozen=True)
class TwimlReading:
    """What Twilio does with one TwiML document, verb by verb until the call waits, leaves or ends."""

    heard: tuple[Heard, ...] = ()
    gather: ET.Element | None = None  # the <Gather> the call waits at
    redirect: str | None = None  # a <Redirect>: after a silent <Gather>, or at once when there is none
    transfer: str | None = None  # a <Dial> or <Enqueue> action: where the call goes on when it ends
    pauses: tuple[float, ...] = ()  # the <Pause>s' lengths (https://www.twilio.com/docs/voice/twiml/pause)
    ended: bool = False  # <Hangup>, <Reject>, a transfer without an action, or TwiML that runs out of verbs


def read_twiml(body: bytes) -> TwimlReading:
    """Twilio's reading of a TwiML answer (https://www.twilio.com/docs/voice/twiml): verbs in order; a
    <Gather> waits for the caller, the <Redirect> after it is where a silence goes; <Dial> and <Enqueue>
    leave the flow until the transfer ends; <Hangup> and <Reject> end the call. Raises ValueError for a
    document that is not TwiML."""
    try:
        document = ET.fromstring(body)  # noqa: S314 - TwiML from the service under test, not from strangers
    except ET.ParseError as error:
        raise ValueError(f"TwiML does not parse: {error}") from None
    if document.tag != "Response":
        raise ValueError(f"TwiML's root is <{document.tag}>, not <Response>")
    heard: list[Heard] = []
    pauses: list[float] = []
    gather: ET.Element | None = None
    for element in document:
        if element.tag in ("Say", "Play"):
            heard.append(_heard(element))
        elif element.tag == "Gather":
            heard.extend(_heard(child) for child in element if child.tag in ("Say", "Play"))
            gather = element
        elif element.tag in ("Dial", "Enqueue"):
            heard.append(Heard("transfer", (element.text or "").strip()))
            action = element.get("action")
            return TwimlReading(tuple(heard), None, None, action, tuple(pauses), ended=action is None)
        elif element.tag == "Pause":
            pauses.append(float(element.get("length", "1")))
        elif element.tag == "Redirect":
            redirect = (element.text or "").strip()
            return TwimlReading(tuple(heard), gather, redirect, None, tuple(pauses))
        elif element.tag in ("Hangup", "Reject"):
            return TwimlReading(tuple(heard), None, None, None, tuple(pauses), ended=True)
    return TwimlReading(tuple(heard), gather, None, None, tuple(pauses), ended=gather is None)


def _heard(element: ET.Element) -> Heard:
    """A <Say> as its language and text; a <Play> as "recording" and the recording's URL."""
    if element.tag == "Play":
        return Heard("recording", (element.text or "").strip())
    return Heard(element.get("language", ""), (element.text or "").strip())
