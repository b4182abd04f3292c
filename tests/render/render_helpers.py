"""Shared by the render tests: parse DOT back with pydot, replay the demo."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

import pydot


@dataclass
class Parsed:
    name: str
    graph_attrs: dict[str, str]
    nodes: dict[str, dict[str, str]]
    edges: list[tuple[str, str, dict[str, str]]]


def unquote(value: Any) -> str:
    """A pydot attribute value as Graphviz will read it (quotes gone, escapes undone)."""
    text = str(value)
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "l": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace("&amp;", "&")


def parse(dot_text: str) -> Parsed:
    """Nodes, edges and attributes of a DOT text, read by an independent parser (pydot)."""
    with warnings.catch_warnings():  # pydot 4 calls pyparsing's deprecated camelCase names
        warnings.simplefilter("ignore", DeprecationWarning)
        graphs = pydot.graph_from_dot_data(dot_text)
    assert graphs is not None and len(graphs) == 1, "DOT text did not parse as exactly one graph"
    g = graphs[0]
    nodes: dict[str, dict[str, str]] = {}
    for n in g.get_nodes():
        name = unquote(n.get_name())
        if name in ("node", "edge", "graph"):
            continue
        assert name not in nodes, f"node {name!r} declared twice"
        nodes[name] = {k: unquote(v) for k, v in n.get_attributes().items()}
    edges = [
        (unquote(e.get_source()), unquote(e.get_destination()), {k: unquote(v) for k, v in e.get_attributes().items()})
        for e in g.get_edges()
    ]
    graph_attrs = {}
    for n in g.get_nodes():
        if n.get_name() == "graph":
            graph_attrs.update({k: unquote(v) for k, v in n.get_attributes().items()})
    graph_attrs.update({k: unquote(v) for k, v in g.get_attributes().items()})
    return Parsed(unquote(g.get_name()), graph_attrs, nodes, edges)


class FixedClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def replay_demo_into(url: str) -> None:
    from workflow import Workflow
    from workflow.demo import replay_demo

    wf = Workflow(url, clock=FixedClock())
    try:
        list(replay_demo(wf))
    finally:
        wf.close()


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows (RGB or RGBA, 8 bits) of a PNG, read with the standard library."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, [r if bpp == 3 else bytes(v for i, v in enumerate(r) if i % 4 != 3) for r in rows]
