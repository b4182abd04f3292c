"""A process definition as BPMN 2.0, with diagram interchange (BPMNDI), for modelling tools.

The mapping (one ``bpmn:process``, marked executable so that BPMN engines such
as SpiffWorkflow accept it -- its gateways carry the decisions as conditions;
this engine still runs the cases):

* the initial state gets a ``startEvent`` with a flow into it;
* every non-final state is a ``task`` (``Task_<state>``): the case waits there
  for a decision;
* every final state is an ``endEvent`` (``End_<state>``);
* a state with more than one way out has an ``exclusiveGateway``
  (``Gateway_<state>``) after its task: exactly one decision moves the case,
  and each outgoing flow carries the condition ``decision == '<trigger>'``;
* a transition is a ``sequenceFlow`` (``Flow_<trigger>_<source>``) named by
  its Swedish label, documented with its English label, bodies and due dates;
  a transition that keeps the state (``to: "="``, e.g. a postponement) is a
  flow back into the same task;
* a joint decision (``joint: [region, kommun]``) is a ``parallelGateway``
  split into one task per party (``Decide_<trigger>_<source>_<party>``) and a
  parallel join before the destination: every party must decide.  A refusal
  (``on_refusal``) is one more flow from the state's gateway, with the
  condition ``decision == '<trigger>' and outcome == 'no'``.

Layout: Graphviz ``dot -Tjson`` (left to right) when ``dot`` is on the PATH,
otherwise a plain grid by distance from the start.  The output is
deterministic for a given definition and layout engine.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from workflow.core.definition import Definition

log = logging.getLogger("workflow.exchange.bpmn")

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SIZES = {"task": (120, 80), "event": (36, 36), "gateway": (50, 50)}
KIND_TAGS = {
    "start": ("bpmn:startEvent", "event"), "end": ("bpmn:endEvent", "event"),
    "task": ("bpmn:task", "task"), "xor": ("bpmn:exclusiveGateway", "gateway"),
    "and": ("bpmn:parallelGateway", "gateway"),
}

Layout = Literal["auto", "dot", "grid"]


@dataclass
class Node:
    id: str
    kind: str
    name: str
    doc: str = ""


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    doc: str = ""


@dataclass
class Graph:
    """The BPMN elements in a fixed order: the small model both layout and XML are drawn from."""

    process_id: str
    name: str
    nodes: list[Node] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)


def _nc(text: str) -> str:
    """A valid XML NCName fragment from an id."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def build_graph(d: Definition) -> Graph:
    g = Graph(f"Process_{_nc(d.id)}_v{d.version}", f"{d.label.sv} (v{d.version})")

    def ref(state: str) -> str:
        return f"End_{_nc(state)}" if d.states[state].final else f"Task_{_nc(state)}"

    g.nodes.append(Node("StartEvent", "start", "Ärendet öppnas"))
    for s in d.states.values():
        kind = "end" if s.final else "task"
        g.nodes.append(Node(ref(s.id), kind, s.label.sv, s.label.en))
    g.flows.append(Flow("Flow_start", "StartEvent", ref(d.initial.id)))
    for s in d.states.values():
        if s.final:
            continue
        out = [t for t in d.transitions if s.id in t.sources]
        ways = sum(1 + (1 if t.joint and t.on_refusal else 0) for t in out)
        origin = ref(s.id)
        if ways > 1:
            gw = f"Gateway_{_nc(s.id)}"
            g.nodes.append(Node(gw, "xor", "", f"One decision moves the case out of {s.id}"))
            g.flows.append(Flow(f"Flow_{_nc(s.id)}_decision", origin, gw))
            origin = gw
        for t in out:
            dest = ref(s.id if t.dest == "=" else t.dest)
            fid = f"Flow_{_nc(t.trigger)}_{_nc(s.id)}"
            cond = f"decision == '{t.trigger}'" if ways > 1 else None
            parts = [t.label.en, f"trigger: {t.trigger}"]
            if t.bodies:
                parts.append("bodies: " + ", ".join(t.bodies))
            if t.joint:
                parts.append("joint: " + ", ".join(t.joint))
            if t.sets_due:
                parts.append("sets due: " + ", ".join(t.sets_due))
            doc = "; ".join(parts)
            if not t.joint:
                g.flows.append(Flow(fid, origin, dest, t.label.sv, cond, doc))
                continue
            split, join = f"Split_{_nc(t.trigger)}_{_nc(s.id)}", f"Join_{_nc(t.trigger)}_{_nc(s.id)}"
            g.nodes.append(Node(split, "and", "", f"Joint decision {t.trigger}: every party decides"))
            g.flows.append(Flow(fid, origin, split, t.label.sv, cond, doc))
            for p in t.joint:
                task = f"Decide_{_nc(t.trigger)}_{_nc(s.id)}_{_nc(p)}"
                who = d.parties[p].name if p in d.parties else p
                g.nodes.append(Node(task, "task", f"{who}: {t.label.sv}", f"{who}: {t.label.en}"))
                g.flows.append(Flow(f"{fid}_{_nc(p)}_in", split, task))
                g.flows.append(Flow(f"{fid}_{_nc(p)}_out", task, join))
            g.nodes.append(Node(join, "and", ""))
            g.flows.append(Flow(f"{fid}_joined", join, dest))
            if t.on_refusal:
                g.flows.append(Flow(
                    f"{fid}_refusal", origin, ref(t.on_refusal), f"{t.label.sv}: avslag",
                    f"decision == '{t.trigger}' and outcome == 'no'",
                    f"A party of the joint decision {t.trigger} says no",
                ))
    return g


