"""BPMN 2.0 export, read back by independent programs: SpiffWorkflow's parser, and bpmnlint (which
parses with bpmn-moddle, as bpmn-js does, and reports its import warnings as errors)."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from workflow.exchange.bpmn import NS, definition_to_bpmn
from workflow.registry import default_registry

ROOT = Path(__file__).resolve().parents[2]
BPMNLINT = ROOT / "tools" / "bpmnlint" / "node_modules" / ".bin" / "bpmnlint"
SHIPPED = sorted(d.id for d in default_registry().latest())



@pytest.mark.parametrize("layout", ["auto", "grid"])
@pytest.mark.parametrize("definition_id", ["systemledning", "finansiering"])
def test_independent_parser_reads_states_and_flows(definition_id: str, layout: str) -> None:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    d = default_registry().get(definition_id)
    data = definition_to_bpmn(d, layout_engine=layout)  # type: ignore[arg-type]
    parser = BpmnParser()
    parser.add_bpmn_str(data)
    spec = parser.get_spec(f"Process_{d.id}_v{d.version}")
    specs = spec.task_specs
    for s in d.states.values():
        name = f"End_{s.id}" if s.final else f"Task_{s.id}"
        assert name in specs, name
        assert specs[name].bpmn_name == s.label.sv
        assert type(specs[name]).__name__ == ("EndEvent" if s.final else "NoneTask")
    assert [o.name for o in specs["StartEvent"].outputs] == [f"Task_{d.initial.id}"]

    def reachable(src: str) -> set[str]:
        """Non-gateway successors: states reachable by one decision."""
        out, todo = set(), [o for o in specs[src].outputs]
        while todo:
            t = todo.pop()
            if t.name.startswith(("Task_", "End_")):
                out.add(t.name)
            else:
                todo.extend(t.outputs)
        return out

    for s in d.states.values():
        if s.final:
            continue
        expected = set()
        for t in d.transitions:
            if s.id in t.sources:
                dest = s.id if t.dest == "=" else t.dest
                expected.add(f"End_{dest}" if d.states[dest].final else f"Task_{dest}")
                if t.on_refusal:
                    expected.add(f"End_{t.on_refusal}")
        assert reachable(f"Task_{s.id}") == expected, s.id


def test_joint_decision_is_parallel_split_and_join() -> None:
    d = default_registry().get("systemledning")
    root = ET.fromstring(definition_to_bpmn(d))
    process = root.find("bpmn:process", NS)
    assert process is not None
    split = process.find("bpmn:parallelGateway[@id='Split_commission_pre_study_assignment']", NS)
    join = process.find("bpmn:parallelGateway[@id='Join_commission_pre_study_assignment']", NS)
    assert split is not None and join is not None
    parties = [t.get("name") for t in process.findall("bpmn:task", NS)
               if (t.get("id") or "").startswith("Decide_commission_pre_study_assignment_")]
    assert parties == ["Region Västerbotten: Uppdrag om förstudie", "Dorotea kommun: Uppdrag om förstudie"]
    refusal = process.find("bpmn:sequenceFlow[@id='Flow_commission_pre_study_assignment_refusal']", NS)
    assert refusal is not None and refusal.get("targetRef") == "Merge_rejected"  # rejected has more ways in


@pytest.mark.parametrize("definition_id", SHIPPED)
def test_no_task_or_event_is_entered_by_two_flows_and_every_split_is_named(definition_id: str) -> None:
    root = ET.fromstring(definition_to_bpmn(default_registry().get(definition_id), lang="sv"))
    process = root.find("bpmn:process", NS)
    assert process is not None
    for el in process:
        kind = el.tag.rsplit("}", 1)[1]
        ins, outs = el.findall("bpmn:incoming", NS), el.findall("bpmn:outgoing", NS)
        if kind in ("task", "endEvent"):
            assert len(ins) == 1, el.get("id")
        if kind == "exclusiveGateway" and len(outs) > 1:
            assert el.get("name") == "Vilket beslut?" and len(ins) == 1, el.get("id")
        if kind == "exclusiveGateway" and len(ins) > 1:
            assert len(outs) == 1 and not el.get("name"), el.get("id")  # a merge: no question to ask


def test_names_follow_the_language() -> None:
    d = default_registry().get("finansiering")
    sv, en = definition_to_bpmn(d, lang="sv").decode(), definition_to_bpmn(d, lang="en").decode()
    assert 'name="Ärendet öppnas"' in sv and 'name="Förslag bereds"' in sv and 'name="Vilket beslut?"' in sv
    assert 'name="The case is opened"' in en and 'name="Proposal being prepared"' in en
    assert 'name="Which decision?"' in en and "Förslag bereds" in en  # the other language documents


def _bpmnlint() -> Path:
    """The project's pinned bpmnlint; a skip without it, but a failure in CI, which must run it."""
    if BPMNLINT.exists() and shutil.which("node"):
        return BPMNLINT
    reason = "bpmnlint is not installed: run scripts/ensure-bpmnlint.sh (needs Node.js 20 or later and npm)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.parametrize("layout", ["auto", "grid"])
@pytest.mark.parametrize("definition_id", SHIPPED)
def test_every_shipped_definition_passes_bpmnlint_recommended(definition_id: str, layout: str,
                                                              tmp_path: Path) -> None:
    """bpmnlint's recommended rules, warnings included, and bpmn-moddle's import warnings: none."""
    lint = _bpmnlint()
    path = tmp_path / f"{definition_id}.bpmn"
    path.write_bytes(definition_to_bpmn(default_registry().get(definition_id), layout_engine=layout))  # type: ignore[arg-type]
    done = subprocess.run([str(lint), "--config", str(ROOT / "tools" / "bpmnlint" / ".bpmnlintrc"),
                           "--max-warnings=0", str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}, check=False)
    report = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and "problem" not in report, report


