"""What a call's two-way audio stream carries, in the TTY session's own terms, whatever the provider.

The session (`ivr.channels.tty_session`) takes `InFrame`s and returns `OutFrame`s; a serializer turns a
provider's messages into these and back (Twilio's Media Streams: `ivr.twilio.media_stream`), as pipecat
keeps one serializer per provider around its own frames. Audio is 8 kHz 16-bit mono PCM here; how it is
encoded on the wire (G.711 mu-law, base64, 20 ms messages) is the serializer's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

SAMPLE_RATE: Final = 8000
Pcm = npt.NDArray[np.int16]


# -- from the call --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamStarted:
    """The stream of call `call_id` began; `parameters` are what our answer to the call passed to it."""

    call_id: str
    stream_id: str
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class StreamRefused:
    """A stream that cannot be served (an id or an audio format that is not one we take): close it."""

    reason: str


@dataclass(frozen=True, slots=True)
class CallerAudio:
    """The next piece of the caller's audio, in order: the session's clock is the audio it has had."""

    pcm: Pcm


@dataclass(frozen=True, slots=True)
class KeyPressed:
    """A telephone key (0-9, * or #), heard apart from the audio."""

    key: str


@dataclass(frozen=True, slots=True)
class Played:
    """Our audio up to the mark named `name` has played (or was cleared before it could)."""

    name: str


@dataclass(frozen=True, slots=True)
class StreamStopped:
    """The provider ended the stream: the call is over."""


InFrame = StreamStarted | StreamRefused | CallerAudio | KeyPressed | Played | StreamStopped


# -- to the call ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayAudio:
    """Audio to play after anything sent before it."""

    pcm: Pcm


@dataclass(frozen=True, slots=True)
class PlayMark:
    """Tell us (`Played`) when the audio sent before this has played."""

    name: str


@dataclass(frozen=True, slots=True)
class ClearAudio:
    """Drop the audio sent but not yet played, at once."""


OutFrame = PlayAudio | PlayMark | ClearAudio
