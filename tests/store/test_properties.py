"""Random decision sequences: the state stays declared, refusals change nothing, the log replays, verify passes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow import Decision, DecisionRef, DueSpec, PartialDate, Workflow, WorkflowError
from workflow.registry import default_registry

REGISTRY = default_registry()
counter = itertools.count()
dates = st.dates(dt.date(2021, 1, 1), dt.date(2030, 1, 1)).map(PartialDate.of)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_decision_sequences_keep_every_invariant(wf: Workflow, data: st.DataObject) -> None:
    d = REGISTRY.get(data.draw(st.sampled_from(["systemledning", "finansiering"])))
    case = wf.open_case(d.id, title="Slump", numbers=[f"T {next(counter)}-2026"], actor="prop")
    moved = refused = 0
    for _ in range(data.draw(st.integers(1, 14))):
        before = wf.case(case.id)
        history_before = wf.history(case.id)
        possible = [p.trigger for p in wf.triggers(case.id)]
        # mostly triggers that are possible now (so cases travel far), sometimes any, sometimes nonsense
        trigger = data.draw(st.one_of(
            st.sampled_from(possible or ["none"]), st.sampled_from(d.triggers()), st.just("not_a_trigger"),
        ))
        body = data.draw(st.sampled_from([*d.bodies, "XYZ"]))
        dues = data.draw(st.lists(st.tuples(st.sampled_from([*d.due_kinds, "unknown_due"]), dates), max_size=2))
        rich = data.draw(st.booleans())
        decision = Decision(
            trigger, DecisionRef(body, data.draw(dates), "1"), "prop",
            due=tuple(DueSpec(name, when) for name, when in dues),
            outcome=data.draw(st.sampled_from(["yes", "yes", "yes", "no"])),
            basis=("Underlag",) if rich else (), note="Anteckning" if rich else None,
            amount=Decimal(1000) if rich else None,
            statements=(("child_rights", "Beaktad"),) if rich else (),
        )
        try:
            rec = wf.advance(case.id, decision)
        except WorkflowError:
            refused += 1
            after = wf.case(case.id)
            assert (after.state, after.version, after.data) == (before.state, before.version, before.data)
            assert wf.history(case.id) == history_before
        else:
            moved += 1
            assert rec.case.version > before.version
            assert wf.case(case.id).state == rec.case.state
            assert len(wf.history(case.id)) == len(history_before) + len(rec.entries)
        assert wf.case(case.id).state in d.states
    report = wf.verify(case.id)
    assert report.ok, report.problems
    assert moved + refused > 0
