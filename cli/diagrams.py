"""Diagram commands: ``wf diagrams build|check``, ``wf definitions diagram``,
``wf case diagram`` and ``wf case timeline``.

The commands live here and are attached to the ``definitions`` and ``case``
groups by those modules.  Nothing is imported at module level beyond Click,
so loading this module never pulls in Graphviz (nor the store).
"""

from __future__ import annotations

import datetime as dt
import sys

import click
from workflow_cli.context import Context, pass_context

FORMAT_CHOICE = click.Choice(["svg", "png", "pdf", "dot", "mermaid"])

output_option = click.option(
    "-o", "--output", metavar="FILE",
    help="Write here (default: standard output). The suffix picks the format if --format is not given.",
)
format_option = click.option(
    "--format", "fmt", type=FORMAT_CHOICE,
    help="svg, png, pdf (need Graphviz's dot), dot or mermaid (need nothing). Default: from -o's suffix, else svg.",
)
lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
                           help="Language of the labels.")
today_option = click.option("--today", metavar="DATE", help="What day it is (YYYY-MM-DD), for overdue due dates.")


def _day(value: str | None) -> dt.date:
    from workflow.core.errors import InvalidInput

    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"malformed date {value!r}: write YYYY-MM-DD") from None


def _emit(data: bytes, output: str | None, fmt: str) -> None:
    """Write to the file, or to standard output (never binary to a terminal)."""
    from workflow.core.errors import InvalidInput
    from workflow.render.diagrams import BINARY, write_output

    if output and output != "-":
        write_output(data, output)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt in BINARY and sys.stdout.isatty():
        raise InvalidInput(f"{fmt} is binary; write it to a file with -o FILE")
    if fmt in BINARY:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(data.decode("utf-8"), nl=False)


@click.command("diagram")
@click.argument("definition_id")
@click.option("--version", type=int, help="A version other than the newest.")
@output_option
@format_option
@lang_option
def definition_diagram(definition_id: str, version: int | None, output: str | None, fmt: str | None,
                       lang: str) -> None:
    """Draw the process DEFINITION_ID: states, steps, deciding bodies, joint decisions."""
    from workflow.registry import default_registry
    from workflow.render.diagrams import choose_format, process_diagram

    chosen = choose_format(fmt, output)
    definition = default_registry().get(definition_id, version)
    _emit(process_diagram(definition, chosen, lang), output, chosen)


@click.command("diagram")
@click.argument("key", metavar="CASE")
@output_option
@format_option
@lang_option
@today_option
@pass_context
def case_diagram(ctx: Context, key: str, output: str | None, fmt: str | None, lang: str, today: str | None) -> None:
    """Draw the path CASE took through its process, decision by decision."""
    from workflow.render.diagrams import case_diagram as draw
    from workflow.render.diagrams import choose_format

    chosen = choose_format(fmt, output)
    _emit(draw(ctx.workflow, key, chosen, lang, _day(today)), output, chosen)


@click.command("timeline")
@click.argument("key", metavar="CASE")
@output_option
@lang_option
@today_option
@pass_context
def case_timeline(ctx: Context, key: str, output: str | None, lang: str, today: str | None) -> None:
    """Draw CASE's phases, decisions and due dates along a time axis (SVG)."""
    from workflow.render.diagrams import case_timeline as draw

    _emit(draw(ctx.workflow, key, _day(today), lang), output, "svg")


@click.group()
def diagrams() -> None:
    """The committed diagrams: rebuild them, or check they are up to date."""


@diagrams.command()
@click.option("--out", "out_dir", default="diagrams", show_default=True, metavar="DIR",
              help="Folder to write the diagrams to.")
def build(out_dir: str) -> None:
    """Draw every shipped process and the demo cases (replayed into a temporary database)."""
    from workflow.render.diagrams import build as run

    for path in run(out_dir):
        click.echo(f"wrote {path}")


@diagrams.command()
@click.option("--dir", "folder", default="diagrams", show_default=True, metavar="DIR",
              help="Folder holding the committed diagrams.")
def check(folder: str) -> None:
    """Fail if a committed diagram no longer matches its definition or scenario."""
    from workflow.render.diagrams import stale
    from workflow.render.errors import RenderError

    problems = stale(folder)
    for p in problems:
        click.echo(f"stale: {p}", err=True)
    if problems:
        raise RenderError(f"{len(problems)} diagram file(s) out of date; run 'wf diagrams build --out {folder}'")
    click.echo(f"ok: {folder} is up to date")
