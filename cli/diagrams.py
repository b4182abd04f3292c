"""Diagram commands: ``wf diagrams build|check``, ``wf definitions diagram``,
``wf case diagram`` and ``wf case timeline``.

The commands live here and are attached to the ``definitions`` and ``case``
groups by those modules.  Nothing is imported at module level beyond Click,
so loading this module never pulls in Graphviz (nor the store).

``wf diagrams build|check`` maintain a folder of diagrams (the repository's
``diagrams/``, checked by a test, or ``demo-output/`` for ``make demo``): what
goes in it, and the day the demo is drawn for, are decided here, not in the
library, which only draws one diagram per call.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

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
timeline_format_option = click.option(
    "--format", "fmt", type=click.Choice(["svg", "png", "pdf"]),
    help="svg (needs nothing), png or pdf (need librsvg's rsvg-convert). Default: from -o's suffix, else svg.",
)
def _choose_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--lang`` after the command means the same as before it: labels and messages alike."""
    if value is not None:
        from workflow.i18n import set_language

        set_language(value)
    return value


lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default=None, callback=_choose_language,
                           help="Language of the labels and messages. Default: wf's (--lang before the command, "
                                "WF_LANG, the locale; Swedish).")
today_option = click.option("--today", metavar="DATE", help="What day it is (YYYY-MM-DD), for overdue due dates.")


def _day(value: str | None) -> dt.date:
    from workflow.core.errors import InvalidInput
    from workflow.i18n import t

    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(t("malformed date {value}: write YYYY-MM-DD", value=repr(value))) from None


def _emit(data: bytes, output: str | None, fmt: str) -> None:
    """Write to the file, or to standard output (never binary to a terminal)."""
    from workflow.core.errors import InvalidInput
    from workflow.i18n import t
    from workflow.render.diagrams import BINARY, write_output

    if output and output != "-":
        write_output(data, output)
        click.echo(t("wrote {path}", path=output), err=True)
        return
    if fmt in BINARY and sys.stdout.isatty():
        raise InvalidInput(t("{format} is binary; write it to a file with -o FILE", format=fmt.upper()))
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
                       lang: str | None) -> None:
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
def case_diagram(ctx: Context, key: str, output: str | None, fmt: str | None, lang: str | None,
                 today: str | None) -> None:
    """Draw the path CASE took through its process, decision by decision."""
    from workflow.render.diagrams import case_diagram as draw
    from workflow.render.diagrams import choose_format

    chosen = choose_format(fmt, output)
    _emit(draw(ctx.workflow, key, chosen, lang, _day(today)), output, chosen)


@click.command("timeline")
@click.argument("key", metavar="CASE")
@output_option
@timeline_format_option
@lang_option
@today_option
@pass_context
def case_timeline(ctx: Context, key: str, output: str | None, fmt: str | None, lang: str | None,
                  today: str | None) -> None:
    """Draw CASE's phases, decisions and due dates along a time axis (SVG, PNG or PDF)."""
    from workflow.render.diagrams import TIMELINE_FORMATS, choose_format
    from workflow.render.diagrams import case_timeline as draw

    chosen = choose_format(fmt, output, TIMELINE_FORMATS)
    _emit(draw(ctx.workflow, key, _day(today), lang, chosen), output, chosen)


DEMO_TODAY = dt.date(2026, 3, 23)
"""The day the demo diagrams are drawn for: the seeds' last officer's report."""
DEMO_CLOCK_START = dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)


