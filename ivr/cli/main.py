"""The `ivr` command.

Commands whose modules bring their own dependencies (the flow's schema, the modem's numpy, the console)
are imported only when they run: `ivr --help` lists them from the table below without importing them, so
the command starts in a fraction of a second (`python -X importtime -c "import ivr.cli.main"` loads no
Flask, SQLAlchemy, Redis, pydantic or numpy). Every other command imports what it needs inside itself.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from ivr.service.log_config import configure_logging
from ivr.service.settings import Settings, development_secrets

# name -> (module:attribute, the one line `ivr --help` shows)
LAZY_COMMANDS = {
    "validate": (
        "ivr.cli.operator:validate",
        "Check the call flow: exit 0 when callers can use it, 1 otherwise.",
    ),
    "graph": (
        "ivr.cli.operator:graph",
        "Draw the call flow: SVG or PNG through Graphviz, DOT, or Mermaid text.",
    ),
    "test": ("ivr.cli.operator:test_command", "Run call scripts against the flow with the demo data."),
    "sms-keywords": (
        "ivr.cli.operator:sms_keywords",
        "The SMS keywords Twilio answers, and the replies to give its Advanced Opt-Out.",
    ),
    "prompts": ("ivr.cli.prompts:prompts", "Recorded prompts: build, check and draft them."),
    "tty": ("ivr.cli.tty:tty", "The Baudot TTY modem: encode text to audio, decode audio to text."),
    "console": ("ivr.console.cli:console", "Run the operator console (development server)."),
    "operator": ("ivr.console.cli:operator", "Accounts of the operator console."),
}


class LazyGroup(click.Group):
    """A group whose listed commands are imported only when one of them is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name][1]))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup)
def main() -> None:
    """Customer Connect IVR: serve the webhook, load demo data, and try calls from a terminal."""
    configure_logging(as_json=os.environ.get("IVR_LOG_FORMAT", "text") == "json")


@main.command()
@click.option(
    "--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="$PORT or 5000"
)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(port: int, host: str) -> None:
    """Run the webhook server (development server; see docs/deploy.md for production)."""
    import signal

    from ivr.service.settings import is_loopback
    from ivr.web.app import create_app

    app = create_app()
    built = app.extensions["ivr"]
    try:
        if built.settings.dev_token and not is_loopback(host):
            raise click.UsageError("without TWILIO_AUTH_TOKEN the server listens on a loopback address only")
        click.echo(
            f"Customer Connect IVR on http://{host}:{port}/voice  (flow {built.conversation.flow.version})"
        )
        # SIGTERM (a service manager, `kill`) stops the server as Ctrl-C does, so the finally below runs.
        signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if built.embedded_redis is not None:  # the Redis server this command started (no REDIS_URL)
            built.embedded_redis.shutdown()


@main.command("seed-demo")
@click.option(
    "--reset",
    is_flag=True,
    help="Give the demo participants back their published PINs (the temporary one unused) and clear "
    "their failed sign-ins",
)
def seed_demo_command(reset: bool) -> None:
    """Load the demo participants, cases and payments into the database (once)."""
    from ivr.adapters.sql.database import create_schema, make_session_factory, open_database
    from ivr.adapters.sql.demo import reset_demo, seed_demo
    from ivr.adapters.sql.secrets import PinHasher, SsnDigester

    settings = Settings.load()
    engine = open_database(settings.database_url, settings.instance_path)
    create_schema(engine)
    sessions, pins, ssns = (
        make_session_factory(engine),
        PinHasher(settings.pin_pepper),
        SsnDigester(settings.ssn_key),
    )
    loaded = seed_demo(sessions, pins, ssns)
    if reset and not loaded:
        if settings.production:
            raise click.UsageError("--reset changes participants' PINs: it is refused in production")
        from ivr.service.wiring import connect_redis

        count = reset_demo(sessions, pins, ssns)
        client, embedded = connect_redis(settings)
        keys = list(client.scan_iter(f"{settings.redis_prefix}sign-in:*"))
        if keys:
            client.delete(*keys)
        if embedded is not None:
            embedded.shutdown()
        click.echo(
            f"Demo data reset: {count} participants have their demo PINs again; failed sign-ins cleared."
        )
    else:
        click.echo("Demo data loaded." if loaded else "Demo data is already loaded; nothing changed.")
    engine.dispose()


@main.command()
@click.option(
    "--url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', '5000')}", show_default="local"
)
@click.option("--from", "caller", default="+15555550123", show_default=True, help="The calling number")
def call(url: str, caller: str) -> None:
    """Place a call to the running service and talk to it from the terminal (or a script on stdin)."""
    import requests

    from ivr.cli.call import run_console_call
    from ivr.twilio.simulator import TwilioSimulator, http_transport

    token = (
        os.environ.get("TWILIO_AUTH_TOKEN")
        or development_secrets(Settings.load().instance_path)["TWILIO_AUTH_TOKEN"]
    )
    interactive = sys.stdin.isatty()

    def read_line(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = sys.stdin.readline()
        return None if line == "" else line

    phone = TwilioSimulator(base_url=url, auth_token=token, transport=http_transport(), caller=caller)
    try:
        sys.exit(run_console_call(phone, read_line, sys.stdout, echo=not interactive))
    except requests.RequestException as exc:
        raise click.ClickException(f"the service at {url} did not answer: {exc}") from None


@main.command()
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of printing"
)
def schema(output: str | None) -> None:
    """Print the JSON Schema of the call-flow files (published as docs/menu-schema.json)."""
    from pathlib import Path

    from ivr.flow.schema import menu_schema_text

    if output:
        Path(output).write_text(menu_schema_text(), encoding="utf-8")
    else:
        click.echo(menu_schema_text(), nl=False)


@main.command()
@click.option("--plain", is_flag=True, help="Ordinary text (as SMS shows it) instead of the TTY style")
@click.option("--language", help="Start in this language (en, es)")
def chat(plain: bool, language: str | None) -> None:
    """The text channel in a terminal: the same menu a TTY or SMS caller gets (type SK to end)."""
    import getpass
    import secrets as random

    from ivr.channels.text_session import TextSession
    from ivr.runtime.conversation import Caller
    from ivr.service.wiring import build_services

    logging.getLogger().setLevel(logging.WARNING)
    built = build_services(Settings.load())
    session = TextSession(
        built.conversation, Caller("chat-" + random.token_hex(8), "chat", None), tty=not plain
    )
    interactive = sys.stdin.isatty()
    reply = session.start(language)
    click.echo(reply.as_text())
    while not reply.ended:
        secret = session.expects_secret()
        try:
            if interactive:
                line = getpass.getpass("> (not shown) ") if secret else input("> ")
            else:
                line = sys.stdin.readline()
        except EOFError:
            line = ""
        if not interactive and line == "":
            session.reply("SK")
            break
        if not interactive:
            click.echo(f"> {'*' * len(line.strip()) if secret else line.rstrip()}")
        reply = session.reply(line)
        click.echo(reply.as_text())
    built.database.dispose()


@main.command()
def migrate() -> None:
    """Bring the account database to the newest schema (run once per release, before the app servers)."""
    from ivr.adapters.sql.database import create_schema, open_database

    settings = Settings.load()
    engine = open_database(settings.database_url, settings.instance_path)
    create_schema(engine)
    engine.dispose()
    click.echo("The account database is up to date.")
