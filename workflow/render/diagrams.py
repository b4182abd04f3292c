"""Diagrams as files: one call per diagram, used by the CLI.

The functions here pick the format and write the bytes; what is drawn comes
from :mod:`~workflow.render.model` and :mod:`~workflow.render.timeline`.
Graphviz is needed (and imported) only for SVG, PNG and PDF of process and
case diagrams; DOT, Mermaid and the timeline never touch it.  The timeline is
SVG, made PNG or PDF by :mod:`~workflow.render.svg_convert` (``rsvg-convert``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.core.errors import InvalidInput
from workflow.i18n import t
from workflow.outfile import write_atomically
from workflow.render.dot import to_dot
from workflow.render.mermaid import to_mermaid
from workflow.render.model import Graph, case_graph, process_graph

if TYPE_CHECKING:
    from workflow.api import Workflow
    from workflow.core.definition import Definition

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot",
            ".mmd": "mermaid", ".mermaid": "mermaid"}
BINARY = ("png", "pdf")
TIMELINE_FORMATS = ("svg", "png", "pdf")


def choose_format(fmt: str | None, output: str | None, formats: tuple[str, ...] = FORMATS) -> str:
    """The format asked for, else the one the output file's suffix names, else SVG.

    A suffix that names a format this drawing cannot have (``t.dot`` for a
    timeline) or no format at all (``t.jpg``) is refused rather than filled
    with SVG under a name that promises something else.
    """
    if fmt:
        if fmt not in formats:
            raise InvalidInput(t("unknown format {format} for this drawing: use one of {formats}",
                                 format=repr(fmt), formats=", ".join(formats)))
        return fmt
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if not suffix:
            return "svg"
        chosen = SUFFIXES.get(suffix)
        if chosen is None or chosen not in formats:
            names = ", ".join(s for s, f in SUFFIXES.items() if f in formats)
            raise InvalidInput(t("the file name {file} ends in {suffix}, which names no format of this drawing; "
                                 "end it in one of {suffixes}", file=repr(output), suffix=suffix, suffixes=names))
        return chosen
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


def process_diagram(definition: "Definition", fmt: str = "svg", lang: str | None = None) -> bytes:
    """The process ``definition`` in one of :data:`FORMATS`; ``lang`` None: the run's language."""
    return draw(process_graph(definition, lang), fmt)


def case_diagram(wf: "Workflow", key: str, fmt: str = "svg", lang: str | None = None,
                 today: dt.date | None = None) -> bytes:
    """The path case ``key`` (id or diary number) took, drawn over its process."""
    case = wf.case(key)
    return draw(case_graph(wf.definition_of(case), case, wf.history(case.id), lang, today), fmt)


def case_timeline(wf: "Workflow", key: str, today: dt.date, lang: str | None = None, fmt: str = "svg") -> bytes:
    """The timeline of case ``key`` as SVG, PNG or PDF (:data:`TIMELINE_FORMATS`)."""
    from workflow.render.timeline import timeline_model, to_svg

    if fmt not in TIMELINE_FORMATS:
        raise InvalidInput(t("unknown format {format} for this drawing: use one of {formats}",
                             format=repr(fmt), formats=", ".join(TIMELINE_FORMATS)))
    case = wf.case(key)
    svg = to_svg(timeline_model(wf.definition_of(case), case, wf.history(case.id), today, lang)).encode("utf-8")
    if fmt == "svg":
        return svg
    from workflow.render.svg_convert import convert

    return convert(svg, fmt)


def write_output(data: bytes, path: str | os.PathLike[str]) -> None:
    """Write ``data`` to ``path`` whole or not at all, never through a link (:func:`~workflow.outfile.write_atomically`)."""
    write_atomically(path, data)
