"""A TTY call's session, driven through the harness (tests/tty/harness.py): Twilio's messages in, in stream
time, and what the session sends, what the caller's TTY prints and what the call's answers were, out.

The session is served exactly as the WebSocket serves it (the Media Stream serializer and the session,
through `ivr.web.tty.respond`); only the socket is left out. The call's state lives in memory here and
the account handlers are stand-ins that record what they were given: the session is what is tested
(whole calls on real Redis and databases are in tests/web/test_tty_calls.py).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import redis

from ivr.adapters.redis.call_store import MemoryCallStore
from ivr.adapters.redis.stream_tickets import RedisStreamTickets
from ivr.channels.tty_session import TtyCallSession
from ivr.engine import HandlerFinished
from ivr.flow import Flow, load_flow
from ivr.media.tty.demodulator import decode
from ivr.media.tty.ulaw import ulaw_decode
from ivr.runtime.conversation import Caller, Conversation
from ivr.runtime.handlers import HANDLER_RULES, HandlerRequest
from tests.conftest import edit
from tests.tty.harness import (
    CALL_SID,
    CALLER,
    FRAME,
    RATE,
    STREAM_SID,
    Message,
    TtyCall,
    TwilioSide,
    in_process,
    media_message,
    silence,
    start_message,
    ticket_for,
)
from tests.tty.peers import minimodem_missing, spandsp_missing

ID = "1000000002"
ID_PROMPT = "ENTER YOUR PARTICIPANT ID OR SSN GA"
FIRST_MENU = "CHILD SUPPORT ESPANOL 9 PARENT? 1 YES 2 NO GA"


@dataclass
class Handlers:
    """Stand-ins for the account handlers: a TTY caller may sign in; an ID is recorded and refused."""

    ids: list[str] = field(default_factory=list)

    def account_access(self, _request: HandlerRequest) -> HandlerFinished:
        return HandlerFinished("available")

    def identify_caller(self, request: HandlerRequest) -> HandlerFinished:
        self.ids.append(request.digits or "")
        return HandlerFinished("not_valid")


@pytest.fixture
def handlers() -> Handlers:
    return Handlers()


def conversation_for(flow: Flow, handlers: Handlers) -> Conversation:
    return Conversation(
        flow,
        MemoryCallStore(),
        {"account_access": handlers.account_access, "identify_caller": handlers.identify_caller},
    )


@pytest.fixture
def conversation(flow: Flow, handlers: Handlers) -> Conversation:
    return conversation_for(flow, handlers)


@pytest.fixture
def tickets(redis_client: redis.Redis, redis_prefix: str) -> RedisStreamTickets:
    return RedisStreamTickets(redis_client, redis_prefix)


@dataclass
class Line:
    """A call on the line, and the session serving it."""

    call: TtyCall
    session: TtyCallSession
    ticket: str

    def start(self) -> list[Message]:
        return self.call.start(self.ticket)


def line_for(
    conversation: Conversation, tickets: RedisStreamTickets, twilio: TwilioSide | None = None
) -> Line:
    transport, session = in_process(conversation, tickets)
    return Line(TtyCall(transport, twilio), session, ticket_for(tickets))


@pytest.fixture
def line(conversation: Conversation, tickets: RedisStreamTickets) -> Iterator[Line]:
    made = line_for(conversation, tickets)
    yield made
    made.session.close()


@pytest.fixture
def at_menu(line: Line) -> Line:
    """A call whose first menu has played."""
    line.start()
    assert line.call.read() == FIRST_MENU
    return line


@pytest.fixture
def at_id(at_menu: Line) -> Line:
    """A call at the participant ID question."""
    assert at_menu.call.answer("1 GA") == ID_PROMPT
    return at_menu


def audio_of(messages: list[Message]) -> bytes:
    return b"".join(base64.b64decode(m["media"]["payload"]) for m in messages if m["event"] == "media")


def events(messages: list[Message]) -> list[str]:
    return [m["event"] for m in messages]


# -- the first question, and what goes out --------------------------------------------------------


def test_the_first_question_is_read_and_answerable_within_about_ten_seconds(line: Line) -> None:
    sent = line.start()
    assert {m["streamSid"] for m in sent} == {STREAM_SID}
    assert all(len(base64.b64decode(m["media"]["payload"])) <= FRAME for m in sent if m["event"] == "media")
    assert sent[-1]["event"] == "mark"
    assert line.call.read() == FIRST_MENU
    assert line.call.twilio.ticks * FRAME / RATE <= 11.0  # measured 10.6 s (the long welcome took 49 s)
    assert all(len(row) <= 40 for row in line.call.twilio.screen.splitlines())
    line.call.type("1 GA", after=0.3)
    assert line.call.read() == ID_PROMPT


def test_audio_goes_out_in_step_with_playback_a_few_seconds_ahead(line: Line) -> None:
    """Never more than 3 s of our audio sent and not yet played, however long the text (a page of the
    general information is half a minute of Baudot): a `clear` drops little, no buffer size is assumed."""
    line.start()
    line.call.read()
    line.call.type("2 GA")
    most_ahead = 0
    for _ in range(round(40 * RATE / FRAME)):
        line.call.tick()
        most_ahead = max(most_ahead, line.call.twilio.sent_ours - line.call.twilio.played_ours)
    assert line.call.twilio.screen.rstrip().endswith("GA")
    assert 1.5 * RATE <= most_ahead <= 3 * RATE
    marks = [m for _, m in line.call.twilio.sent if m["event"] == "mark"]
    assert len(marks) >= 10  # every piece has its mark


# -- lines and turns ------------------------------------------------------------------------------


def test_ga_ends_a_turn_at_once_when_a_space_follows_it_or_after_a_second(at_menu: Line) -> None:
    at_menu.call.type("1 GA ")
    assert any(m["event"] == "media" for m in at_menu.call.until_typed())  # answered as the space arrives
    assert at_menu.call.read() == ID_PROMPT
    at_menu.call.type("12345 GA")
    assert not any(m["event"] == "media" for m in at_menu.call.until_typed())
    assert not any(m["event"] == "media" for m in at_menu.call.run(0.8))
    assert any(m["event"] == "media" for m in at_menu.call.run(0.4))
    assert at_menu.call.read().startswith("THAT NUMBER DOESN'T LOOK RIGHT")


def test_enter_is_a_new_line_not_the_end_of_a_turn(at_id: Line, handlers: Handlers) -> None:
    at_id.call.type("MY ID IS\r\n")
    at_id.call.until_typed()
    assert at_id.call.run(3) == []  # a TTY user goes on typing after a new line
    at_id.call.type(f"{ID} GA ", after=0)
    assert at_id.call.read().endswith(ID_PROMPT)
    assert handlers.ids == []  # one answer, "MY ID IS 1000000002", words: the ID question asks again
    at_id.call.type(f"\r\n{ID}\r\nGA\r\n", after=0.2)
    assert at_id.call.read() == ID_PROMPT
    assert handlers.ids == [ID]


def test_a_word_that_starts_with_ga_does_not_end_the_line(at_menu: Line) -> None:
    at_menu.call.type("GA", after=0.5)
    at_menu.call.until_typed()
    at_menu.call.type("RBAGE", after=0.3)  # typed on, under a second later
    at_menu.call.until_typed()
    assert at_menu.call.run(4.5) == []  # "GARBAGE" is a line without GA: it waits for the pause
    assert at_menu.call.run(0.6) != []  # five seconds after the last letter
    assert at_menu.call.read().startswith("SORRY, I DIDN'T UNDERSTAND THAT")


def test_without_ga_a_line_ends_after_the_pause_the_flow_sets(
    flow_dir: Path, handlers: Handlers, tickets: RedisStreamTickets
) -> None:
    edit(flow_dir / "menu_tree.yaml", "include:\n", "tty:\n  pause_seconds: 8\n\ninclude:\n")
    flow = load_flow(flow_dir, HANDLER_RULES)
    assert flow.tty.pause_seconds == 8
    made = line_for(conversation_for(flow, handlers), tickets)
    made.start()
    made.call.read()
    made.call.type("YES")
    made.call.until_typed()
    assert made.call.run(7.5) == []
    assert made.call.run(0.7) != []
    assert made.call.read() == ID_PROMPT
    made.session.close()


def test_a_pause_in_the_middle_of_an_id_does_not_cut_it(at_id: Line, handlers: Handlers) -> None:
    at_id.call.type("10000")
    at_id.call.until_typed()
    assert at_id.call.run(4) == []  # the issue's 4 s pause
    assert at_id.call.run(4) == []  # and longer than the pause that ends a line: five digits are no ID
    at_id.call.type("00002 GA", after=0)
    assert at_id.call.read() == ID_PROMPT
    assert handlers.ids == [ID]


def test_a_partial_id_left_alone_is_answered_after_the_no_input_time(at_id: Line, handlers: Handlers) -> None:
    at_id.call.type("10000")
    at_id.call.until_typed()
    assert at_id.call.run(29) == []
    assert at_id.call.run(1.5) != []
    assert at_id.call.read().startswith("THAT NUMBER DOESN'T LOOK RIGHT")
    assert handlers.ids == []


def test_nine_digits_and_a_pause_are_an_answer(at_id: Line, handlers: Handlers) -> None:
    at_id.call.type("987654321")
    at_id.call.until_typed()
    assert at_id.call.run(4.5) == []
    assert at_id.call.run(0.8) != []  # as long as an SSN: the pause ends it
    assert handlers.ids == ["987654321"]


def test_keys_answer_a_menu_at_once_and_an_input_at_pound_or_a_pause(
    at_menu: Line, handlers: Handlers
) -> None:
    assert at_menu.call.press("1") != []
    assert at_menu.call.read() == ID_PROMPT
    assert at_menu.call.press("12345") == []
    assert at_menu.call.press("#") != []
    assert at_menu.call.read().startswith("THAT NUMBER DOESN'T LOOK RIGHT")
    assert at_menu.call.press("12345678") == []
    assert at_menu.call.run(4.8) == []  # eight keys, fewer than the shortest answer: never cut
    assert at_menu.call.press("9") == []
    assert at_menu.call.run(5.2) != []  # nine: the pause ends it
    assert handlers.ids == ["123456789"]


def test_the_longest_answer_needs_no_pound_and_a_lone_pound_is_ignored(
    at_menu: Line, handlers: Handlers
) -> None:
    assert at_menu.call.press("1") != []
    at_menu.call.read()
    assert at_menu.call.press("#") == []  # nothing to finish, and no reason to cut anything short
    assert at_menu.call.press(ID[:-1]) == []
    assert at_menu.call.press(ID[-1]) != []  # ten digits: the longest ID there is
    assert handlers.ids == [ID]


def test_thirty_quiet_seconds_are_a_no_input(at_menu: Line) -> None:
    assert at_menu.call.run(29.5) == []
    assert at_menu.call.run(1) != []
    assert at_menu.call.read().startswith("SORRY, I DIDN'T HEAR ANYTHING.")


# -- both shift conventions -----------------------------------------------------------------------


@pytest.mark.parametrize("peer", ["minimodem", "spandsp", "spandsp-usos"])
def test_an_id_from_either_kind_of_tty_is_read_as_the_id(at_id: Line, handlers: Handlers, peer: str) -> None:
    missing = minimodem_missing() if peer == "minimodem" else spandsp_missing()
    if missing:
        pytest.skip(missing)
    assert at_id.call.answer(f"{ID} GA", peer=peer) == ID_PROMPT
    assert handlers.ids == [ID]


def test_an_unshift_on_space_caller_at_the_id_question_signs_in_on_our_own_codes(
    at_id: Line, handlers: Handlers
) -> None:
    """The codes of a TTY that unshifts on space (no LTRS before GA after the digits and a space), sent by
    our modulator: read as the ID, not as "1000000002 +-"."""
    from ivr.media.tty.baudot import modulate
    from tests.tty.peers import sender_codes

    at_id.call.twilio.queue(
        np.concatenate([silence(0.5), modulate(sender_codes(f"{ID} GA", unshifts_on_space=True))])
    )
    assert at_id.call.read() == ID_PROMPT
    assert handlers.ids == [ID]


# -- echo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("after", [0.05, 0.2])
def test_a_reply_typed_right_after_our_ga_keeps_its_first_character(
    conversation: Conversation, tickets: RedisStreamTickets, after: float
) -> None:
    made = line_for(conversation, tickets)
    made.start()
    made.call.read()
    made.call.type("1 GA", after=after)  # FIGS 1: were the FIGS lost, "1 GA" would read "Q GA", a question
    assert made.call.read() == ID_PROMPT
    made.session.close()


@pytest.mark.parametrize(
    ("delay", "level"), [(0.0, -6.0), (0.3, -10.0), (0.6, -6.0), (0.7, 0.0), (0.8, -6.0)]
)
def test_our_echo_is_never_read_as_typing(
    conversation: Conversation, tickets: RedisStreamTickets, handlers: Handlers, delay: float, level: float
) -> None:
    made = line_for(conversation, tickets, TwilioSide(echo_delay=delay, echo_db=level))
    made.start()
    assert made.call.read() == FIRST_MENU
    assert made.call.run(12) == []  # had any of the echo been read, a line would have ended by now
    assert made.call.answer("1 GA", after=1.0) == ID_PROMPT
    assert made.call.run(12) == []
    assert made.call.answer(f"{ID} GA", after=1.0) == ID_PROMPT
    assert handlers.ids == [ID]
    echo = made.session._echo.estimate
    assert echo is not None and abs(echo.delay_samples - delay * RATE) <= FRAME  # a mark: within 20 ms
    made.session.close()


@pytest.mark.parametrize("delay", [0.6, 0.8])
def test_a_quick_reply_over_a_late_echo_is_read(
    conversation: Conversation, tickets: RedisStreamTickets, delay: float
) -> None:
    """The caller types 0.3 s after our GA, while our GA's echo is still to come back (at -10 dB)."""
    made = line_for(conversation, tickets, TwilioSide(echo_delay=delay, echo_db=-10.0))
    made.start()
    made.call.read()
    assert made.call.answer("1 GA", after=0.3) == ID_PROMPT
    made.session.close()


