"""The rules, without a database: golden traces, joint decisions, due dates, refusals."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from workflow import (
    Decision,
    DecisionRef,
    DecisionRefused,
    DueSpec,
    InvalidInput,
    TransitionNotAllowed,
)
from workflow.core import engine
from workflow.core.audit import verify_chain
from workflow.core.case import DiaryNumber
from workflow.core.machine import machine_for
from workflow.core.present import entry_summary
from workflow.registry import default_registry

GOLDEN = Path(__file__).parent.parent / "golden"
T0 = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)  # after every decision of the scripts: none is dated in the future

# A scripted run per shipped definition: (trigger, reference, extra decision fields).
SCRIPTS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "systemledning": [
        ("commission_pre_study", "KS 2023", {}),
        ("commission_pre_study", "HSN 2023", {"due": ["report_back=HSN@2023-12"], "proposed_by": "HSN-AU"}),
        ("postpone", "KF 2023-12-04 § 102", {"due": ["report_back=2024-02"]}),
        ("approve_pre_study", "KF 2024-02-12 § 9", {}),
        ("start_pilot", "HSN 2024-02-28 § 15", {"due": ["pilot_end=2026-01", "report_back=2026-01"]}),
        ("postpone", "HSN 2026-03-12", {"due": ["report_back=HSN@2026-05-08"], "urgent": True}),
        ("approve_report_back", "HSN 2026-05-08 § 40", {}),
        ("extend_pilot", "HSN 2026-05-08 § 41", {"due": ["pilot_end=2027-09"]}),
        ("commission_investigation", "HSN 2026-05-08 § 42", {"due": ["investigation=2027-09", "consequence_study=2027-09"]}),
        ("take_final_position", "HSN 2027-10-20 § 90", {"basis": ["Utredning"], "statements": [("child_rights", "Beaktad")]}),
        ("take_final_position", "KF 2027-11-06 § 71", {"basis": ["Utredning"], "statements": [("child_rights", "Beaktad")]}),
    ],
    "finansiering": [
        ("grant", "HSN 2022-09-22 § 142", {}),
        ("grant_more", "HSN 2023 § 30", {"amount": 1800000, "ceiling": 1800000, "proposed_by": "HSN-AU",
                                         "basis": ["Fortsatt finansiering av fallstudier Governo"]}),
        ("follow_up", "HSN-AU 2023-11-02 § 12", {"due": ["follow_up=2024-01"]}),
        ("close", "HSN 2024-01-31 § 5", {}),
    ],
}


def decision(trigger: str, ref: str, **extra: Any) -> Decision:
    from decimal import Decimal

    due = tuple(DueSpec.parse(d) for d in extra.pop("due", []))
    for key in ("amount", "ceiling"):
        if key in extra:
            extra[key] = Decimal(extra[key])
    if "basis" in extra:
        extra["basis"] = tuple(extra["basis"])
    if "statements" in extra:
        extra["statements"] = tuple(extra["statements"])
    return Decision(trigger, DecisionRef.parse(ref) if ref else None, "tester", due=due, **extra)


def opened(definition_id: str) -> tuple[Any, Any, list[Any]]:
    d = default_registry().get(definition_id)
    case, entries = engine.open_case(
        d, case_id="c1", title="Test", numbers=[DiaryNumber("HSN 1-2023")], actor="tester", now=T0
    )
    return d, case, entries


def trace_lines(entries: list[Any]) -> list[str]:
    return [
        f"{e.seq:>2} {e.kind:<8} {e.effective or '':<10} {e.reference or '':<22} {e.from_state or '-'} -> {e.to_state} | {entry_summary(e, lang='en')}"
        for e in entries
    ]


@pytest.mark.parametrize("definition_id", sorted(SCRIPTS))
def test_golden_trace(definition_id: str) -> None:
    d, case, log = opened(definition_id)
    for i, (trigger, ref, extra) in enumerate(SCRIPTS[definition_id]):
        case, entries = engine.decide(d, case, decision(trigger, ref, **dict(extra)), T0 + dt.timedelta(minutes=i))
        log += entries
    assert d.states[case.state].final
    assert verify_chain(case.id, log, case.head_seq, case.head_hash) == []
    replayed = engine.replay(d, log)
    assert (replayed.state, replayed.data, replayed.version) == (case.state, case.data, case.version)
    lines = trace_lines(log)
    golden = GOLDEN / f"{definition_id}.trace"
    if os.environ.get("WF_UPDATE_GOLDEN"):
        golden.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lines == golden.read_text(encoding="utf-8").splitlines()


def test_joint_decision_moves_only_when_all_parties_decided() -> None:
    d, case, _ = opened("systemledning")
    for order in (("HSN 2023", "KS 2023"), ("KS 2023", "HSN 2023")):
        c = case
        c, first = engine.decide(d, c, decision("commission_pre_study", order[0]), T0)
        assert c.state == "assignment" and first[0].payload["joint"]["awaiting"]
        c, second = engine.decide(d, c, decision("commission_pre_study", order[1]), T0)
        assert c.state == "pre_study" and "joint" not in c.data
        assert second[0].payload["joint"]["awaiting"] == []


def test_a_party_saying_no_sends_the_case_where_the_definition_says() -> None:
    d, case, _ = opened("systemledning")
    case, _ = engine.decide(d, case, decision("commission_pre_study", "HSN 2023"), T0)
    case, entries = engine.decide(d, case, decision("commission_pre_study", "KF 2023-06-12 § 40", outcome="no"), T0)
    assert case.state == "rejected"
    assert entries[0].payload["outcome"] == "no"


def test_refusals_change_nothing() -> None:
    d, case, _ = opened("systemledning")
    before = (case.state, json.dumps(case.data, sort_keys=True), case.version, case.head_hash)
    refusals = [
        (decision("start_pilot", "HSN 2024-02-28 § 15"), TransitionNotAllowed),
        (decision("no_such_trigger", "HSN 2024-02-28 § 15"), TransitionNotAllowed),
        (decision("commission_pre_study", ""), InvalidInput),
        (decision("commission_pre_study", "XYZ 2023"), InvalidInput),  # a body the definition does not know
        (decision("commission_pre_study", "HSN-AU 2023"), DecisionRefused),
        (decision("commission_pre_study", "HSN 2023-05-01", due=["report_back=2023-04"]), InvalidInput),
        (decision("commission_pre_study", "HSN 2023", due=["pilot_end=2024"]), InvalidInput),
    ]
    for dec, error in refusals:
        with pytest.raises(error):
            engine.decide(d, case, dec, T0)
        assert (case.state, json.dumps(case.data, sort_keys=True), case.version, case.head_hash) == before
    case, _ = engine.decide(d, case, decision("commission_pre_study", "HSN 2023"), T0)
    with pytest.raises(DecisionRefused, match="already decided"):
        engine.decide(d, case, decision("commission_pre_study", "HSN 2023-06-01 § 3"), T0)


def test_amounts_ceilings_and_guards() -> None:
    d = default_registry().get("finansiering")
    case, _ = engine.open_case(d, case_id="f", title="F", numbers=[], actor="t", now=T0)
    with pytest.raises(InvalidInput, match="over its ceiling"):
        engine.decide(d, case, decision("grant", "HSN 2023 § 30", amount=2_000_000, ceiling=1_800_000), T0)
    case, _ = engine.decide(d, case, decision("grant", "HSN 2022-09-22 § 142"), T0)
    with pytest.raises(DecisionRefused, match="basis documents"):
        engine.decide(d, case, decision("grant_more", "HSN 2023 § 30", amount=1_800_000), T0)
    case, _ = engine.decide(d, case, decision("grant_more", "HSN 2023 § 30", amount=1_800_000,
                                              ceiling=1_800_000, basis=["Underlag"]), T0)
    assert case.data["amounts"] == [{"reference": "HSN 2023 § 30", "amount": "1800000", "ceiling": "1800000"}]


def test_required_statements() -> None:
    d = default_registry().get("systemledning")
    case, _ = engine.open_case(d, case_id="s", title="S", numbers=[], actor="t", now=T0)
    for trigger, ref in [("commission_pre_study", "HSN 2023"), ("commission_pre_study", "KS 2023"),
                         ("start_pilot", "HSN 2024-02-28 § 15"), ("approve_report_back", "HSN 2026-05-08 § 1"),
                         ("commission_investigation", "HSN 2026-05-08 § 2")]:
        extra = {"due": ["investigation=2027-09"]} if trigger == "commission_investigation" else {}
        case, _ = engine.decide(d, case, decision(trigger, ref, **extra), T0)
    with pytest.raises(InvalidInput, match="child_rights") as refused:
        engine.decide(d, case, decision("take_final_position", "HSN 2027-10-01 § 9", basis=["Utredning"]), T0)
    assert refused.value.field == "statements" and refused.value.requirement == "statement"  # type: ignore[attr-defined]


def test_possible_triggers_say_what_each_needs() -> None:
    d, case, _ = opened("systemledning")
    possible = {p.trigger: p for p in engine.possibilities(d, case)}
    assert set(possible) == {"commission_pre_study", "reject"}
    joint = possible["commission_pre_study"]
    assert joint.joint == ("region", "kommun") and joint.awaiting == ("region", "kommun")
    assert "reference" in joint.requires and joint.to_state == "pre_study"


def test_one_machine_per_definition_version_shared_by_all_cases() -> None:
    d = default_registry().get("systemledning")
    assert machine_for(d) is machine_for(d)
    m = machine_for(d)._machine
    assert m.models == []


def test_the_core_imports_neither_sqlalchemy_nor_click_nor_graphviz() -> None:
    code = (
        "import sys, workflow, workflow.core.engine, workflow.core.loading, workflow.registry\n"
        "workflow.registry.default_registry()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'click', 'graphviz', 'alembic')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_only_the_machine_module_imports_transitions() -> None:
    root = Path(__file__).resolve().parents[2]
    importers = [
        p.relative_to(root).as_posix()
        for p in [*(root / "workflow").rglob("*.py"), *(root / "cli").rglob("*.py")]
        if "import transitions" in p.read_text() or "from transitions" in p.read_text()
    ]
    assert importers == ["workflow/core/machine.py"]
