"""BPMN 2.0 export, read back by an independent parser (SpiffWorkflow)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from workflow.exchange.bpmn import NS, definition_to_bpmn
from workflow.registry import default_registry


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
    assert refusal is not None and refusal.get("targetRef") == "End_rejected"


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


def test_without_dot_falls_back_to_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    data = definition_to_bpmn(default_registry().get("finansiering"))
    assert b'name="grid"' in data


def test_cli(tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "s.bpmn"
    cli("definitions", "export", "systemledning", "--format", "bpmn", "-o", str(out))
    assert ET.parse(out).getroot().tag == f"{{{NS['bpmn']}}}definitions"
    assert b"Process_systemledning_v1" in cli("definitions", "export", "systemledning").stdout_bytes
    assert "no process definition" in cli("definitions", "export", "nope", "-o", str(tmp_path / "n.bpmn"), code=3).output
    assert not (tmp_path / "n.bpmn").exists()
    cli("definitions", "export", "systemledning", "--format", "svg", code=2)
