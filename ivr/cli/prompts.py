"""`ivr prompts`: build, check and draft the recorded prompts (docs/prompts-audio.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

import click

from ivr.flow import Flow, FlowError, load_flow
from ivr.media.recordings.sources import build_dir, prompts_dir

T = TypeVar("T")

_COLUMNS = (
    ("recorded", "recorded"),
    ("drafts", "drafts"),
    ("tts only", "tts_only"),
    ("missing text", "missing_text"),
    ("text changed", "text_changed"),
    ("not built", "not_built"),
    ("broken", "broken"),
)
_LISTED = ("missing_text", "text_changed", "not_built", "broken", "warnings")


def _flow(folder: Path) -> Flow:
    try:
        return load_flow(folder)
    except FlowError as exc:
        raise click.ClickException(f"the call flow has problems:\n{exc}") from None


class _ProgressBar:
    """A progress bar on standard error, so standard output stays the report."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, items: Sequence[T]) -> AbstractContextManager[Iterable[T]]:
        return click.progressbar(items, label=self.label, file=sys.stderr, show_pos=True)


@click.group()
@click.option(
    "--flow",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="IVR_FLOW",
    default=".",
    show_default="$IVR_FLOW or the current folder",
    help="The folder holding menu_tree.yaml and prompts/",
)
@click.pass_context
def prompts(ctx: click.Context, folder: Path) -> None:
    """Recorded prompts: build them for the telephone, check them, draft them with text-to-speech."""
    ctx.obj = folder.resolve()


@prompts.command()
@click.option("--prune", is_flag=True, help="Delete built files no longer in the manifest")
@click.pass_obj
def build(folder: Path, prune: bool) -> None:
    """Convert prompts/<lang>/<prompt_id>.* to 8 kHz mono mu-law under prompts/build/."""
    from ivr.media.recordings.build import build_prompts

    report = build_prompts(
        _flow(folder),
        prompts_dir(folder),
        build_dir(folder),
        progress=_ProgressBar("Building prompts"),
        prune=prune,
    )
    for line in report.notes:
        click.echo(f"note: {line}")
    for line in report.warnings:
        click.echo(f"warning: {line}")
    for line in report.failed:
        click.echo(f"not playable: {line}")
    for line in report.pruned:
        click.echo(f"removed: {line}")
    click.echo(
        f"{len(report.built)} built, {len(report.kept)} unchanged, {len(report.failed)} not playable; "
        f"manifest: {build_dir(folder) / 'manifest.json'}"
    )
    if report.failed:
        sys.exit(1)


@prompts.command()
@click.option("-v", "--verbose", is_flag=True, help="Also list the recorded, draft and spoken prompts")
@click.pass_obj
def check(folder: Path, verbose: bool) -> None:
    """Show, per language, what is recorded and what is spoken; exit 1 if a file would break a call."""
    from ivr.media.recordings.check import check_prompts

    report = check_prompts(_flow(folder), prompts_dir(folder), build_dir(folder))
    header = ["language", *(title for title, _ in _COLUMNS)]
    rows = [
        [language.language, *(str(len(getattr(language, name))) for _, name in _COLUMNS)]
        for language in report.languages
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    listed = ("recorded", "drafts", "tts_only", *_LISTED) if verbose else _LISTED
    for language in report.languages:
        for name in listed:
            for item in getattr(language, name):
                click.echo(f"{language.language} {name.replace('_', ' ')}: {item}")
    for line in report.notes:
        click.echo(f"note: {line}")
    if not report.ok:
        click.echo(
            "Broken recordings: callers hear text-to-speech instead, or nothing. Fix them and rebuild."
        )
        sys.exit(1)


@prompts.command()
@click.argument("prompt_ids", nargs=-1)
@click.option("--language", "-l", "languages", multiple=True, help="Only this language (repeatable)")
@click.option("--voice", "voices", multiple=True, metavar="LANG=VOICE", help="espeak-ng voice, e.g. es=es")
@click.option("--force", is_flag=True, help="Write drafts again even where one exists for the current text")
@click.pass_obj
def draft(
    folder: Path,
    prompt_ids: tuple[str, ...],
    languages: tuple[str, ...],
    voices: tuple[str, ...],
    force: bool,
) -> None:
    """Write draft recordings with espeak-ng for prompts that have none (all, or PROMPT_IDS)."""
    from ivr.media.recordings.draft import DraftError, draft_prompts

    chosen = {}
    for item in voices:
        language, sep, voice = item.partition("=")
        if not sep or not voice:
            raise click.BadParameter(f"'{item}' is not LANG=VOICE", param_hint="--voice")
        chosen[language] = voice
    try:
        report = draft_prompts(
            _flow(folder),
            prompts_dir(folder),
            build_dir(folder),
            languages=languages,
            prompt_ids=prompt_ids,
            voices=chosen,
            force=force,
            progress=_ProgressBar("Drafting prompts"),
        )
    except DraftError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{len(report.written)} drafts written, {len(report.current)} already current, "
        f"{len(report.recorded)} recorded, {len(report.with_values)} with values (always spoken). "
        "Run `ivr prompts build` to use them."
    )
