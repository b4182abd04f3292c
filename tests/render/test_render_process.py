"""Process diagrams as DOT text: structure, styles, languages, reproducibility, golden files."""

from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import parse

from workflow.registry import default_registry
from workflow.render.dot import quote, to_dot
from workflow.render.mermaid import to_mermaid
from workflow.render.model import process_graph

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def systemledning():  # type: ignore[no-untyped-def]
    return default_registry().get("systemledning")


def test_every_state_and_every_step_source_is_drawn(systemledning) -> None:  # type: ignore[no-untyped-def]
    p = parse(to_dot(process_graph(systemledning)))
    assert set(p.nodes) == {"__start", "__legend", *systemledning.states}
    steps = [(s, d, e["tooltip"]) for s, d, e in p.edges if e.get("style") != "dashed" and s != "__start"]
    expected = [(src, src if t.dest == "=" else t.dest, t.trigger) for t in systemledning.transitions for src in t.sources]
    assert sorted(steps) == sorted(expected)  # one edge per source (pydot groups edges by endpoints)
    assert ("__start", "assignment") in [(s, d) for s, d, _ in p.edges]


def test_initial_and_final_states_are_distinct(systemledning) -> None:  # type: ignore[no-untyped-def]
    p = parse(to_dot(process_graph(systemledning)))
    assert p.nodes["assignment"]["penwidth"] == "2"
    assert p.nodes["__start"]["shape"] == "circle"
    for s in systemledning.states.values():
        assert (p.nodes[s.id].get("peripheries") == "2") == s.final, s.id
        assert "peripheries" not in p.nodes["pilot"]


def test_joint_decisions_bodies_and_refusals_are_visible(systemledning) -> None:  # type: ignore[no-untyped-def]
    p = parse(to_dot(process_graph(systemledning)))
    edge = {(s, d, a.get("style", "")): a for s, d, a in p.edges}
    joint = edge[("assignment", "pre_study", "")]
    assert ":" in joint["color"]  # drawn as a double line
    assert "HSN · KS · KF" in joint["label"]
    assert "gemensamt beslut: Region Västerbotten + Dorotea kommun" in joint["label"]
    assert ":" not in edge[("pre_study", "approved", "")]["color"]
    assert "HSN · KF" in edge[("pre_study", "approved", "")]["label"]
    refusal = edge[("assignment", "rejected", "dashed")]
    assert refusal["label"] == "nej från en part"
    assert edge[("investigation", "closed", "dashed")]
    assert "HSN: Hälso- och sjukvårdsnämnden (Region Västerbotten)" in p.nodes["__legend"]["label"]


def test_labels_in_swedish_by_default_and_english_on_request(systemledning) -> None:  # type: ignore[no-untyped-def]
    sv = parse(to_dot(process_graph(systemledning)))
    en = parse(to_dot(process_graph(systemledning, "en")))
    assert sv.nodes["pilot"]["label"] == "Pilotprojekt"
    assert en.nodes["pilot"]["label"] == "Pilot"
    assert "joint decision: Region Västerbotten + Dorotea kommun" in en.edges[1][2]["label"]
    assert en.graph_attrs["label"].startswith("Joint governance")


def test_same_definition_same_bytes(systemledning) -> None:  # type: ignore[no-untyped-def]
    again = default_registry().get("systemledning")
    assert to_dot(process_graph(systemledning)) == to_dot(process_graph(again))
    assert to_mermaid(process_graph(systemledning)) == to_mermaid(process_graph(again))


@pytest.mark.parametrize(("name", "lang", "writer"), [
    ("finansiering.dot", "sv", to_dot), ("finansiering.en.dot", "en", to_dot),
    ("systemledning.mmd", "sv", to_mermaid),
])
def test_golden(name: str, lang: str, writer) -> None:  # type: ignore[no-untyped-def]
    definition_id = name.split(".")[0]
    text = writer(process_graph(default_registry().get(definition_id), lang))
    assert text == (GOLDEN / name).read_text(encoding="utf-8"), f"golden file {name} differs; look, then regenerate"


@pytest.mark.parametrize(("text", "expected"), [
    ('a"b', '"a\\"b"'),
    ("back\\slash", '"back\\\\slash"'),
    ("end\\", '"end\\\\"'),
    ("two\nlines", '"two\\nlines"'),
    ("tab\tbell\x07", '"tab bell "'),
    ("A & B", '"A &amp; B"'),
    ("<b>{x}</b>", '"<b>{x}</b>"'),
    ("åäö ÅÄÖ", '"åäö ÅÄÖ"'),
])
def test_quote(text: str, expected: str) -> None:
    assert quote(text) == expected