# -- typing over our text -------------------------------------------------------------------------


@pytest.mark.parametrize("echo", [None, 0.3])
def test_typing_over_our_text_stops_it_at_a_character_boundary_and_is_read(
    conversation: Conversation, tickets: RedisStreamTickets, echo: float | None
) -> None:
    made = line_for(conversation, tickets, TwilioSide(echo_delay=echo, echo_db=-10.0))
    made.start()
    made.call.read()
    made.call.type("2 GA")  # the general information: half a minute a page
    made.call.until_typed()
    cursor = len(made.call.twilio.screen)
    while "BY PHONE" not in made.call.twilio.screen[cursor:]:
        made.call.tick()
    made.call.run(1.5)
    typed_at = made.call.twilio.ticks
    made.call.type("1 GA", after=0)  # "again": typed over the text
    clear_at = None
    for _ in range(100):
        if any(m["event"] == "clear" for m in made.call.tick()):
            clear_at = made.call.twilio.ticks
            break
    assert clear_at is not None, "our text did not stop"
    assert (clear_at - typed_at) * FRAME / RATE <= 0.6  # after the caller's first character or two
    made.call.run(0.5)
    cut = " ".join(made.call.twilio.screen[cursor:].split())
    assert cut and "BY PHONE 24 HOURS, 7 DAYS. OFFICES OPEN MON-FRI".startswith(cut), cut
    assert made.call.read().startswith("BY PHONE 24 HOURS")  # "1 GA": again, from the top
    made.session.close()