class _FixedClock:
    """The demo's clock: a fixed start, one second per reading, so replays are identical."""

    def __init__(self) -> None:
        self.now = DEMO_CLOCK_START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def demo_artefacts() -> dict[str, bytes]:
    """Every text artefact of the diagrams folder, by file name: DOT, Mermaid, timelines.

    The shipped processes, and the demo cases replayed into a throw-away
    SQLite database with a fixed clock, so the result depends only on the
    code, the definitions and the scenarios.  (The Graphviz SVGs are drawn
    from the DOT files by :func:`build_folder`; they are not here because
    their bytes depend on the installed Graphviz version.)
    """
    import tempfile

    from workflow.api import Workflow
    from workflow.demo import replay_demo
    from workflow.registry import default_registry
    from workflow.render.dot import to_dot
    from workflow.render.mermaid import to_mermaid
    from workflow.render.model import case_graph, process_graph
    from workflow.render.timeline import timeline_model, to_svg

    out: dict[str, bytes] = {}
    for d in sorted(default_registry().latest(), key=lambda x: x.id):
        graph = process_graph(d, "sv")  # the committed diagrams are Swedish, whatever the language of the run
        out[f"{d.id}.dot"] = to_dot(graph).encode("utf-8")
        out[f"{d.id}.mmd"] = to_mermaid(graph).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="wf-diagrams-") as tmp:
        wf = Workflow(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}", clock=_FixedClock())
        try:
            for case, _recorded in replay_demo(wf):
                d = wf.definition_of(case)
                history = wf.history(case.id)
                graph = case_graph(d, case, history, "sv", DEMO_TODAY)
                out[f"{case.id}.dot"] = to_dot(graph).encode("utf-8")
                out[f"{case.id}.mmd"] = to_mermaid(graph).encode("utf-8")
                timeline = timeline_model(d, case, history, DEMO_TODAY, "sv")
                out[f"{case.id}-timeline.svg"] = to_svg(timeline).encode("utf-8")
        finally:
            wf.close()
    return dict(sorted(out.items()))


def build_folder(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write :func:`demo_artefacts` to ``out_dir``, and an SVG drawn from each DOT file."""
    from workflow.core.errors import GraphvizMissing, OutputNotWritable
    from workflow.render.diagrams import write_output
    from workflow.render.graphviz_run import dot_available, render

    if not dot_available():
        raise GraphvizMissing()
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputNotWritable(str(folder), e.strerror or str(e)) from None
    written: list[Path] = []
    for name, data in demo_artefacts().items():
        write_output(data, folder / name)
        written.append(folder / name)
        if name.endswith(".dot"):
            svg = folder / (name[: -len(".dot")] + ".svg")
            write_output(render(data.decode("utf-8"), "svg"), svg)
            written.append(svg)
    return sorted(written)


def stale(folder: str | os.PathLike[str]) -> list[str]:
    """Names of artefacts in ``folder`` that are missing or differ from what the code draws now."""
    from workflow.i18n import t

    problems = []
    for name, data in demo_artefacts().items():
        path = Path(folder) / name
        if not path.exists():
            problems.append(t("{file}: missing", file=name))
        elif path.read_bytes() != data:
            problems.append(t("{file}: out of date", file=name))
        if name.endswith(".dot") and not (Path(folder) / (name[:-4] + ".svg")).exists():
            problems.append(t("{file}: missing", file=f"{name[:-4]}.svg"))
    return problems


@click.group()
def diagrams() -> None:
    """The committed diagrams: rebuild them, or check they are up to date."""


@diagrams.command()
@click.option("--out", "out_dir", default="diagrams", show_default=True, metavar="DIR",
              help="Folder to write the diagrams to.")
def build(out_dir: str) -> None:
    """Draw every shipped process and the demo cases (replayed into a temporary database)."""
    from workflow.i18n import t

    for path in build_folder(out_dir):
        click.echo(t("wrote {path}", path=path))


@diagrams.command()
@click.option("--dir", "folder", default="diagrams", show_default=True, metavar="DIR",
              help="Folder holding the committed diagrams.")
def check(folder: str) -> None:
    """Fail if a committed diagram no longer matches its definition or scenario."""
    from workflow.core.errors import RenderError
    from workflow.i18n import t

    problems = stale(folder)
    for p in problems:
        click.echo(t("stale: {problem}", problem=p), err=True)
    if problems:
        raise RenderError(t("{count} diagram file(s) out of date; run 'wf diagrams build --out {folder}'",
                            count=len(problems), folder=folder))
    click.echo(t("ok: {folder} is up to date", folder=folder))
