"""The graph model as a Mermaid ``stateDiagram-v2``, for wikis and Markdown.

Mermaid has no quoting that survives every character, so text is reduced to a
safe alphabet: letters (å ä ö included), digits, spaces and harmless
punctuation pass; everything else becomes a Mermaid entity code (``#35;``),
which Mermaid turns back into the character when it draws.  State ids that
are not plain identifiers (or are Mermaid keywords) get positional ids.
"""

from __future__ import annotations

import json
import re

from workflow.render.dot import clean
from workflow.render.model import (
    ATTACH,
    CURRENT,
    DUE,
    ENTRY,
    FADED,
    LEGEND_KIND,
    NOTE,
    REFUSAL,
    STATE,
    VISITED,
    Graph,
)

_SAFE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEYWORDS = {"end", "state", "note", "direction", "class", "classdef", "style", "click", "as", "left", "right", "of"}
_SAFE_PUNCT = set(" .,-_()/§+'·●?!=")


def text(value: str) -> str:
    """``value`` in Mermaid's safe alphabet, on one line."""
    out = []
    for ch in clean(value).replace("\n", " "):
        if ch.isalnum() or ch in _SAFE_PUNCT:
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def _ids(graph: Graph) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for i, n in enumerate(graph.nodes):
        if n.kind != STATE:
            continue
        mid = n.id if _SAFE_ID.match(n.id) and n.id.lower() not in _KEYWORDS else f"s{i}"
        while mid in taken:
            mid = f"s{i}_{len(taken)}"
        taken.add(mid)
        ids[n.id] = mid
    return ids


def to_mermaid(graph: Graph) -> str:
    """Mermaid text of a process or case graph; same model, same bytes."""
    ids = _ids(graph)
    title = json.dumps(clean(" · ".join(graph.title)).replace("\n", " "), ensure_ascii=False)
    out = ["---", f"title: {title}", "---", "stateDiagram-v2"]
    for n in graph.nodes:
        if n.kind == STATE:
            out.append(f'    state "{text(" · ".join(n.lines))}" as {ids[n.id]}')
    for e in graph.edges:
        if e.kind == ENTRY:
            out.append(f"    [*] --> {ids[e.dest]}")
        elif e.kind == ATTACH or e.source not in ids or e.dest not in ids:
            continue
        else:
            lines = list(e.lines)
            if e.kind == REFUSAL and graph.kind == "process":
                lines = [f"{lines[0]} ({e.trigger})"] if e.trigger else lines
            label = text(" · ".join(lines))
            arrow = f"    {ids[e.source]} --> {ids[e.dest]}"
            out.append(f"{arrow} : {label}" if label else arrow)
    for n in graph.nodes:
        if n.kind == STATE and n.final:
            out.append(f"    {ids[n.id]} --> [*]")
    for n in graph.nodes:
        if n.kind == NOTE and n.id == DUE:
            target = next((e.dest for e in graph.edges if e.kind == ATTACH and e.source == n.id), None)
            if target in ids:
                out.append(f"    note right of {ids[target]}")
                out.extend(f"        {text(line)}" for line in n.lines)
                out.append("    end note")
        elif n.kind == LEGEND_KIND:
            out.append("    %% " + clean(" | ".join(n.lines)).replace("\n", " "))
    styles = {
        VISITED: "fill:#dbe9f6,stroke:#1f4e79",
        CURRENT: "fill:#ffe08a,stroke:#b35c00,stroke-width:3px",
        FADED: "fill:#fafafa,stroke:#c4c4c4,color:#a6a6a6",
    }
    used = [s for s in (VISITED, CURRENT, FADED) if any(n.status == s and n.kind == STATE for n in graph.nodes)]
    for status in used:
        out.append(f"    classDef {status} {styles[status]}")
        members = ",".join(ids[n.id] for n in graph.nodes if n.kind == STATE and n.status == status)
        out.append(f"    class {members} {status}")
    if any(n.kind == STATE and n.final for n in graph.nodes) and graph.kind == "process":
        out.append("    classDef final fill:#e8e8e8,stroke-width:3px")
        out.append("    class " + ",".join(ids[n.id] for n in graph.nodes if n.kind == STATE and n.final) + " final")
    return "\n".join(out) + "\n"
