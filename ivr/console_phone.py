"""`ivr call`: a console telephone that drives the running service over HTTP exactly as Twilio would.

It signs every request with the auth token, follows <Gather>, <Redirect> and <Hangup>, prints what the
caller hears, and reads what the caller does: keys ("1", "1000000001#", "*"), speech ("say: pagos"), or
an empty line for silence. Lines come from the terminal or, for scripts, from standard input.
"""

from __future__ import annotations

import secrets
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urljoin

import requests
from twilio.request_validator import RequestValidator

MAX_STEPS = 500


@dataclass
class ConsolePhone:
    base_url: str
    auth_token: str
    caller: str = "+15555550123"
    called: str = "+18005550100"
    out: TextIO = sys.stdout
    read_line: Callable[[str], str | None] = field(default=lambda prompt: None)
    echo_input: bool = False
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    session: requests.Session = field(default_factory=requests.Session)

    def _post(self, url: str, extra: dict[str, str]) -> requests.Response:
        form = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.called,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **extra,
        }
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        response = self.session.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
        response.raise_for_status()
        return response

    def _say(self, element: ET.Element) -> None:
        language = element.get("language", "")
        self.out.write(f"[{language or 'voice'}] {(element.text or '').strip()}\n")

    def run(self) -> int:
        """Place one call; return 0 when the service hung up, 1 when the caller did (end of input)."""
        url = urljoin(self.base_url.rstrip("/") + "/", "voice")
        response = self._post(url, {"CallStatus": "ringing"})
        try:
            for _ in range(MAX_STEPS):
                # the TwiML comes from the service under test, not from strangers
                outcome = self._play(ET.fromstring(response.content))  # noqa: S314
                if outcome is None:
                    self.out.write("[the service hung up]\n")
                    return 0
                next_url, form = outcome
                if form is None:
                    self.out.write("[you hung up]\n")
                    return 1
                response = self._post(next_url, form)
            self.out.write("[too many steps: hanging up]\n")
            return 1
        finally:
            status_url = urljoin(self.base_url.rstrip("/") + "/", "voice/status")
            self._post(status_url, {"CallStatus": "completed"})

    def _play(self, document: ET.Element) -> tuple[str, dict[str, str] | None] | None:
        """Play one TwiML document. Returns (next URL, form) to continue, form None if the caller hung up,
        or None when the service hung up."""
        elements: Iterator[ET.Element] = iter(document)
        for element in elements:
            if element.tag == "Say":
                self._say(element)
            elif element.tag == "Gather":
                for child in element:
                    if child.tag == "Say":
                        self._say(child)
                answer = self._ask(element)
                if answer is None:
                    return element.get("action", ""), None
                if answer:
                    return element.get("action", ""), answer
                # silence: Twilio goes on to the next verb (the Redirect after the Gather)
            elif element.tag == "Redirect":
                return (element.text or "").strip(), {}
            elif element.tag == "Hangup":
                return None
        return None

    def _ask(self, gather: ET.Element) -> dict[str, str] | None:
        keys_only = gather.get("input") == "dtmf"
        hint = "keys" if keys_only else "keys, or say: words"
        line = self.read_line(f"({hint}; empty line = silence) > ")
        if line is None:
            return None
        line = line.strip()
        if self.echo_input:
            shown = "*" * len(line) if keys_only else line
            self.out.write(f"> {shown}\n")
        if not line:
            return {}
        if line.lower().startswith("say:"):
            if keys_only:
                self.out.write("[this question takes keys only; your words were not heard]\n")
                return {}
            return {"SpeechResult": line[4:].strip(), "Confidence": "0.9"}
        finish = gather.get("finishOnKey", "#")
        digits = "".join(ch for ch in line if ch in "0123456789*#")
        if finish and digits.endswith(finish):
            digits = digits[: -len(finish)]
        return {"Digits": digits} if digits else {}
