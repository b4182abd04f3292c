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
  its label, documented with its label in the other language, bodies and due
  dates; a transition that keeps the state (``to: "="``, e.g. a postponement)
  is a flow back into the same task;
* a joint decision (``joint: [region, kommun]``) is a ``parallelGateway``
  split into one task per party (``Decide_<trigger>_<source>_<party>``) and a
  parallel join before the destination: every party must decide.  A refusal
  (``on_refusal``) is one more flow from the state's gateway, with the
  condition ``decision == '<trigger>' and outcome == 'no'``;
* where more than one flow leads into a task or an end event, an unnamed
  ``exclusiveGateway`` (``Merge_<state>``) joins them first: a task entered by
  several flows would be a "fake join" to BPMN tools.

Names are in the language asked for (:func:`workflow.i18n.language` by
default: Swedish), each splitting gateway asks its question, and every
shipped definition's export passes ``bpmnlint``'s recommended rules
(tests/exchange/test_bpmn.py runs it).

Layout: Graphviz ``dot -Tjson`` (left to right) when ``dot`` is on the PATH,
otherwise the built-in layered layout of :mod:`workflow.render.layered`
(``grid``).  The output is deterministic for a given definition, language and
layout engine.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from workflow.core.definition import Definition
from workflow.i18n import language, t

if TYPE_CHECKING:
    from workflow.core.definition import Transition

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


def _doc(step: "Transition", lang: str) -> str:
    """What a flow's documentation says of its step: the other language's label, trigger, bodies, due dates."""
    other = "en" if lang == "sv" else "sv"
    parts = [step.label.get(other), t("step: {trigger}", lang, trigger=step.trigger)]
    if step.bodies:
        parts.append(t("bodies: {bodies}", lang, bodies=", ".join(step.bodies)))
    if step.joint:
        parts.append(t("joint: {parties}", lang, parties=", ".join(step.joint)))
    if step.sets_due:
        parts.append(t("sets due dates: {names}", lang, names=", ".join(step.sets_due)))
    return "; ".join(parts)


def build_graph(d: Definition, lang: str | None = None) -> Graph:
    """The BPMN elements of ``d``, named in ``lang`` (default: :func:`workflow.i18n.language`).

    Every task and event has at most one incoming flow: where several ways lead
    into a state, an exclusive gateway (``Merge_<state>``) joins them first, so
    no element has join semantics it cannot have (bpmnlint's *fake-join*).
    """
    lang = language(lang)
    g = Graph(f"Process_{_nc(d.id)}_v{d.version}", f"{d.label.get(lang)} (v{d.version})")

    def ref(state: str) -> str:
        return f"End_{_nc(state)}" if d.states[state].final else f"Task_{_nc(state)}"

    g.nodes.append(Node("StartEvent", "start", t("The case is opened", lang)))
    for s in d.states.values():
        kind = "end" if s.final else "task"
        g.nodes.append(Node(ref(s.id), kind, s.label.get(lang), s.label.get("en" if lang == "sv" else "sv")))
    g.flows.append(Flow("Flow_start", "StartEvent", ref(d.initial.id)))
    for s in d.states.values():
        if s.final:
            continue
        out = [x for x in d.transitions if s.id in x.sources]
        ways = sum(1 + (1 if x.joint and x.on_refusal else 0) for x in out)
        origin = ref(s.id)
        if ways > 1:
            gw = f"Gateway_{_nc(s.id)}"
            g.nodes.append(Node(gw, "xor", t("Which decision?", lang),
                                t("One decision moves the case out of the state {state}", lang,
                                   state=s.label.get(lang))))
            g.flows.append(Flow(f"Flow_{_nc(s.id)}_decision", origin, gw))
            origin = gw
        for step in out:
            dest = ref(s.id if step.dest == "=" else step.dest)
            fid = f"Flow_{_nc(step.trigger)}_{_nc(s.id)}"
            cond = f"decision == '{step.trigger}'" if ways > 1 else None
            doc = _doc(step, lang)
            if not step.joint:
                g.flows.append(Flow(fid, origin, dest, step.label.get(lang), cond, doc))
                continue
            split, join = f"Split_{_nc(step.trigger)}_{_nc(s.id)}", f"Join_{_nc(step.trigger)}_{_nc(s.id)}"
            g.nodes.append(Node(split, "and", t("Every party decides", lang),
                                t("Joint decision {step}: every party decides", lang, step=step.label.get(lang))))
            g.flows.append(Flow(fid, origin, split, step.label.get(lang), cond, doc))
            for p in step.joint:
                task = f"Decide_{_nc(step.trigger)}_{_nc(s.id)}_{_nc(p)}"
                who = d.parties[p].name if p in d.parties else p
                g.nodes.append(Node(task, "task", f"{who}: {step.label.get(lang)}",
                                    f"{who}: {step.label.get('en' if lang == 'sv' else 'sv')}"))
                g.flows.append(Flow(f"{fid}_{_nc(p)}_in", split, task))
                g.flows.append(Flow(f"{fid}_{_nc(p)}_out", task, join))
            g.nodes.append(Node(join, "and", ""))
            g.flows.append(Flow(f"{fid}_joined", join, dest))
            if step.on_refusal:
                g.flows.append(Flow(
                    f"{fid}_refusal", origin, ref(step.on_refusal), t("{step}: refused", lang, step=step.label.get(lang)),
                    f"decision == '{step.trigger}' and outcome == 'no'",
                    t("A party of the joint decision {step} says no", lang, step=step.label.get(lang)),
                ))
    return _merged(g)


