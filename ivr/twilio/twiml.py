"""TwiML, built with the twilio library: a turn's actions as Twilio's voice verbs, and the service's own
answers (apology, outage, transfer). The one place that writes TwiML.

Everything said before a <Gather> is said inside it, so a caller who knows the menu can press a key or
speak at once (https://www.twilio.com/docs/voice/twiml/gather#nest-other-verbs). What is said comes from
the voice channel (ivr.channels.voice): each utterance is one <Say> with its voice and language
(https://www.twilio.com/docs/voice/twiml/say), or a <Play> of a built recording
(https://www.twilio.com/docs/voice/twiml/play).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import Gather as TwimlGather
from twilio.twiml.voice_response import VoiceResponse

from ivr.channels.voice import Speech, VoiceWords
from ivr.engine import (
    Action,
    Gather,
    Hangup,
    Say,
    Transfer,
    Turn,
)
from ivr.flow.model import Flow
from ivr.media.recordings.lookup import PromptAudio

TWIML = "application/xml"  # the content type of every TwiML answer

# Said by the service itself when call state is out of reach (see ivr.web.voice).
OUTAGE_OFFER_PROMPT = "outage_offer"
OUTAGE_WAIT_PROMPT = "outage_wait"
TRANSFERRING_PROMPT = "transfer_to_representative"
# Stand-ins for the per-request URLs in cached TwiML (private-use characters: no prompt holds them).
_ACTION_URL, _AUDIO_BASE = "\ue000action\ue000", "\ue000audio\ue000"
MAX_CACHED_ANSWERS = 4096


def _say_key(say: Say) -> Hashable | None:
    return None if say.values else (say.prompt, say.language)


def _action_key(action: Action) -> Hashable | None:
    """A hashable stand-in for an action that says no values (balances, dates), or None."""
    if isinstance(action, Say):
        return _say_key(action)
    if isinstance(action, Gather):
        prompts = tuple(_say_key(say) for say in action.prompts)
        if None in prompts:
            return None
        return ("gather", prompts, action.hints, action.min_digits, action.max_digits, action.finish_key,
                action.secret, action.timeout_seconds)  # fmt: skip
    if isinstance(action, (Hangup, Transfer)):
        return action
    return None


def answer_key(turn: Turn) -> Hashable | None:
    """What a turn's TwiML depends on besides its URLs, when it says no values; None otherwise."""
    keys = tuple(_action_key(action) for action in turn.actions)
    return None if None in keys else (turn.state.language, keys)


