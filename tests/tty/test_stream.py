"""A TTY call's session on a Media Stream, driven message by message: lines, keys, echo, silence, the end.

`FakeTwilio` plays Twilio's part without a socket: the caller's audio goes in as 20 ms media messages, in
the order a real line would carry it, and what the session sends is "played": its audio comes back as the
caller's (the line's echo, at full level unless told), then its marks. Time is the audio fed, not the wall
clock, so these tests are exact and fast.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import redis

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.adapters.redis.stream_tickets import RedisStreamTickets
from ivr.channels.tty_session import Message, TtyStreamSession
from ivr.engine import HandlerFinished
from ivr.flow import Flow
from ivr.media.tty.baudot import encode
from ivr.media.tty.demodulator import decode
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HandlerRequest

CALL_SID = "CA" + "5" * 32
STREAM_SID = "MZ" + "7" * 32
CALLER = "+15555550123"
FRAME = 160  # bytes of mu-law: 20 ms
RATE = 8000


def start_message(
    call_sid: str = CALL_SID, stream_sid: str = STREAM_SID, ticket: str = "", **start: Any
) -> dict[str, Any]:
    """Twilio's start message, with the parameter /tty/voice passes: the stream's ticket."""
    body = {
        "accountSid": "AC" + "0" * 32,
        "streamSid": stream_sid,
        "callSid": call_sid,
        "tracks": ["inbound"],
        "customParameters": {"ticket": ticket},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        **start,
    }
    return {"event": "start", "sequenceNumber": "1", "start": body, "streamSid": stream_sid}


def media_message(data: bytes, stream_sid: str = STREAM_SID) -> dict[str, Any]:
    payload = base64.b64encode(data).decode("ascii")
    return {"event": "media", "streamSid": stream_sid, "media": {"track": "inbound", "payload": payload}}


def mulaw_frames(pcm: npt.ArrayLike) -> list[bytes]:
    """16-bit audio as 20 ms mu-law frames, the last one padded with silence."""
    samples = np.asarray(pcm, dtype=np.int16)
    data = ulaw_encode(np.concatenate([samples, np.zeros(-samples.size % FRAME, dtype=np.int16)]))
    return [data[i : i + FRAME] for i in range(0, len(data), FRAME)]


def silence(seconds: float) -> npt.NDArray[np.int16]:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def sent_audio(messages: list[Message]) -> bytes:
    return b"".join(base64.b64decode(m["media"]["payload"]) for m in messages if m["event"] == "media")


def text_of(audio: bytes) -> str:
    """What a TTY shows for our audio, one line per line."""
    return decode(ulaw_decode(audio)).replace("\r\n", "\n").strip()


def flat(text: str) -> str:
    return " ".join(text.split())


class FakeTwilio:
    """Twilio's side of one stream, for a session; ``ticket`` is what /tty/voice gave the call."""

    def __init__(self, session: TtyStreamSession, ticket: str = "") -> None:
        self.session = session
        self.ticket = ticket
        self.unplayed: list[Message] = []  # what the session sent that has not played yet

    def send(self, message: dict[str, Any]) -> list[Message]:
        replies = self.session.handle(message)
        clears = [i for i, reply in enumerate(replies) if reply["event"] == "clear"]
        if clears:  # Twilio drops the audio it holds and returns the marks that were waiting
            dropped, self.unplayed = self.unplayed + replies[: clears[-1]], replies[clears[-1] + 1 :]
            for mark in (m for m in dropped if m["event"] == "mark"):
                assert self.session.handle(mark) == []
        else:
            self.unplayed += replies
        return replies

    def start(self, **start: Any) -> list[Message]:
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        return self.send(start_message(ticket=self.ticket, **start))

    def audio(self, pcm: npt.ArrayLike) -> list[Message]:
        return [reply for frame in mulaw_frames(pcm) for reply in self.send(media_message(frame))]

    def quiet(self, seconds: float) -> list[Message]:
        return self.audio(silence(seconds))

    def type(self, text: str) -> list[Message]:
        """Half a second to read our GA (the receiver listens again 300 ms after our text), then type."""
        return self.audio(np.concatenate([silence(0.5), encode(text)]))

    def press(self, keys: str) -> list[Message]:
        replies = []
        for key in keys:
            replies += self.send({"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"digit": key}})
        return replies

    def play(self, echo: float = 1.0, delay: float = 0.0) -> str:
        """Play what the session sent: its audio comes back on the line `delay` seconds late and `echo` times
        as loud, then its marks; nothing may be answered meanwhile. Returns the text it carried."""
        played, self.unplayed = self.unplayed, []
        assert all(m["streamSid"] == STREAM_SID for m in played)
        audio = sent_audio(played)
        pcm = ulaw_decode(audio).astype(np.float64) * echo
        assert self.audio(np.concatenate([silence(delay), np.round(pcm)])) == []
        for mark in (m for m in played if m["event"] == "mark"):
            assert self.send(mark) == []
        return text_of(audio)


def tty_may_sign_in(_request: HandlerRequest) -> HandlerFinished:
    """What the account_access handler answers on a TTY call (tests/security check the handler itself)."""
    return HandlerFinished("available")


@pytest.fixture
def conversation(flow: Flow) -> Conversation:
    """The shipped flow with no account handlers: menus and inputs answer, sign-in comes back as a failure.
    The session is what is tested here; the call's state may live in memory."""
    return Conversation(flow, MemoryCallStore(), {"account_access": tty_may_sign_in})


@pytest.fixture
def tickets(redis_client: redis.Redis, redis_prefix: str) -> RedisStreamTickets:
    return RedisStreamTickets(redis_client, redis_prefix)


def ticket_for(tickets: RedisStreamTickets, call_sid: str = CALL_SID) -> str:
    return tickets.issue(Caller(call_sid, "tty", CALLER))


@pytest.fixture
def twilio(conversation: Conversation, tickets: RedisStreamTickets) -> Iterator[FakeTwilio]:
    line = FakeTwilio(TtyStreamSession(conversation, tickets), ticket_for(tickets))
    yield line
    line.session.close()


@pytest.fixture
def at_menu(twilio: FakeTwilio) -> FakeTwilio:
    """A call whose welcome and first menu have played."""
    twilio.start()
    assert "PRESS 1 OR TYPE YES" in flat(twilio.play())
    return twilio


ID_PROMPT = "ENTER YOUR PARTICIPANT ID"


def test_the_call_opens_with_the_first_menu_in_baudot_in_20_ms_frames(twilio: FakeTwilio) -> None:
    sent = twilio.start()
    media, mark = sent[:-1], sent[-1]
    assert {m["event"] for m in media} == {"media"}
    assert all(len(base64.b64decode(m["media"]["payload"])) == FRAME for m in media)
    assert mark["event"] == "mark" and mark["streamSid"] == STREAM_SID
    heard = twilio.play()
    assert heard.startswith("WELCOME TO CUSTOMER CONNECT")
    assert "PRESS 1 OR TYPE YES. IF NOT, PRESS 2 OR TYPE NO." in flat(heard)
    assert heard.endswith("\nGA")
    assert all(len(line) <= 40 for line in heard.splitlines())
    state = twilio.session._conversation.current(CALL_SID)
    assert state is not None and state.node != ""


def test_a_line_ends_a_second_after_ga(at_menu: FakeTwilio) -> None:
    assert at_menu.type("1 GA") == []
    assert at_menu.quiet(0.8) == []
    assert at_menu.quiet(0.4) != []
    assert ID_PROMPT in flat(at_menu.play())


def test_a_line_ends_at_a_space_after_ga_or_at_return(at_menu: FakeTwilio) -> None:
    assert at_menu.type("1 GA ") != []  # answered as soon as the space arrives
    assert ID_PROMPT in flat(at_menu.play())
    assert at_menu.type("12345\r\n") != []
    assert "THAT NUMBER DOESN'T LOOK RIGHT" in flat(at_menu.play())


def test_a_word_that_starts_with_ga_does_not_end_the_line(at_menu: FakeTwilio) -> None:
    assert at_menu.type("GA") == []
    assert at_menu.audio(np.concatenate([silence(0.2), encode("RBAGE")])) == []  # typed on, under a second
    assert at_menu.quiet(2.5) == []  # "GARBAGE" may still be being typed, as far as we know
    assert at_menu.quiet(0.7) != []  # three seconds after the last letter: the line ends
    assert "PRESS 1" in flat(at_menu.play())  # not understood: the menu again


def test_a_line_ends_after_three_quiet_seconds(at_menu: FakeTwilio) -> None:
    assert at_menu.type("YES") == []
    assert at_menu.quiet(2.7) == []
    assert at_menu.quiet(0.5) != []
    assert ID_PROMPT in flat(at_menu.play())


def test_keys_answer_a_menu_at_once_and_an_input_at_pound_or_a_pause(at_menu: FakeTwilio) -> None:
    assert at_menu.press("1") != []
    assert ID_PROMPT in flat(at_menu.play())
    assert at_menu.press("12345") == []
    assert at_menu.press("#") != []
    assert "THAT NUMBER DOESN'T LOOK RIGHT" in flat(at_menu.play())
    assert at_menu.press("123") == []
    assert at_menu.quiet(2.8) == []
    assert at_menu.quiet(0.4) != []
    assert "THAT NUMBER DOESN'T LOOK RIGHT" in flat(at_menu.play())


def test_the_longest_answer_needs_no_pound_and_a_lone_pound_is_ignored(at_menu: FakeTwilio) -> None:
    assert at_menu.press("1") != []
    assert at_menu.press("#") == []  # nothing to finish, and no reason to cut the prompt short
    assert ID_PROMPT in flat(at_menu.play())
    assert at_menu.press("123456789") == []
    assert at_menu.press("0") != []  # ten digits: the longest ID there is


def test_a_key_while_our_text_plays_cuts_it(twilio: FakeTwilio) -> None:
    twilio.start()
    replies = twilio.press("1")
    assert replies[0] == {"event": "clear", "streamSid": STREAM_SID}
    assert ID_PROMPT in flat(twilio.play())  # the welcome was cut; the answer plays
    assert twilio.type("12345 GA ") != []
    assert "THAT NUMBER DOESN'T LOOK RIGHT" in flat(twilio.play())


@pytest.mark.parametrize(("echo", "delay"), [(1.0, 0.0), (0.3, 0.2), (1.0, 0.6)])
def test_our_own_text_coming_back_is_not_read(at_menu: FakeTwilio, echo: float, delay: float) -> None:
    """Every `play` loops our audio back as the caller's; a late echo is covered by the marks."""
    at_menu.type("1 GA ")
    assert ID_PROMPT in flat(at_menu.play(echo=echo, delay=delay))
    assert at_menu.quiet(5) == []  # had anything of the echo been read, a line would have ended by now
    assert at_menu.type("12345 GA ") != []  # and the receiver is in step and in the right case
    assert "THAT NUMBER DOESN'T LOOK RIGHT" in flat(at_menu.play(echo=echo, delay=delay))


def test_typing_over_our_text_is_not_read(twilio: FakeTwilio) -> None:
    twilio.start()
    assert twilio.type("2 GA ") == []  # a TTY line is half duplex
    assert twilio.quiet(2) == []
    assert "PRESS 1 OR TYPE YES" in flat(twilio.play())
    assert twilio.quiet(5) == []
    assert twilio.type("1 GA ") != []
    assert ID_PROMPT in flat(twilio.play())


def test_thirty_quiet_seconds_are_a_no_input(at_menu: FakeTwilio) -> None:
    assert at_menu.quiet(29.5) == []
    assert at_menu.quiet(1) != []
    assert flat(at_menu.play()).startswith("SORRY, I DIDN'T HEAR ANYTHING.")


def test_sk_ends_the_call_once_the_last_text_has_played(
    at_menu: FakeTwilio, conversation: Conversation
) -> None:
    sent = at_menu.type("SK ")
    assert sent[-1]["mark"]["name"].startswith("end-")
    assert not at_menu.session.finished
    assert at_menu.play().endswith("SK")
    assert at_menu.session.finished
    assert at_menu.quiet(5) == [] and at_menu.press("1") == []
    at_menu.session.close()
    assert conversation.current(CALL_SID) is None


def test_a_stop_message_finishes_the_session_and_close_forgets_the_call(
    at_menu: FakeTwilio, conversation: Conversation
) -> None:
    assert conversation.current(CALL_SID) is not None
    assert at_menu.send({"event": "stop", "streamSid": STREAM_SID, "stop": {"callSid": CALL_SID}}) == []
    assert at_menu.session.finished
    at_menu.session.close()
    at_menu.session.close()
    assert conversation.current(CALL_SID) is None


def test_after_a_failure_the_apology_plays_in_every_language_then_the_call_ends(at_menu: FakeTwilio) -> None:
    at_menu.unplayed += at_menu.session.fail()
    heard = flat(at_menu.play())
    assert "WE'RE SORRY, WE ARE HAVING TECHNICAL DIFFICULTIES" in heard
    assert "LO SENTIMOS, TENEMOS PROBLEMAS TECNICOS" in heard
    assert heard.endswith("SK")
    assert at_menu.session.finished


def test_the_marks_are_not_waited_for_forever(at_menu: FakeTwilio) -> None:
    at_menu.type("1 GA ")
    sent, at_menu.unplayed = at_menu.unplayed, []
    seconds = len(sent_audio(sent)) / RATE
    assert at_menu.quiet(seconds + 4) == []  # played, but Twilio never says so
    at_menu.quiet(1.5)  # five seconds late: taken as played
    assert at_menu.type("12345 GA ") != []


def test_what_is_not_a_stream_message_is_ignored(
    conversation: Conversation, tickets: RedisStreamTickets
) -> None:
    session = TtyStreamSession(conversation, tickets)
    assert session.handle(media_message(b"\xff" * FRAME)) == []  # before start
    assert session.handle(["not", "a", "message"]) == []
    assert session.handle({"event": "unknown"}) == []
    twilio = FakeTwilio(session, ticket_for(tickets))
    assert twilio.start() != []
    assert twilio.send(start_message(ticket=ticket_for(tickets))) == []  # one start per stream
    twilio.play()
    assert twilio.send({"event": "media", "media": {"payload": "not base64!"}}) == []
    assert twilio.send({"event": "media", "media": {"payload": "A" * 20_000}}) == []
    assert twilio.send({"event": "dtmf", "dtmf": {"digit": "A"}}) == []
    assert twilio.send({"event": "mark", "mark": {"name": "not ours"}}) == []
    assert twilio.type("1 GA ") != []  # still listening
    session.close()


@pytest.mark.parametrize(
    "start",
    [
        {"callSid": "CA 1; DROP"},
        {"callSid": "", "customParameters": {}},
        {"streamSid": "x" * 65},
        {"callSid": "CA\u0661\u0662"},  # alphanumeric to Python, not a Twilio id
        {"mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1}},
    ],
)
def test_a_stream_that_is_not_a_call_we_can_serve_is_closed(
    conversation: Conversation, tickets: RedisStreamTickets, start: Any
) -> None:
    session = TtyStreamSession(conversation, tickets)
    assert session.handle(start_message(ticket=ticket_for(tickets), **start)) == []
    assert session.finished and session.caller is None
    session.close()


def test_a_stream_starts_only_with_an_unused_ticket_for_its_own_call(
    conversation: Conversation, tickets: RedisStreamTickets
) -> None:
    other_call = "CA" + "6" * 32
    refused = [
        "",  # a replayed handshake: no ticket at all
        "made-up-ticket",
        ticket_for(tickets, other_call),  # issued for another call
    ]
    for ticket in refused:
        session = TtyStreamSession(conversation, tickets)
        assert session.handle(start_message(ticket=ticket)) == []
        assert session.finished and session.caller is None
    ticket = ticket_for(tickets)
    first = TtyStreamSession(conversation, tickets)
    assert first.handle(start_message(ticket=ticket)) != []
    assert first.caller == Caller(CALL_SID, "tty", CALLER)  # the caller id comes from the ticket
    again = TtyStreamSession(conversation, tickets)  # the same ticket, a second time
    assert again.handle(start_message(ticket=ticket)) == [] and again.caller is None
    first.close()
