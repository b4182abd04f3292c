"""Case diagrams: the demo case's path over its process, and hostile text that must stay text."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest
from render_helpers import parse

from workflow import Decision, DecisionRef, DueSpec
from workflow.demo import replay_demo
from workflow.render.dot import FADED_TEXT, clean, to_dot
from workflow.render.mermaid import to_mermaid
from workflow.render.model import case_graph, case_steps


@pytest.fixture
def dorotea(wf):  # type: ignore[no-untyped-def]
    list(replay_demo(wf))
    case = wf.case("HSN 501-2023")
    return wf.definition_of(case), case, wf.history(case.id)


def test_demo_case_path_current_state_and_faded_states(dorotea) -> None:  # type: ignore[no-untyped-def]
    d, case, history = dorotea
    p = parse(to_dot(case_graph(d, case, history, today=dt.date(2026, 3, 23))))
    edge = {(s, t): a for s, t, a in p.edges if a.get("style") != "dashed"}
    pilot_edge = edge[("pre_study", "pilot")]
    assert "§ 15" in pilot_edge["label"] and "2024-02-28" in pilot_edge["label"]
    assert pilot_edge["label"].splitlines()[0] == "4. HSN 2024-02-28 § 15"
    assert pilot_edge["penwidth"] == "2.5"
    assert "Förstudien och handlingsplanen godkänns" in pilot_edge["tooltip"]
    # the joint decision's two parts, in order, on the one edge they moved the case by
    joint = edge[("assignment", "pre_study")]["label"].splitlines()
    assert joint[:2] == ["1. HSN 2023 (Region Västerbotten)", "2. KS 2023 (Dorotea kommun)"]
    assert edge[("pre_study", "pre_study")]["label"].startswith("3. KF 2023-12-04 § 102")
    assert "brådskande" in edge[("pilot", "pilot")]["label"]
    # current state marked
    pilot = p.nodes["pilot"]
    assert pilot["penwidth"] == "3" and "nuvarande läge, sedan 28 februari 2024" in pilot["label"]
    # visited states highlighted, never-visited ones faded
    for s in ("assignment", "pre_study"):
        assert p.nodes[s]["fontcolor"] != FADED_TEXT
    for s in ("approved", "reported", "extension", "investigation", "final_position", "rejected", "withdrawn", "closed"):
        assert p.nodes[s]["fontcolor"] == FADED_TEXT, s
    assert edge[("pilot", "reported")]["fontcolor"] == FADED_TEXT
    # open due dates shown, attached to the current state
    assert "Återrapportering: 8 maj 2026 (sammanträde i HSN), öppen" in p.nodes["__due"]["label"]
    assert ("__due", "pilot") in [(s, t) for s, t, _ in p.edges]


def test_overdue_due_dates_are_marked(dorotea) -> None:  # type: ignore[no-untyped-def]
    d, case, history = dorotea
    p = parse(to_dot(case_graph(d, case, history, today=dt.date(2026, 6, 1))))
    assert p.nodes["__due"]["label"].count("FÖRSENAD") == 2


def test_steps_are_numbered_decisions_in_order(dorotea) -> None:  # type: ignore[no-untyped-def]
    d, _case, history = dorotea
    steps = case_steps(d, history)
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    assert [s.edge_key[1:] for s in steps] == [
        ("commission_pre_study", "assignment", "pre_study"), ("commission_pre_study", "assignment", "pre_study"),
        ("postpone", "pre_study", "pre_study"), ("start_pilot", "pre_study", "pilot"), ("postpone", "pilot", "pilot"),
    ]


def test_same_case_same_bytes(dorotea) -> None:  # type: ignore[no-untyped-def]
    d, case, history = dorotea
    day = dt.date(2026, 3, 23)
    assert to_dot(case_graph(d, case, history, today=day)) == to_dot(case_graph(d, case, list(history), today=day))


HOSTILE = [
    'He said "hi"',
    '"]; evil -> pwned; x [label="',
    "<b>bold</b> <<table>>",
    "line one\nline two\n\tline three",
    "{record|field} {}",
    "back\\slash \\N \\G \\l \\",
    "å ä ö Å Ä Ö – § ≈",
    "A & B &amp; &lt;",
    "tab\tls end",
]
"""Hostile to DOT, as a note may hold them (newlines and tabs); a title is one line of them."""


def test_hostile_titles_and_notes_stay_text(wf, clock) -> None:  # type: ignore[no-untyped-def]
    title = " | ".join(h for h in HOSTILE if h.isprintable())  # a title is one line: no newline or tab
    case = wf.open_case("systemledning", title=title, numbers=['HSN 1-2024 "x"'], actor="t", effective="2024")
    for i, note in enumerate(HOSTILE[:3]):
        wf.advance(case.id, Decision(
            trigger="commission_pre_study", reference=DecisionRef.parse(f"{['HSN', 'KS', 'KS'][i]} 2024-01-1{i} § {i + 1}"),
            actor="t", note=note, due=(DueSpec.parse("report_back=2024-06"),) if i == 0 else ()))
        if i == 1:
            break
    wf.advance(case.id, Decision(trigger="postpone", reference=DecisionRef.parse("HSN 2024-02-01 § 9"), actor="t",
                                 note="\n".join(HOSTILE), due=(DueSpec.parse("report_back=2024-09"),)))
    case = wf.case(case.id)
    d = wf.definition_of(case)
    graph = case_graph(d, case, wf.history(case.id), today=dt.date(2024, 3, 1))
    text = to_dot(graph)
    p = parse(text)
    assert set(p.nodes) == {n.id for n in graph.nodes}
    assert sorted((s, t) for s, t, _ in p.edges) == sorted((e.source, e.dest) for e in graph.edges)
    assert "pwned" not in p.nodes and all("pwned" not in (s, t) for s, t, _ in p.edges)
    assert p.graph_attrs["label"] == clean("\n".join(graph.title))
    assert p.graph_attrs["label"].startswith('HSN 1-2024 "x" · He said "hi" | "]; evil -> pwned; x [label="')
    loop = next(a for s, t, a in p.edges if (s, t) == ("pre_study", "pre_study") and a["penwidth"] == "2.5")
    assert '"]; evil -> pwned; x [label="' in loop["tooltip"]
    assert "back\\slash \\N \\G \\l \\" in loop["tooltip"]
    assert "A & B &amp; &lt;" in loop["tooltip"]
    assert "å ä ö Å Ä Ö – § ≈" in loop["tooltip"]
    # no raw newline inside any quoted string: every statement is one line
    assert all(line.rstrip().endswith(("{", "}", "];")) for line in text.splitlines())
    if shutil.which("dot"):  # and Graphviz itself reads the same graph
        out = subprocess.run(["dot", "-Tjson"], input=text.encode(), capture_output=True, check=True)
        g = json.loads(out.stdout)
        assert sorted(o["name"] for o in g["objects"]) == sorted(n.id for n in graph.nodes)
        assert len(g["edges"]) == len(graph.edges)
        assert out.stderr == b""
    mermaid = to_mermaid(graph)
    body = mermaid.split("stateDiagram-v2\n", 1)[1].splitlines()
    assert sum(1 for line in body if line.startswith("    state ")) == len(d.states)
    assert sum(1 for line in body if " --> " in line) == len([e for e in graph.edges if e.kind != "attach"]) + len(d.final_states)
    assert "pwned" not in "".join(line.split(" : ")[0] for line in body)