@pytest.mark.parametrize(("latency", "echo"), [(0.06, None), (0.15, 0.8)])
def test_typing_over_our_text_on_a_slow_line_is_read(
    conversation: Conversation,
    tickets: RedisStreamTickets,
    handlers: Handlers,
    latency: float,
    echo: float | None,
) -> None:
    """Our messages reach Twilio `latency` seconds late (its marks come back that much later too): the
    caller types the ID over our "THAT NUMBER DOESN'T LOOK RIGHT", which stops, and the ID is read."""
    made = line_for(conversation, tickets, TwilioSide(echo_delay=echo, echo_db=-6.0, latency=latency))
    made.start()
    assert made.call.read() == FIRST_MENU
    assert made.call.answer("1 GA") == ID_PROMPT
    made.call.type("12345 GA")
    made.call.until_typed()
    cursor = len(made.call.twilio.screen)
    while "LOOK" not in made.call.twilio.screen[cursor:]:
        made.call.tick()
    made.call.type(f"{ID} GA", after=0)
    made.call.until_typed()
    made.call.run(3)
    assert "AN SSN 9" not in made.call.twilio.screen[cursor:]  # stopped
    assert handlers.ids == [ID]
    made.session.close()


def test_a_key_while_our_text_plays_cuts_it(line: Line) -> None:
    line.start()
    line.call.run(1)
    replies = line.call.press("1")
    assert replies[0] == {"event": "clear", "streamSid": STREAM_SID}
    assert line.call.read().endswith(ID_PROMPT)
    assert line.call.answer("12345 GA ").startswith("THAT NUMBER DOESN'T LOOK RIGHT")


