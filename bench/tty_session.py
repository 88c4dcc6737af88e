"""What a TTY caller meets: time to the first answer, echo handling, typing over our text, CPU per frame.

Run: PYTHONPATH=. .venv/bin/python bench/tty_session.py
The numbers are written down in docs/tty.md. The session runs in process, as the WebSocket serves it (the
Media Stream serializer and `TtyCallSession`), against the harness of tests/tty/harness.py (Twilio, the
line and the caller's TTY, in stream time), with the shipped flow. The call's state lives in memory and
tickets are issued in memory: the session is measured, not Redis.

Measured:
- the first question: when its first option and its GA show on the caller's screen, and when a first
  answer is taken, typed 0.5 s after the GA or over the text as soon as "1 YES" shows;
- echo: for delays of 0 to 800 ms and levels of 0 to -20 dB, the delay measured, whether any of it was read
  as typing (15 quiet seconds after each of two turns), and whether a reply typed 0.2 s after our GA,
  "1 GA", was read;
- typing over our text: from the caller's first tone to our `clear`;
- CPU: the session's time per 20 ms media message over a whole call, on one core.
"""

from __future__ import annotations

import os
import time
from typing import Any, Final

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.channels.tty_session import TtyCallSession
from ivr.engine import HandlerFinished
from ivr.flow import load_flow
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HANDLER_RULES, HandlerRequest
from ivr.twilio.media_stream import MediaStreamSerializer
from ivr.web.tty import respond
from tests.tty.harness import CALLER, FRAME, RATE, TtyCall, TwilioSide

ID_PROMPT: Final = "ENTER YOUR PARTICIPANT ID OR SSN GA"


class Tickets:
    """Tickets in memory, for the bench only (the service keeps them in Redis: ivr.adapters.redis.stream_tickets)."""

    def redeem(self, ticket: object, call_id: str) -> Caller | None:
        return Caller(call_id, "tty", CALLER) if ticket == "bench" else None


def _available(_request: HandlerRequest) -> HandlerFinished:
    return HandlerFinished("available")


def call(echo_delay: float | None = None, echo_db: float = -10.0) -> tuple[TtyCall, TtyCallSession]:
    conversation = Conversation(
        load_flow(".", HANDLER_RULES), MemoryCallStore(), {"account_access": _available}
    )
    serializer, session = MediaStreamSerializer(), TtyCallSession(conversation, Tickets())
    line = TtyCall(
        lambda raw: respond(serializer, session, raw), TwilioSide(echo_delay=echo_delay, echo_db=echo_db)
    )
    line.start("bench")
    return line, session


def seconds(line: TtyCall) -> float:
    return line.twilio.ticks * FRAME / RATE


def first_answer() -> None:
    line, _ = call()
    shown = None
    while "GA" not in line.twilio.screen:
        line.tick()
        if shown is None and "1 YES" in line.twilio.screen:
            shown = seconds(line)
    print(f"first option '1 YES' shown at {shown:.1f} s; the first question's GA at {seconds(line):.1f} s")
    line.type("1 GA", after=0.5)
    started = len(line.twilio.sent)
    while not any(m["event"] == "media" for _, m in line.twilio.sent[started:]):
        line.tick()
    print(f"'1 GA' typed 0.5 s after the GA: answered at {seconds(line):.1f} s")
    line, _ = call()
    while "1 YES" not in line.twilio.screen:
        line.tick()
    line.type("1 GA", after=0.3)
    started = len(line.twilio.sent)
    while not any(
        m["event"] == "mark" and m["mark"]["name"].startswith("b2") for _, m in line.twilio.sent[started:]
    ):
        line.tick()
    print(f"'1 GA' typed over the question 0.3 s after '1 YES' shows: answered at {seconds(line):.1f} s")


def echo_grid() -> None:
    print("| echo delay | level | delay measured | read as typing | '1 GA' 0.2 s after GA |")
    print("| --- | --- | --- | --- | --- |")
    for delay in (0.0, 0.2, 0.4, 0.6, 0.8):
        for level in (0.0, -6.0, -10.0, -20.0):
            line, session = call(delay, level)
            line.read()
            typed = len(line.run(15))
            line.type("1 GA", after=1.0)
            second = line.read()
            typed += len(line.run(15))
            measured = session._echo.estimate
            line2, _ = call(delay, level)
            line2.read()
            quick = line2.answer("1 GA", after=0.2) == ID_PROMPT
            found = f"{measured.delay_samples * 1000 / RATE:.0f} ms" if measured else "none"
            wrong = "yes" if typed or second != ID_PROMPT else "no"
            print(
                f"| {delay * 1000:.0f} ms | {level:.0f} dB | {found} | {wrong} | {'read' if quick else 'lost'} |"
            )


def typing_over() -> None:
    for delay in (None, 0.3, 0.8):
        line, _ = call(delay, -10.0)
        line.read()
        line.type("2 GA")
        while "BY PHONE" not in line.twilio.screen:
            line.tick()
        line.run(1.5)
        began = line.twilio.ticks + round(0.150 * RATE / FRAME)  # our encoder's lead-in, then the FIGS
        line.type("1 GA", after=0)
        while not any(m["event"] == "clear" for m in line.tick()):
            pass
        echo = "no echo" if delay is None else f"echo {delay * 1000:.0f} ms, -10 dB"
        print(
            f"typing over our text ({echo}): clear {(line.twilio.ticks - began) * FRAME / RATE * 1000:.0f} ms after the first start bit"
        )


def cpu() -> None:
    line, session = call(0.4, -10.0)
    spent = 0.0
    handle = session.handle

    def timed(frame: Any) -> Any:
        nonlocal spent
        began = time.process_time()
        try:
            return handle(frame)
        finally:
            spent += time.process_time() - began

    session.handle = timed
    before = line.twilio.ticks
    line.read()
    for text in ("1 GA", "1000000002 GA", "2 GA", "GA", "GA"):
        line.answer(text, after=1.0)
    frames = line.twilio.ticks - before
    print(f"CPU: {spent / frames * 1e6:.0f} us per 20 ms frame over {frames * FRAME / RATE:.0f} s of call")


if __name__ == "__main__":
    first_answer()
    typing_over()
    cpu()
    echo_grid()
