"""Diagrams as files: one call per diagram, used by the CLI and by ``wf diagrams build``.

The functions here pick the format and write the bytes; what is drawn comes
from :mod:`~workflow.render.model` and :mod:`~workflow.render.timeline`.
Graphviz is needed (and imported) only for SVG, PNG and PDF of process and
case diagrams; DOT, Mermaid and the timeline never touch it.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.core.errors import InvalidInput
from workflow.render.dot import to_dot
from workflow.render.errors import OutputNotWritable
from workflow.render.mermaid import to_mermaid
from workflow.render.model import Graph, case_graph, process_graph

if TYPE_CHECKING:
    from workflow.api import Workflow
    from workflow.core.definition import Definition

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot",
            ".mmd": "mermaid", ".mermaid": "mermaid"}
BINARY = ("png", "pdf")

DEMO_TODAY = dt.date(2026, 3, 23)
"""The day the committed demo diagrams are drawn for: the seeds' last officer's report."""
DEMO_CLOCK_START = dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)


def choose_format(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else SVG."""
    if fmt:
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown diagram format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    if output and output != "-":
        return SUFFIXES.get(Path(output).suffix.lower(), "svg")
    return "svg"


def draw(graph: Graph, fmt: str) -> bytes:
    """A process or case graph in one of :data:`FORMATS`."""
    if fmt == "mermaid":
        return to_mermaid(graph).encode("utf-8")
    text = to_dot(graph)
    if fmt == "dot":
        return text.encode("utf-8")
    from workflow.render.graphviz_run import render

    return render(text, fmt)


def process_diagram(definition: "Definition", fmt: str = "svg", lang: str = "sv") -> bytes:
    return draw(process_graph(definition, lang), fmt)


def case_diagram(wf: "Workflow", key: str, fmt: str = "svg", lang: str = "sv", today: dt.date | None = None) -> bytes:
    """The path case ``key`` (id or diary number) took, drawn over its process."""
    case = wf.case(key)
    return draw(case_graph(wf.definition_of(case), case, wf.history(case.id), lang, today), fmt)


def case_timeline(wf: "Workflow", key: str, today: dt.date, lang: str = "sv") -> bytes:
    """The timeline of case ``key`` as SVG."""
    from workflow.render.timeline import timeline_model, to_svg

    case = wf.case(key)
    return to_svg(timeline_model(wf.definition_of(case), case, wf.history(case.id), today, lang)).encode("utf-8")


def write_output(data: bytes, path: str | os.PathLike[str]) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    target = Path(path)
    try:
        directory = target.parent if str(target.parent) else Path(".")
        if target.is_dir():
            raise OutputNotWritable(str(target), "it is a directory")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
            os.chmod(target, 0o644)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise OutputNotWritable(str(target), e.strerror or str(e)) from None


class _FixedClock:
    """The demo's clock: a fixed start, one second per reading, so replays are identical."""

    def __init__(self) -> None:
        self.now = DEMO_CLOCK_START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def demo_artefacts() -> dict[str, bytes]:
    """Every committed text artefact of ``diagrams/``, regenerated: DOT, Mermaid, timelines.

    The demo cases are replayed into a throw-away SQLite database with a
    fixed clock, so the result depends only on the code, the definitions and
    the scenarios.  (The Graphviz SVGs are drawn from the DOT files by
    :func:`build`; they are not here because their bytes depend on the
    installed Graphviz version.)
    """
    from workflow.api import Workflow
    from workflow.demo import replay_demo
    from workflow.registry import default_registry
    from workflow.render.timeline import timeline_model, to_svg

    out: dict[str, bytes] = {}
    for d in sorted(default_registry().latest(), key=lambda x: x.id):
        graph = process_graph(d)
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
                out[f"{case.id}-timeline.svg"] = to_svg(timeline_model(d, case, history, DEMO_TODAY)).encode("utf-8")
        finally:
            wf.close()
    return dict(sorted(out.items()))


def build(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Regenerate ``diagrams/`` (or another folder): text artefacts, then SVG from each DOT file."""
    from workflow.render.errors import GraphvizMissing
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
    """Names of committed artefacts in ``folder`` that differ from what the code draws now."""
    problems = []
    for name, data in demo_artefacts().items():
        path = Path(folder) / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_bytes() != data:
            problems.append(f"{name}: out of date")
        if name.endswith(".dot") and not (Path(folder) / (name[:-4] + ".svg")).exists():
            problems.append(f"{name[:-4]}.svg: missing")
    return problems