# -- long text ------------------------------------------------------------------------------------


def test_long_text_comes_a_page_at_a_time(at_menu: Line) -> None:
    first = at_menu.call.answer("2 GA")
    assert first.startswith("BY PHONE 24 HOURS") and first.endswith("MORE: TYPE GA GA")
    rest = at_menu.call.answer("GA")
    assert "PO BOX 1000" in first + rest
    assert rest.endswith("1 AGAIN, 2 FIRST MENU, 9 GOODBYE GA")
    assert at_menu.call.answer("2 GA") == "ESPANOL 9 PARENT? 1 YES 2 NO GA"


def test_an_answer_typed_at_a_page_answers_the_question(at_menu: Line) -> None:
    assert at_menu.call.answer("2 GA").endswith("MORE: TYPE GA GA")
    assert at_menu.call.answer("9 GA").endswith(" SK")  # goodbye, without reading the rest


# -- lost frames ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "frame", "lost"),
    [
        ("zeroed", 9, 0),  # inside the FIGS before the digits: both readings kept, the ID chosen
        ("zeroed", 106, 0),  # inside the space before GA
        ("zeroed", 60, 1),  # inside a 0: at most that character is lost
        ("missing", 60, 1),  # a message that never came: filled with silence, the same
    ],
)
def test_a_lost_frame_costs_at_most_the_character_it_falls_in(
    at_id: Line, handlers: Handlers, how: str, frame: int, lost: int
) -> None:
    """One 20 ms frame of "1000000002 GA" lost on its way (tests/tty/test_line.py sweeps every frame)."""
    from tests.tty.peers import edit_distance

    # peer named, so that the ** can only fill the frames lost (`zeroed` or `missing`)
    at_id.call.type(f"{ID} GA", after=0, peer=None, **{how: [frame]})
    at_id.call.until_typed()
    at_id.call.run(7)
    assert len(handlers.ids) == 1 and edit_distance(handlers.ids[0], ID) <= lost