# -- layout ---------------------------------------------------------------------

Box = tuple[float, float, float, float]
"""x, y (top left), width, height, in BPMN pixels."""


@dataclass
class Placement:
    boxes: dict[str, Box]
    waypoints: dict[str, list[tuple[float, float]]]
    labels: dict[str, Box]
    engine: str


def _dot_source(g: Graph) -> str:
    lines = ["digraph bpmn {", "  rankdir=LR; nodesep=0.5; ranksep=0.7;",
             '  node [fixedsize=true, label=""]; edge [fontsize=10];']
    for n in g.nodes:
        w, h = SIZES[KIND_TAGS[n.kind][1]]
        shape = {"task": "box", "event": "circle", "gateway": "diamond"}[KIND_TAGS[n.kind][1]]
        lines.append(f'  "{n.id}" [shape={shape}, width={w / 72:.4f}, height={h / 72:.4f}];')
    for f in g.flows:
        label = json.dumps(f.name[:40], ensure_ascii=False) if f.name else '""'
        lines.append(f'  "{f.source}" -> "{f.target}" [id="{f.id}", label={label}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layout_dot(g: Graph) -> Placement | None:
    import shutil
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        run = subprocess.run([dot, "-Tjson"], input=_dot_source(g).encode("utf-8"),
                             capture_output=True, timeout=60, check=True)
        data = json.loads(run.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        log.warning("Graphviz dot failed (%s); using a grid layout", e)
        return None
    height = float(data["bb"].split(",")[3])
    boxes: dict[str, Box] = {}
    for obj in data.get("objects", []):
        if "pos" not in obj:
            continue
        x, y = (float(v) for v in obj["pos"].split(","))
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        boxes[obj["name"]] = (round(x - w / 2, 1), round(height - y - h / 2, 1), round(w, 1), round(h, 1))
    waypoints: dict[str, list[tuple[float, float]]] = {}
    labels: dict[str, Box] = {}
    for edge in data.get("edges", []):
        fid = edge.get("id")
        if not fid or "pos" not in edge:
            continue
        end = None
        points: list[tuple[float, float]] = []
        for part in edge["pos"].split():
            if part.startswith("e,"):
                _, ex, ey = part.split(",")
                end = (float(ex), float(ey))
            elif part.startswith("s,"):
                continue
            else:
                px, py = part.split(",")
                points.append((float(px), float(py)))
        # B-spline control points: keep the knots (every third point) as a polyline.
        knots = points[::3] if len(points) >= 4 else points
        if end is not None:
            knots.append(end)
        waypoints[fid] = [(round(px, 1), round(height - py, 1)) for px, py in knots]
        if "lp" in edge:
            lx, ly = (float(v) for v in edge["lp"].split(","))
            labels[fid] = (round(lx - 45, 1), round(height - ly - 10, 1), 90.0, 20.0)
    if set(boxes) != {n.id for n in g.nodes} or set(waypoints) != {f.id for f in g.flows}:
        log.warning("Graphviz did not place every element; using a grid layout")
        return None
    return Placement(boxes, waypoints, labels, "dot")


def _layout_grid(g: Graph) -> Placement:
    """Columns by distance from the start, rows in definition order."""
    out: dict[str, list[str]] = {}
    for f in g.flows:
        out.setdefault(f.source, []).append(f.target)
    column: dict[str, int] = {g.nodes[0].id: 0}
    frontier = [g.nodes[0].id]
    while frontier:
        nxt = []
        for nid in frontier:
            for t in out.get(nid, []):
                if t not in column:
                    column[t] = column[nid] + 1
                    nxt.append(t)
        frontier = nxt
    last = max(column.values(), default=0)
    rows: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    for n in g.nodes:
        col = column.setdefault(n.id, last + 1)
        row = rows.get(col, 0)
        rows[col] = row + 1
        w, h = SIZES[KIND_TAGS[n.kind][1]]
        cx, cy = 80 + col * 200, 80 + row * 130
        boxes[n.id] = (cx - w / 2, cy - h / 2, float(w), float(h))
    waypoints = {}
    for f in g.flows:
        sx, sy, sw, sh = boxes[f.source]
        tx, ty, tw, th = boxes[f.target]
        if f.source == f.target:
            waypoints[f.id] = [(sx + sw / 2, sy), (sx + sw / 2, sy - 30), (sx + sw, sy - 30), (sx + sw, sy + 10)]
        else:
            waypoints[f.id] = [(sx + sw, sy + sh / 2), (tx, ty + th / 2)]
    return Placement(boxes, waypoints, {}, "grid")


def layout(g: Graph, engine: Layout = "auto") -> Placement:
    if engine in ("auto", "dot"):
        placed = _layout_dot(g)
        if placed is not None:
            return placed
        if engine == "dot":
            log.warning("Graphviz dot is not available; using a grid layout")
    return _layout_grid(g)


# -- XML ------------------------------------------------------------------------


def _num(v: float) -> str:
    return f"{v:g}"


def definition_to_bpmn(definition: Definition, *, layout_engine: Layout = "auto") -> bytes:
    """The definition as a BPMN 2.0 XML document (UTF-8 bytes) with a laid-out diagram."""
    g = build_graph(definition)
    placed = layout(g, layout_engine)
    root = ET.Element("bpmn:definitions", {
        **{f"xmlns:{p}": uri for p, uri in NS.items()},
        "id": f"Definitions_{_nc(definition.id)}_v{definition.version}",
        "targetNamespace": f"urn:kansli-workflow:definition:{definition.id}:{definition.version}",
        "exporter": "kansli-workflow", "exporterVersion": "1",
    })
    process = ET.SubElement(root, "bpmn:process", {"id": g.process_id, "name": g.name, "isExecutable": "true"})
    if definition.description:
        ET.SubElement(process, "bpmn:documentation").text = definition.description.strip()
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for f in g.flows:
        outgoing.setdefault(f.source, []).append(f.id)
        incoming.setdefault(f.target, []).append(f.id)
    for n in g.nodes:
        attrs = {"id": n.id}
        if n.name:
            attrs["name"] = n.name
        el = ET.SubElement(process, KIND_TAGS[n.kind][0], attrs)
        if n.doc:
            ET.SubElement(el, "bpmn:documentation").text = n.doc
        for fid in incoming.get(n.id, []):
            ET.SubElement(el, "bpmn:incoming").text = fid
        for fid in outgoing.get(n.id, []):
            ET.SubElement(el, "bpmn:outgoing").text = fid
    for f in g.flows:
        attrs = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
        if f.name:
            attrs["name"] = f.name
        el = ET.SubElement(process, "bpmn:sequenceFlow", attrs)
        if f.doc:
            ET.SubElement(el, "bpmn:documentation").text = f.doc
        if f.condition:
            ET.SubElement(el, "bpmn:conditionExpression", {"xsi:type": "bpmn:tFormalExpression"}).text = f.condition
    diagram = ET.SubElement(root, "bpmndi:BPMNDiagram", {"id": f"Diagram_{g.process_id}", "name": placed.engine})
    plane = ET.SubElement(diagram, "bpmndi:BPMNPlane", {"id": f"Plane_{g.process_id}", "bpmnElement": g.process_id})
    for n in g.nodes:
        x, y, w, h = placed.boxes[n.id]
        attrs = {"id": f"{n.id}_di", "bpmnElement": n.id}
        if n.kind == "xor":
            attrs["isMarkerVisible"] = "true"
        shape = ET.SubElement(plane, "bpmndi:BPMNShape", attrs)
        ET.SubElement(shape, "dc:Bounds", {"x": _num(x), "y": _num(y), "width": _num(w), "height": _num(h)})
    for f in g.flows:
        edge = ET.SubElement(plane, "bpmndi:BPMNEdge", {"id": f"{f.id}_di", "bpmnElement": f.id})
        for x, y in placed.waypoints[f.id]:
            ET.SubElement(edge, "di:waypoint", {"x": _num(x), "y": _num(y)})
        if f.id in placed.labels and f.name:
            lx, ly, lw, lh = placed.labels[f.id]
            label = ET.SubElement(edge, "bpmndi:BPMNLabel")
            ET.SubElement(label, "dc:Bounds", {"x": _num(lx), "y": _num(ly), "width": _num(lw), "height": _num(lh)})
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def element_ids(g: Graph) -> Iterable[str]:
    """Every element id of the graph, for tests and tools that cross-check the file."""
    yield g.process_id
    yield from (n.id for n in g.nodes)
    yield from (f.id for f in g.flows)
