"""`ivr tty`: write Baudot TTY audio for a text, or print the text in a recording."""

from __future__ import annotations

import click


@click.group()
def tty() -> None:
    """Baudot TTY (TDD) modem for deaf callers: encode text to audio, decode audio to text."""


@tty.command()
@click.argument("text")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="WAV file to write (8 kHz mono)"
)
@click.option(
    "--stop-bits",
    type=click.Choice(["1", "1.5", "2"]),
    default="2",
    show_default=True,
    help="Stop bits per character",
)
@click.option("--mulaw", is_flag=True, help="Write G.711 mu-law instead of 16-bit PCM")
def encode(text: str, output: str, stop_bits: str, mulaw: bool) -> None:
    """Write TEXT as Baudot TTY audio. Text a TTY cannot show is replaced or dropped (see docs/tty.md)."""
    from ivr.media.tty.baudot import DEFAULT_SAMPLE_RATE, encode, tty_text
    from ivr.media.wav import write_wav

    sent = tty_text(text)
    if not sent:
        raise click.UsageError("nothing in TEXT that a TTY can show")
    if sent != text:
        click.echo(f"sending: {sent!r}", err=True)
    audio = encode(text, DEFAULT_SAMPLE_RATE, stop_bits=float(stop_bits))
    write_wav(output, audio, DEFAULT_SAMPLE_RATE, mulaw=mulaw)
    click.echo(f"{output}: {len(sent)} characters, {len(audio) / DEFAULT_SAMPLE_RATE:.2f} s", err=True)


@tty.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--unshift-on-space",
    is_flag=True,
    help="A space also selects letters (as some senders expect); without it, where the case after a space "
    "is in doubt the reading that is valid text is printed",
)
def decode(file: str, unshift_on_space: bool) -> None:
    """Print the text in FILE, a 16-bit PCM or mu-law WAV recording (CR LF printed as a line break)."""
    from ivr.media.tty.demodulator import BaudotDecoder
    from ivr.media.tty.shifts import choose
    from ivr.media.wav import WavError, read_wav

    try:
        samples, rate = read_wav(file)
    except WavError as exc:
        raise click.ClickException(str(exc)) from None
    decoder = BaudotDecoder(rate, unshift_on_space=True if unshift_on_space else None)
    segments = decoder.feed_segments(samples) + decoder.flush_segments()
    text = choose(segments, unshifts_on_space=decoder.reader.sender_unshifts_on_space)
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    click.echo(lines, nl=not lines.endswith("\n"))
