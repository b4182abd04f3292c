"""The graph model as DOT text, written by hand so it is byte-reproducible.

Every identifier and every text is written as a double-quoted DOT string
through :func:`quote`, so a title such as ``"];`` or ``<b>{x}</b>`` stays text:
it can neither end the string, nor start an HTML label, nor (with no record
shapes used) open a record field.  Attributes are written in a fixed order.

Graphviz itself is only needed to turn the text into SVG/PNG/PDF; that lives
in :mod:`workflow.render.graphviz_run`, the one place that imports it.
"""

from __future__ import annotations

import unicodedata

from workflow.render.model import (
    ATTACH,
    CURRENT,
    ENTRY,
    FADED,
    LEGEND_KIND,
    NOTE,
    REFUSAL,
    START_KIND,
    TAKEN,
    VISITED,
    Edge,
    Graph,
    Node,
)

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"

INK = "#44546a"
TAKEN_INK = "#1f4e79"
FADED_INK = "#c4c4c4"
FADED_TEXT = "#a6a6a6"
REFUSAL_INK = "#a33a3a"

Attrs = list[tuple[str, str]]


def clean(text: str) -> str:
    """User text made safe to embed: no control characters, no unpaired surrogates.

    Newlines are kept (they become ``\\n`` line breaks); other control
    characters become spaces.
    """
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch == "\n" or cat in ("Zl", "Zp"):
            out.append("\n")
        elif cat in ("Cc", "Cs"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _escape(text: str) -> str:
    return clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")


def quote(text: str) -> str:
    """A DOT double-quoted string holding exactly ``text`` once Graphviz reads it.

    Backslashes are doubled (Graphviz reads ``\\\\`` in a label as one
    backslash; a single one could escape the closing quote or be read as
    ``\\N``/``\\G``/``\\l``), quotes escaped, newlines written as ``\\n``
    (a raw newline after a backslash would continue the line), and ``&``
    written as ``&amp;`` since Graphviz expands entities in labels.
    """
    return '"' + _escape(text).replace("\n", "\\n") + '"'


def label(lines: tuple[str, ...] | list[str], left: bool = False) -> str:
    """Lines as one label; ``left`` ends every line with ``\\l`` (left-justified)."""
    if not left:
        return quote("\n".join(lines))
    text = "".join(_escape(line).replace("\n", "\\l") + "\\l" for line in lines)
    return f'"{text}"'


def _attrs(attrs: Attrs) -> str:
    return ", ".join(f"{k}={v}" for k, v in attrs)


def _node_attrs(n: Node) -> Attrs:
    if n.kind == START_KIND:
        return [("label", '""'), ("shape", "circle"), ("style", "filled"), ("fillcolor", '"#222222"'),
                ("color", '"#222222"'), ("width", "0.22"), ("fixedsize", "true")]
    if n.kind == NOTE:
        return [("label", label(n.lines)), ("shape", "note"), ("style", "filled"),
                ("fillcolor", '"#fff4cc"'), ("color", '"#bf8f00"'), ("fontsize", "10")]
    if n.kind == LEGEND_KIND:
        return [("label", label(n.lines, left=True)), ("shape", "box"),
                ("style", '"rounded,dashed"'), ("color", '"#a6a6a6"'), ("fontsize", "9"),
                ("fontcolor", '"#555555"')]
    a: Attrs = [("label", label(n.lines)), ("shape", "box")]
    fill, ink, text, pen = "#f4f6f9", INK, "#1a1a1a", "1.2"
    if n.final:
        fill = "#e8e8e8"
    if n.initial:
        pen = "2"
    if n.status == VISITED:
        fill, ink = "#dbe9f6", TAKEN_INK
    elif n.status == CURRENT:
        fill, ink, pen = "#ffe08a", "#b35c00", "3"
    elif n.status == FADED:
        fill, ink, text = "#fafafa", FADED_INK, FADED_TEXT
    a += [("style", '"rounded,filled"'), ("fillcolor", quote(fill)), ("color", quote(ink)),
          ("fontcolor", quote(text)), ("penwidth", pen)]
    if n.final:
        a.append(("peripheries", "2"))
    if n.tooltip:
        a.append(("tooltip", quote(n.tooltip)))
    return a


def _edge_attrs(e: Edge) -> Attrs:
    if e.kind == ATTACH:
        return [("style", "dotted"), ("arrowhead", "none"), ("color", '"#bf8f00"')]
    if e.kind == ENTRY:
        return [("color", '"#222222"'), ("penwidth", "1.5")]
    ink, text, pen = INK, "#333333", "1.2"
    if e.kind == REFUSAL:
        ink, text = REFUSAL_INK, REFUSAL_INK
    if e.status == TAKEN:
        ink, text, pen = TAKEN_INK, TAKEN_INK, "2.5"
    elif e.status == FADED:
        ink, text = FADED_INK, FADED_TEXT
    color = f"{ink}:#ffffff:{ink}" if e.joint and e.kind != REFUSAL else ink
    a: Attrs = [("label", label(e.lines)), ("color", quote(color)), ("fontcolor", quote(text)),
                ("penwidth", pen)]
    if e.kind == REFUSAL:
        a.append(("style", "dashed"))
    if e.status == TAKEN:
        a.append(("fontname", quote("DejaVu Sans Bold,Helvetica Bold,Arial Bold,sans-serif")))
    if e.tooltip:
        a.append(("tooltip", quote(e.tooltip)))
    return a


def to_dot(graph: Graph) -> str:
    """The DOT text of a graph: same model, same bytes."""
    out = [
        f"digraph {quote(graph.id)} {{",
        f"  graph [{_attrs([('label', label(graph.title)), ('labelloc', 't'), ('fontsize', '16'), ('fontname', quote(FONT)), ('rankdir', 'TB'), ('nodesep', '0.5'), ('ranksep', '0.55'), ('pad', '0.3'), ('charset', quote('UTF-8'))])}];",
        f"  node [{_attrs([('fontname', quote(FONT)), ('fontsize', '11'), ('margin', quote('0.15,0.07'))])}];",
        f"  edge [{_attrs([('fontname', quote(FONT)), ('fontsize', '9'), ('arrowsize', '0.7')])}];",
    ]
    for n in graph.nodes:
        out.append(f"  {quote(n.id)} [{_attrs(_node_attrs(n))}];")
    for e in graph.edges:
        out.append(f"  {quote(e.source)} -> {quote(e.dest)} [{_attrs(_edge_attrs(e))}];")
    out.append("}")
    return "\n".join(out) + "\n"