class VoiceRenderer:
    """TwiML for one flow version. The TwiML of a turn that says no values is the same on every call but
    for its URLs, so it is built once and kept (a few hundred distinct answers at most); answers that say
    a balance or a date are built every time and never kept."""

    def __init__(self, flow: Flow, audio: PromptAudio | None = None) -> None:
        self._flow = flow
        self.words = VoiceWords(flow, audio)
        self._answers: dict[Hashable, str] = {}

    def _add_says(
        self, target: VoiceResponse | TwimlGather, says: list[Say], language: str, audio_base: str = ""
    ) -> None:
        for utterance in self.words.utterances(says, language):
            if isinstance(utterance, Speech):
                target.say(utterance.text, voice=utterance.voice, language=utterance.language)
            else:
                target.play(audio_base + utterance.path)

    def render(self, turn: Turn, action_url: str, audio_base: str = "") -> str:
        """``audio_base``: the service's base URL, which recordings' paths are joined to (Twilio needs it)."""
        key = answer_key(turn)
        if key is None:
            return self._build(turn, action_url, audio_base)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._build(turn, _ACTION_URL, _AUDIO_BASE)
            if len(self._answers) < MAX_CACHED_ANSWERS:
                self._answers[key] = answer
        quoted = {'"': "&quot;"}
        return answer.replace(_ACTION_URL, escape(action_url, quoted)).replace(
            _AUDIO_BASE, escape(audio_base, quoted)
        )

    def _build(self, turn: Turn, action_url: str, audio_base: str) -> str:
        response = VoiceResponse()
        language = turn.state.language
        spec = self._flow.languages[language]
        pending: list[Say] = []
        for action in turn.actions:
            if isinstance(action, Say):
                pending.append(action)
            elif isinstance(action, Gather):
                gather = self._gather(action, action_url, spec.recognizer)
                self._add_says(gather, [*pending, *action.prompts], language, audio_base)
                pending = []
                response.append(gather)
                # Reached only when the caller stays silent: the next request carries no input.
                response.redirect(action_url, method="POST")
            elif isinstance(action, Hangup):
                self._add_says(response, pending, language, audio_base)
                pending = []
                response.hangup()
            elif isinstance(action, Transfer):
                self._add_says(response, pending, language, audio_base)
                pending = []
                _transfer(response, action, action_url if action.returns else None)
        self._add_says(response, pending, language, audio_base)
        return str(response)

    def render_apology(self, audio_base: str = "", first: str | None = None) -> str:
        """Said when the service failed: in every language, since the caller's may be unknown; ``first``,
        the caller's language when known, comes first."""
        response = VoiceResponse()
        for language in self.words.languages(first):
            self._add_says(response, [Say(self._flow.defaults.apology)], language, audio_base)
        response.hangup()
        return str(response)

    def render_outage(
        self, offer_url: str | None, retry_url: str, audio_base: str = "", first: str | None = None
    ) -> str:
        """While call state cannot be reached: an apology in every language (``first``, the caller's, first),
        a representative on 0 when ``offer_url`` is given (office hours), and, on silence, another try at
        ``retry_url``."""
        response = VoiceResponse()
        prompt = OUTAGE_OFFER_PROMPT if offer_url else OUTAGE_WAIT_PROMPT
        if offer_url:
            gather = TwimlGather(action=offer_url, method="POST", input="dtmf", num_digits=1, timeout=5)
            for language in self.words.languages(first):
                self._add_says(gather, [Say(prompt)], language, audio_base)
            response.append(gather)
        else:
            for language in self.words.languages(first):
                self._add_says(response, [Say(prompt)], language, audio_base)
            response.pause(length=3)
        response.redirect(retry_url, method="POST")
        return str(response)

    def render_transfer(self, number: str, back_url: str, first: str | None = None) -> str:
        """A representative while call state is out of reach; whatever becomes of the transfer, the call
        goes on at ``back_url`` (busy or unanswered: the outage answer again, or the call once it is back)."""
        response = VoiceResponse()
        for language in self.words.languages(first):
            self._add_says(response, [Say(TRANSFERRING_PROMPT)], language)
        _transfer(response, Transfer(number, returns=True), back_url)
        return str(response)

    @staticmethod
    def _gather(action: Gather, action_url: str, recognizer: str) -> TwimlGather:
        options: dict[str, object] = {
            "action": action_url,
            "method": "POST",
            "timeout": action.timeout_seconds,
            "num_digits": action.max_digits,
            # A menu takes every key as an answer ("#" included); an input ends on its finish key.
            "finish_on_key": action.finish_key or "",
        }
        if action.secret:
            options["input"] = "dtmf"
        else:
            options.update(input="dtmf speech", language=recognizer, speech_timeout="auto")
            if action.hints:
                options["hints"] = ", ".join(action.hints)
        return TwimlGather(**options)


def _transfer(response: VoiceResponse, transfer: Transfer, back_url: str | None) -> None:
    """<Dial> a number, ringing ``ring_seconds`` (its ``timeout``), or <Enqueue> the caller. With
    ``back_url`` Twilio posts there when the transfer ends, and the call goes on with that answer: the
    <Dial> ``action`` gets DialCallStatus (completed, answered, busy, no-answer, failed, canceled:
    https://www.twilio.com/docs/voice/twiml/dial#action), the <Enqueue> ``action`` gets QueueResult
    (https://www.twilio.com/docs/voice/twiml/enqueue#action); ivr.twilio.dial reads both. Without it, the call
    ends when the transfer does."""
    returning: dict[str, object] = {"action": back_url, "method": "POST"} if back_url else {}
    if transfer.number:
        response.dial(transfer.number, timeout=transfer.ring_seconds, **returning)
    elif transfer.queue:
        response.enqueue(transfer.queue, **returning)


def media_stream_answer(stream_url: str, parameters: Mapping[str, str]) -> str:
    """A call connected to a bidirectional Media Stream at ``stream_url`` (wss only:
    https://www.twilio.com/docs/voice/twiml/stream#attributes-url), its ``parameters`` coming back in the
    stream's start message (https://www.twilio.com/docs/voice/twiml/stream#custom-parameters). <Connect>
    holds the call until the stream closes (https://www.twilio.com/docs/voice/twiml/connect); then it
    hangs up."""
    response = VoiceResponse()
    stream = response.connect().stream(url=stream_url)
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    response.hangup()
    return str(response)


def hang_up_answer() -> str:
    """<Hangup> alone (https://www.twilio.com/docs/voice/twiml/hangup)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