def _di(data: bytes) -> tuple[dict[str, tuple[float, ...]], dict[str, list[tuple[float, float]]],
                              dict[str, tuple[float, ...]], dict[str, tuple[str, str]]]:
    """Shapes, edge waypoints and label boxes as a modelling tool reads them from the BPMNDI."""
    root = ET.fromstring(data)
    process = root.find("bpmn:process", NS)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert process is not None and plane is not None

    def bounds(el: ET.Element) -> tuple[float, ...]:
        b = el.find("dc:Bounds", NS)
        assert b is not None
        return tuple(float(b.get(k) or 0) for k in ("x", "y", "width", "height"))

    shapes = {s.get("bpmnElement") or "": bounds(s) for s in plane.findall("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") or "": [(float(w.get("x") or 0), float(w.get("y") or 0))
                                          for w in e.findall("di:waypoint", NS)]
             for e in plane.findall("bpmndi:BPMNEdge", NS)}
    labels = {e.get("bpmnElement") or "": bounds(lab) for e in plane.findall("bpmndi:BPMNEdge", NS)
              for lab in e.findall("bpmndi:BPMNLabel", NS)}
    ends = {f.get("id") or "": (f.get("sourceRef") or "", f.get("targetRef") or "")
            for f in process.findall("bpmn:sequenceFlow", NS)}
    return shapes, edges, labels, ends


def _cuts(box: tuple[float, ...], p: tuple[float, float], q: tuple[float, float]) -> bool:
    """Whether the segment p-q passes through the inside of ``box`` (shrunk by a pixel): Liang-Barsky."""
    x0, y0, x1, y1 = box[0] + 1, box[1] + 1, box[0] + box[2] - 1, box[1] + box[3] - 1
    dx, dy = q[0] - p[0], q[1] - p[1]
    lo, hi = 0.0, 1.0
    for d, dist in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if d == 0:
            if dist < 0:
                return False
            continue
        r = dist / d
        if d < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return True


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("layout", ["grid", "dot"])
@pytest.mark.parametrize("definition_id", SHIPPED)
def test_layout_is_readable(definition_id: str, layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from the DI as a modelling tool reads it: no edge runs through a shape it does not connect,
    no label covers another label or a shape; the built-in layout (used when dot is missing) draws
    every edge orthogonally."""
    if layout == "grid":
        monkeypatch.setattr(shutil, "which", lambda _name: None)
    elif shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    data = definition_to_bpmn(default_registry().get(definition_id), layout_engine="auto")
    assert (b'name="layered"' if layout == "grid" else b'name="dot"') in data
    shapes, edges, labels, ends = _di(data)
    for fid, points in edges.items():
        source, target = ends[fid]
        for p, q in zip(points, points[1:], strict=False):
            assert layout == "dot" or p[0] == q[0] or p[1] == q[1], f"{fid}: a slanted segment {p}-{q}"
            for sid, box in shapes.items():
                if sid not in (source, target):
                    assert not _cuts(box, p, q), f"{fid} runs through {sid}"
    named = {f.get("id") for f in ET.fromstring(data).iter(f"{{{NS['bpmn']}}}sequenceFlow") if f.get("name")}
    assert set(labels) == named
    for (a, box_a), (b, box_b) in combinations(sorted(labels.items()), 2):
        assert not _overlap(box_a, box_b), f"the labels of {a} and {b} overlap"
    for fid, box in labels.items():
        for sid, shape in shapes.items():
            assert not _overlap(box, shape), f"the label of {fid} covers {sid}"


@pytest.mark.parametrize("layout", ["auto", "grid"])
def test_every_element_has_a_shape_or_edge(layout: str) -> None:
    d = default_registry().get("systemledning")
    root = ET.fromstring(definition_to_bpmn(d, layout_engine=layout))  # type: ignore[arg-type]
    process = root.find("bpmn:process", NS)
    assert process is not None
    nodes = {el.get("id") for el in process if el.tag.rsplit("}", 1)[1] != "sequenceFlow" and el.get("id")}
    flows = {el.get("id") for el in process.findall("bpmn:sequenceFlow", NS)}
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None
    shapes = {s.get("bpmnElement"): s for s in plane.findall("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.findall("bpmndi:BPMNEdge", NS)}
    assert set(shapes) == nodes and set(edges) == flows
    for shape in shapes.values():
        b = shape.find("dc:Bounds", NS)
        assert b is not None and float(b.get("width") or 0) > 0 and float(b.get("x") or -1) >= 0
    for edge in edges.values():
        assert len(edge.findall("di:waypoint", NS)) >= 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_dot_layout_used_and_deterministic() -> None:
    d = default_registry().get("systemledning")
    first = definition_to_bpmn(d, layout_engine="dot")
    assert b'name="dot"' in first
    assert definition_to_bpmn(d, layout_engine="dot") == first


def test_without_dot_falls_back_to_the_built_in_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    data = definition_to_bpmn(default_registry().get("finansiering"))
    assert b'name="layered"' in data
    assert definition_to_bpmn(default_registry().get("finansiering")) == data


def test_cli(tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "s.bpmn"
    cli("definitions", "export", "systemledning", "--format", "bpmn", "-o", str(out))
    assert ET.parse(out).getroot().tag == f"{{{NS['bpmn']}}}definitions"
    assert b"Process_systemledning_v1" in cli("definitions", "export", "systemledning").stdout_bytes
    assert "no process definition" in cli("definitions", "export", "nope", "-o", str(tmp_path / "n.bpmn"), code=3).output
    assert not (tmp_path / "n.bpmn").exists()
    cli("definitions", "export", "systemledning", "--format", "svg", code=2)
