"""What the engine asks a channel to do, as frozen values. Channels render these; they never decide."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.core.values import Values


@dataclass(frozen=True, slots=True)
class Say:
    """Say (or write) one prompt from the catalogue, filling its ``{placeholders}`` from ``values``."""

    prompt: str
    values: Values = field(default_factory=dict)
    language: str | None = None  # None: the call's language


@dataclass(frozen=True, slots=True)
class Gather:
    """Speak ``prompts`` and wait for the caller.

    ``options`` are the keys that pick a menu option at once; ``hints`` are the words a recogniser should
    expect. An input gather (``max_digits`` set) ends on ``finish_key``. ``secret`` gathers accept keys only
    and their digits are never logged or echoed.
    """

    prompts: tuple[Say, ...]
    hints: tuple[str, ...] = ()
    min_digits: int = 1
    max_digits: int = 1
    finish_key: str | None = None
    secret: bool = False
    timeout_seconds: int = 6


@dataclass(frozen=True, slots=True)
class RunHandler:
    """Ask the runtime to run a named handler and feed its outcome back as ``HandlerFinished``.

    ``digits`` are the keys the caller just entered at the input node before this one. They live only
    in this action, inside one request, and are never stored in the call state.
    """

    handler: str
    digits: str | None = None

    def __repr__(self) -> str:
        return f"RunHandler({self.handler!r}, digits=<{len(self.digits or '')} keys>)"


@dataclass(frozen=True, slots=True)
class Hangup:
    """End the call after everything said before it."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """Connect the caller to a phone number (E.164) or a named queue, ringing at most ``ring_seconds``.
    ``returns``: the flow goes on when the transfer comes back (``TransferEnded``); otherwise the call
    leaves the flow."""

    number: str | None = None
    queue: str | None = None
    ring_seconds: int = 30
    returns: bool = False


Action = Say | Gather | RunHandler | Hangup | Transfer
