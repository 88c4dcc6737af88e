"""The voice channel's words: what a voice says for a turn's prompts, with no telephony format in it.

Prompts become runs of text in one language (each one utterance, with that language's voice) or, where a
prompt has a built recording in the language it is said in and its text holds no values, the recording.
Money, dates and identifiers are spoken as words in the caller's language (ivr.channels.spoken). Twilio's
TwiML is built from these utterances in ivr.twilio.twiml; the operator console's browser phone reads them
too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.channels.prompts import prompt_text
from ivr.channels.spoken import spoken
from ivr.engine import Say
from ivr.flow.model import Flow
from ivr.media.recordings.lookup import PromptAudio
from ivr.media.recordings.texts import has_values


@dataclass(frozen=True, slots=True)
class Speech:
    """Text for the speech engine: ``voice`` says it, ``language`` is its language tag (as recognised)."""

    text: str
    voice: str
    language: str


@dataclass(frozen=True, slots=True)
class Recording:
    """A built recording, by its path below the service's base URL."""

    path: str


Utterance = Speech | Recording


class VoiceWords:
    """The words of one flow version, and its recordings."""

    def __init__(self, flow: Flow, audio: PromptAudio | None = None) -> None:
        self.flow = flow
        self._audio = audio

    def _text(self, say: Say, language: str) -> str:
        return prompt_text(self.flow, say.prompt, language, say.values, spoken)

    def _recording(self, say: Say, language: str) -> str | None:
        template = self.flow.prompts[language].get(say.prompt)
        if self._audio is None or template is None or has_values(template):
            return None
        return self._audio.url_for(language, say.prompt)

    def utterances(self, says: list[Say], language: str) -> list[Utterance]:
        """``says`` in a call whose language is ``language``: consecutive prompts of one language joined."""
        runs: list[Utterance] = []
        for say in says:
            lang = say.language or language
            recording = self._recording(say, lang)
            if recording is not None:
                runs.append(Recording(recording))
                continue
            text = self._text(say, lang)
            if not text:
                continue
            spec = self.flow.languages[lang]
            last = runs[-1] if runs else None
            if isinstance(last, Speech) and last.language == spec.recognizer:
                runs[-1] = Speech(f"{last.text} {text}", last.voice, last.language)
            else:
                runs.append(Speech(text, spec.voice, spec.recognizer))
        return runs

    def languages(self, first: str | None) -> list[str]:
        """Every language of the flow, the caller's (when known) first."""
        others = [language for language in self.flow.languages if language != first]
        return [first, *others] if first is not None and first in self.flow.languages else others