def _merged(g: Graph) -> Graph:
    """``g`` with an exclusive merging gateway before every task or event that more than one flow enters."""
    incoming: dict[str, list[Flow]] = {}
    for f in g.flows:
        incoming.setdefault(f.target, []).append(f)
    merges = [n for n in g.nodes if n.kind in ("task", "end") and len(incoming.get(n.id, [])) > 1]
    if not merges:
        return g
    into = {n.id: f"Merge_{n.id.split('_', 1)[1]}" for n in merges}
    nodes: list[Node] = []
    for n in g.nodes:
        if n.id in into:
            nodes.append(Node(into[n.id], "xor", ""))
        nodes.append(n)
    flows = [replace(f, target=into.get(f.target, f.target)) for f in g.flows]
    flows += [Flow(f"Flow_{into[n.id]}", into[n.id], n.id) for n in merges]
    return Graph(g.process_id, g.name, nodes, flows)


# -- layout ---------------------------------------------------------------------

Box = tuple[float, float, float, float]
"""x, y (top left), width, height, in BPMN pixels."""


@dataclass
class Placement:
    boxes: dict[str, Box]
    waypoints: dict[str, list[tuple[float, float]]]
    labels: dict[str, Box]
    engine: str


LABEL_WIDTH, CHAR_WIDTH, LINE_HEIGHT = 120.0, 6.2, 14.0
"""A flow's label wraps at LABEL_WIDTH; bpmn-js draws labels in 11 px Arial."""


def label_size(text: str) -> tuple[float, float]:
    """Width and height of a flow's label box, as bpmn-js wraps its text."""
    words, lines, line = text.split(), 0, ""
    widest = 0.0
    for word in words:
        trial = f"{line} {word}".strip()
        if line and len(trial) * CHAR_WIDTH > LABEL_WIDTH:
            lines += 1
            widest = max(widest, len(line) * CHAR_WIDTH)
            line = word
        else:
            line = trial
    if line:
        lines += 1
        widest = max(widest, len(line) * CHAR_WIDTH)
    return round(min(max(widest, 20.0), LABEL_WIDTH * 1.5), 1), lines * LINE_HEIGHT


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
    names = {f.id: f.name for f in g.flows}
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
            lw, lh = label_size(names.get(fid, ""))
            labels[fid] = (round(lx - lw / 2, 1), round(height - ly - lh / 2, 1), lw, lh)
    if set(boxes) != {n.id for n in g.nodes} or set(waypoints) != {f.id for f in g.flows}:
        log.warning("Graphviz did not place every element; using a grid layout")
        return None
    return Placement(boxes, waypoints, labels, "dot")


def _layout_layered(g: Graph) -> Placement:
    """The built-in layered layout (:mod:`workflow.render.layered`): no Graphviz needed."""
    from workflow.render.layered import Item, Link, layered

    items = [Item(n.id, *map(float, SIZES[KIND_TAGS[n.kind][1]])) for n in g.nodes]
    links = [Link(f.id, f.source, f.target, label_size(f.name) if f.name else None) for f in g.flows]
    drawn = layered(items, links)
    return Placement(drawn.boxes, drawn.routes, drawn.labels, "layered")


def layout(g: Graph, engine: Layout = "auto") -> Placement:
    """Graphviz dot (``auto`` when it is installed, or ``dot``), else the built-in layered layout (``grid``)."""
    if engine in ("auto", "dot"):
        placed = _layout_dot(g)
        if placed is not None:
            return placed
        if engine == "dot":
            log.warning("Graphviz dot is not available; using the built-in layered layout")
    return _layout_layered(g)


# -- XML ------------------------------------------------------------------------


def _num(v: float) -> str:
    return f"{v:g}"


def definition_to_bpmn(definition: Definition, *, layout_engine: Layout = "auto", lang: str | None = None) -> bytes:
    """The definition as a BPMN 2.0 XML document (UTF-8 bytes) with a laid-out diagram, named in ``lang``."""
    g = build_graph(definition, lang)
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
