"""The machine: one per definition version, and the judge of where a decision leads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workflow import Decision, DecisionRef, GuardRefused, Workflow
from workflow.core import engine
from workflow.core.machine import machine_for, machines_built
from workflow.registry import Registry, default_registry

T0 = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


def test_a_hundred_workflows_build_one_machine_per_definition_version(tmp_path: Path) -> None:
    first = default_registry()
    versions = {(d.id, d.version) for d in first.latest()}
    for d in first.latest():
        machine_for(d)
    before = machines_built()
    workflows = [Workflow(f"sqlite:///{tmp_path}/w{i}.sqlite3", registry=Registry.from_paths(
        [Path(d.source).parent for d in first.latest()][:1])) for i in range(100)]
    definitions = [wf.definition(i, v) for wf in workflows for (i, v) in versions]
    assert len({id(d) for d in definitions}) == 100 * len(versions), "each registry loads its own objects"
    machines = {id(machine_for(d)) for d in definitions}
    assert len(machines) == len(versions)
    assert machines_built() == before


def test_a_changed_definition_under_the_same_version_gets_its_own_machine() -> None:
    d = default_registry().get("finansiering")
    changed = Registry().add_text(d.text.replace("Finansieringsbeslut", "Finansieringsbeslut (ändrad)"), "<changed>")
    assert changed.key == d.key and changed.digest != d.digest
    assert machine_for(changed) is not machine_for(d)


def test_the_machine_decides_a_joint_decision_and_a_refusal() -> None:
    d = default_registry().get("systemledning")
    case, _ = engine.open_case(d, case_id="j", title="J", numbers=[], actor="t", now=T0)
    m = machine_for(d)
    first = Decision("commission_pre_study", DecisionRef.parse("HSN 2023"), "t")
    assert m.fire(case, first, awaiting=True) == case.state  # one party decided, the other awaited
    assert m.fire(case, first, awaiting=False) == "pre_study"
    no = Decision("commission_pre_study", DecisionRef.parse("KS 2023"), "t", outcome="no")
    refusal = next(t.on_refusal for t in d.transitions if t.trigger == "commission_pre_study")
    assert m.fire(case, no, awaiting=True) == refusal


def test_a_guard_bound_in_the_machine_refuses_with_its_reason() -> None:
    d = default_registry().get("finansiering")
    guarded = next(t for t in d.transitions if "basis_attached" in t.guards)
    state = guarded.sources[0]
    case, _ = engine.open_case(d, case_id="g", title="G", numbers=[], actor="t", now=T0)
    from dataclasses import replace

    at = replace(case, state=state)
    with pytest.raises(GuardRefused) as refused:
        machine_for(d).fire(at, Decision(guarded.trigger, DecisionRef.parse("HSN 2023 § 1"), "t"))
    assert refused.value.guard == "basis_attached" and "basis" in refused.value.reason


def test_the_steps_a_state_offers_are_those_the_built_machine_can_fire() -> None:
    """What a state offers is read from the definition (showing a case builds no machine); the machine,
    built from the same transitions, must agree for every state of every shipped definition."""
    for d in default_registry().latest():
        m = machine_for(d)
        for state in d.states:
            fired = set(m._machine.get_triggers(state))
            assert m.triggers(state) == [t for t in d.triggers() if t in fired], (d.id, state)


def test_seeing_what_a_case_can_do_imports_no_machine() -> None:
    import subprocess
    import sys

    code = (
        "import datetime as dt, sys\n"
        "from workflow.core import engine\n"
        "from workflow.registry import default_registry\n"
        "d = default_registry().get('systemledning')\n"
        "case, _ = engine.open_case(d, case_id='x', title='X', numbers=[], actor='t', "
        "now=dt.datetime(2028, 1, 1, tzinfo=dt.UTC))\n"
        "print([p.trigger for p in engine.possibilities(d, case)], 'transitions' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['commission_pre_study', 'reject'] False"
