"""`ivr operator ...` (the console's accounts) and `ivr console` (its development server)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from ivr.console.roles import ROLES

if TYPE_CHECKING:  # imported inside the commands, so that `ivr --help` stays fast
    from ivr.console.operators import OperatorDirectory


@contextmanager
def _directory() -> Iterator[OperatorDirectory]:
    from ivr.adapters.sql.database import create_schema, open_database
    from ivr.console.operators import OperatorDirectory
    from ivr.service.settings import Settings

    settings = Settings.load()
    engine = open_database(settings.database_url, settings.instance_path)
    try:
        create_schema(engine)
        yield OperatorDirectory(engine)
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(action: str, *args: str) -> None:
    from ivr.console.operators import OperatorError

    with _directory() as directory:
        try:
            getattr(directory, action)(*args)
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from None


@click.group()
def operator() -> None:
    """Accounts of the operator console: viewer (reads and tries), editor (also edits), publisher (also publishes)."""


@operator.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input"
)
def add(name: str, role: str, password_stdin: bool) -> None:
    """Add an operator (the password is asked for twice, never shown)."""
    _run("add", name, _read_password(password_stdin), role)
    click.echo(f"Operator {name} added as {role}.")


@operator.command("list")
def list_operators() -> None:
    """Every operator, their role, and whether they are locked out now."""
    with _directory() as directory:
        for info in directory.all():
            locked = f"  locked until {info.locked_until:%Y-%m-%d %H:%M} UTC" if info.locked_until else ""
            click.echo(f"{info.name}\t{info.role}{locked}")


@operator.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def set_role(name: str, role: str) -> None:
    """Change an operator's role."""
    _run("set_role", name, role)
    click.echo(f"{name} is now a {role}.")


@operator.command("password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input"
)
def set_password(name: str, password_stdin: bool) -> None:
    """Set a new password for an operator."""
    _run("set_password", name, _read_password(password_stdin))
    click.echo(f"{name}'s password is changed.")


@operator.command("unlock")
@click.argument("name")
def unlock(name: str) -> None:
    """End a lockout after too many failed sign-ins."""
    _run("unlock", name)
    click.echo(f"{name} may sign in again.")


@operator.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove an operator (what they published keeps their name)."""
    _run("remove", name)
    click.echo(f"{name} is removed.")


@click.command()
@click.option("--port", type=int, help="Default: $IVR_CONSOLE_PORT or 5001")
@click.option("--host", default="127.0.0.1", show_default=True)
def console(port: int | None, host: str) -> None:
    """Run the operator console on its own port (development server; docs/operator-console.md)."""
    from ivr.console.app import create_console_app
    from ivr.service.settings import is_loopback

    app = create_console_app()
    settings = app.extensions["ivr_console"].settings
    if settings.service.dev_token and not is_loopback(host):
        raise click.UsageError("without TWILIO_AUTH_TOKEN the console listens on a loopback address only")
    port = port or settings.port
    click.echo(
        f"Operator console on http://{host}:{port}/  (accounts: ivr operator add NAME --role publisher)"
    )
    app.run(host=host, port=port, threaded=True, use_reloader=False)
