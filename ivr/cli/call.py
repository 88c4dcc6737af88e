"""`ivr call`: a console telephone on the Twilio simulator, for a person at a terminal or a script on stdin:
keys ("1", "1000000001#", "*"), speech ("say: pagos"), or an empty line for silence; while a call is
being transferred, what becomes of the transfer ("busy", "no-answer", "failed", "completed")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ivr.twilio.simulator import Heard, TwilioSimulator


def run_console_call(
    phone: TwilioSimulator, read_line: Callable[[str], str | None], out: TextIO, echo: bool
) -> int:
    """Talk to the service until either side hangs up. Returns 0 if the service ended the call."""

    def show(heard: list[Heard]) -> None:
        for item in heard:
            out.write(f"[{item.language or 'voice'}] {item.text}\n")

    show(phone.dial())
    try:
        while not phone.ended:
            if phone.transfer is not None:  # what becomes of the transfer, as Twilio would report it
                line = read_line("(transferring: busy, no-answer, failed or completed) > ")
                if line is None:
                    out.write("[you hung up]\n")
                    return 1
                if echo:
                    out.write(f"> {line.strip()}\n")
                show(phone.transfer_ends(line.strip() or "completed"))
                continue
            keys_only = phone.gather is not None and phone.gather.get("input") == "dtmf"
            hint = "keys" if keys_only else "keys, or say: words"
            line = read_line(f"({hint}; empty line = silence) > ")
            if line is None:
                out.write("[you hung up]\n")
                return 1
            line = line.strip()
            if echo:
                out.write(f"> {'*' * len(line) if keys_only else line}\n")
            if not line:
                show(phone.silence())
            elif line.lower().startswith("say:"):
                if keys_only:
                    out.write("[this question takes keys only; your words were not heard]\n")
                show(phone.say(line[4:].strip()))
            else:
                show(phone.press("".join(ch for ch in line if ch in "0123456789*#")))
        out.write("[the service hung up]\n")
        return 0
    finally:
        phone.hang_up()