# -- the end, failures, and what is not ours ------------------------------------------------------


def test_sk_ends_the_call_once_the_last_text_has_played(at_menu: Line, conversation: Conversation) -> None:
    assert at_menu.call.answer("SK ") == "SK"
    for _ in range(10):
        at_menu.call.tick()
    assert at_menu.session.finished
    at_menu.session.close()
    assert conversation.current(CALL_SID) is None


def test_a_stop_message_finishes_the_session_and_close_forgets_the_call(
    at_menu: Line, conversation: Conversation
) -> None:
    assert conversation.current(CALL_SID) is not None
    assert at_menu.call.send({"event": "stop", "streamSid": STREAM_SID, "stop": {"callSid": CALL_SID}}) == []
    assert at_menu.session.finished
    at_menu.session.close()
    at_menu.session.close()
    assert conversation.current(CALL_SID) is None


def test_after_a_failure_the_apology_plays_in_every_language_then_the_call_ends(
    at_menu: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the call store is gone")

    monkeypatch.setattr(at_menu.session._conversation, "answer", broken)
    heard = at_menu.call.answer("1 GA")
    assert "WE'RE SORRY, WE ARE HAVING TECHNICAL DIFFICULTIES" in heard
    assert "LO SENTIMOS, TENEMOS PROBLEMAS TECNICOS" in heard
    assert heard.endswith(" SK")
    at_menu.call.run(0.2)
    assert at_menu.session.finished


def test_the_marks_are_not_waited_for_forever(
    conversation: Conversation, tickets: RedisStreamTickets
) -> None:
    made = line_for(conversation, tickets)
    made.start()
    made.call.read()
    made.call.twilio.return_marks = False  # Twilio plays the audio but never says so
    assert made.call.answer("1 GA") == ID_PROMPT  # every piece was sent all the same, in time
    made.call.run(6)  # the last piece is taken as played five seconds after it should have played
    assert made.call.answer("12345 GA ").startswith("THAT NUMBER DOESN'T LOOK RIGHT")
    made.session.close()


def test_what_is_not_a_stream_message_is_ignored(
    conversation: Conversation, tickets: RedisStreamTickets
) -> None:
    made = line_for(conversation, tickets)
    assert made.call.send(media_message(b"\xff" * FRAME)) == []  # before start
    assert made.call.send('["not", "a", "message"]') == []
    assert made.call.send("not json") == []
    assert made.call.send({"event": "unknown"}) == []
    assert made.start() != []
    assert made.call.send(start_message(ticket=made.ticket)) == []  # one start per stream
    made.call.read()
    assert (
        made.call.send({"event": "media", "streamSid": STREAM_SID, "media": {"payload": "not base64!"}}) == []
    )
    assert (
        made.call.send({"event": "media", "streamSid": STREAM_SID, "media": {"payload": "A" * 20_000}}) == []
    )
    assert made.call.send({"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"digit": "A"}}) == []
    assert (
        made.call.send({"event": "dtmf", "streamSid": "MZ" + "1" * 32, "dtmf": {"digit": "1"}}) == []
    )  # not ours
    assert made.call.send({"event": "mark", "streamSid": STREAM_SID, "mark": {"name": "not ours"}}) == []
    assert made.call.answer("1 GA") == ID_PROMPT  # still listening
    made.session.close()


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
    conversation: Conversation, tickets: RedisStreamTickets, start: dict[str, object]
) -> None:
    made = line_for(conversation, tickets)
    assert made.call.start(made.ticket, **start) == []
    assert made.session.finished and made.session.caller is None
    made.session.close()


def test_a_stream_starts_only_with_an_unused_ticket_for_its_own_call(
    conversation: Conversation, tickets: RedisStreamTickets
) -> None:
    other_call = "CA" + "6" * 32
    for ticket in ["", "made-up-ticket", ticket_for(tickets, other_call)]:
        made = line_for(conversation, tickets)
        assert made.call.start(ticket) == []
        assert made.session.finished and made.session.caller is None
    first = line_for(conversation, tickets)
    assert first.start() != []
    assert first.session.caller == Caller(CALL_SID, "tty", CALLER)  # the caller id comes from the ticket
    again = line_for(conversation, tickets)
    assert again.call.start(first.ticket) == [] and again.session.caller is None
    first.session.close()


def test_what_we_send_decodes_as_the_first_menu(line: Line) -> None:
    sent = line.start()
    sent += line.call.run(12)
    assert json.loads(json.dumps(sent))  # plain JSON
    text = decode(ulaw_decode(audio_of(sent))).replace("\r\n", "\n")
    assert text.startswith("CHILD SUPPORT\nESPANOL 9\nPARENT? 1 YES 2 NO\nGA")
