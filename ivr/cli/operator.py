"""Operators' commands: `ivr validate`, `ivr graph`, `ivr test` and `ivr sms-keywords`, for the call flow in
YAML."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import click

from ivr.service.log_config import quiet

DEFAULT_SCRIPTS = Path("tests") / "calls"


def _flow_folder(path: str | None) -> Path:
    return Path(path) if path else Path.cwd()


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True))
def validate(path: str | None) -> None:
    """Check the call flow (menu_tree.yaml or its folder): exit 0 when callers can use it, 1 otherwise.
    Warnings (what callers will meet that an operator should know of) are printed too, and exit 0."""
    from ivr.channels.spoken import libraries
    from ivr.flow import FlowError
    from ivr.flow.advice import advise
    from ivr.flow.loader import locate
    from ivr.service.flow import load_service_flow

    try:
        flow = load_service_flow(_flow_folder(path))
    except FlowError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s): the flow would not be used.", err=True)
        sys.exit(1)
    for warning in locate(advise(flow, libraries()), flow):
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"The flow is valid: {len(flow.nodes)} nodes, {len(flow.languages)} languages, version {flow.version}."
    )


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="FILE.svg, FILE.png, FILE.dot or FILE.mmd"
)
@click.option("--language", help="Which language's words label the options (default: the flow's)")
def graph(path: str | None, output: str | None, language: str | None) -> None:
    """Draw the call flow: SVG or PNG through Graphviz, DOT, or Mermaid text (printed when no -o)."""
    from ivr.flow import FlowError, load_flow
    from ivr.flow.graph import to_dot, to_mermaid

    try:
        flow = load_flow(_flow_folder(path))
    except FlowError as exc:
        raise click.ClickException(f"the flow has problems; run `ivr validate` first:\n{exc}") from None
    if output is None:
        click.echo(to_mermaid(flow, language), nl=False)
        return
    target = Path(output)
    suffix = target.suffix.lower()
    if suffix in (".mmd", ".md"):
        target.write_text(to_mermaid(flow, language), encoding="utf-8")
    elif suffix == ".dot":
        target.write_text(to_dot(flow, language), encoding="utf-8")
    elif suffix in (".svg", ".png"):
        dot = shutil.which("dot")
        if dot is None:
            raise click.ClickException("drawing SVG or PNG needs Graphviz's `dot` (Debian package graphviz)")
        command = [dot, f"-T{suffix[1:]}", "-o", str(target)]
        subprocess.run(command, input=to_dot(flow, language).encode(), check=True)  # noqa: S603 - Graphviz on PATH
    else:
        raise click.UsageError("the output must end in .svg, .png, .dot or .mmd")
    click.echo(f"Wrote {target}")


@click.command("test")
@click.argument("scripts", nargs=-1, type=click.Path(exists=True))
@click.option("--flow", "flow_path", type=click.Path(exists=True), help="The flow's folder (default: here)")
@click.option(
    "--coverage/--no-coverage", default=True, help="Report nodes and options no script went through"
)
def test_command(scripts: tuple[str, ...], flow_path: str | None, coverage: bool) -> None:
    """Run call scripts (default: tests/calls/*.yaml) against the flow with the demo data."""
    from ivr.flow import FlowError
    from ivr.service.call_scripts import run_scripts
    from ivr.service.flow import load_service_flow

    try:
        flow = load_service_flow(_flow_folder(flow_path))
    except FlowError as exc:
        raise click.ClickException(f"the flow has problems; run `ivr validate`:\n{exc}") from None
    paths: list[Path] = []
    for name in scripts or (str(DEFAULT_SCRIPTS),):
        item = Path(name)
        paths.extend(sorted(item.glob("*.yaml")) if item.is_dir() else [item])
    if not paths:
        raise click.ClickException("no call scripts found")
    try:
        with quiet(("ivr.runtime.conversation", logging.CRITICAL), ("alembic", logging.WARNING)):
            results, covered = run_scripts(flow, paths)
    except FlowError as exc:
        raise click.ClickException(str(exc)) from None
    failed = 0
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.path}: {result.name}")
        for step in result.steps:
            for problem in step.problems:
                click.echo(f"       step {step.number}: {problem}")
        failed += not result.ok
    gaps = covered.missing(flow) if coverage else []
    if gaps:
        click.echo(f"Not covered by any script ({len(gaps)}):")
        for gap in gaps:
            click.echo(f"  - {gap}")
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed or gaps else 0)


@click.command("sms-keywords")
@click.argument("path", required=False, type=click.Path(exists=True))
def sms_keywords(path: str | None) -> None:
    """What to enter in the Messaging Service's Advanced Opt-Out: the keywords Twilio answers, and the
    flow's replies to them in every language (prompts sms_help, sms_stopped, sms_started)."""
    from ivr.channels.prompts import prompt_text
    from ivr.channels.text import written
    from ivr.flow import FlowError
    from ivr.service.flow import load_service_flow
    from ivr.twilio.messaging import KEYWORD_PROMPTS, KEYWORDS, MAX_REPLY_CHARS, plain

    try:
        flow = load_service_flow(_flow_folder(path))
    except FlowError as exc:
        raise click.ClickException(f"the flow has problems; run `ivr validate` first:\n{exc}") from None
    for kind, prompt in KEYWORD_PROMPTS.items():
        words = ", ".join(word for word, of in KEYWORDS.items() if of is kind)
        click.echo(f"{kind.value} keywords: {words}")
        for language, spec in flow.languages.items():
            reply = plain(prompt_text(flow, prompt, language, {}, written))
            warning = f"  (longer than {MAX_REPLY_CHARS} characters)" if len(reply) > MAX_REPLY_CHARS else ""
            click.echo(f"  {spec.name} reply ({prompt}): {reply}{warning}")
