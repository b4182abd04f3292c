"""Scenarios: a case and its decisions as data, replayed through the public API.

This is how the demo brings in the seeds' cases, and how a secretariat can
back-register the decisions of an old case: one YAML file per case, the
decisions in the order they were taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.api import Recorded, Workflow
from workflow.core.case import Case
from workflow.core.decisions import (
    Assignment,
    Decision,
    DecisionRef,
    DueSpec,
    PartialDate,
    Proposal,
    ProposalPoint,
    parse_amount,
)
from workflow.core.errors import InvalidInput

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEMO_SCENARIOS = ("dorotea.yaml", "governo.yaml")

_STEP_KEYS = {
    "trigger", "decision", "proposed_by", "due", "note", "basis", "to", "party", "outcome",
    "urgent", "amount", "ceiling", "statements", "actor", "assign", "may_subdelegate", "proposal",
    "proposal_outcome", "posted",
}


@dataclass(frozen=True)
class Scenario:
    data: dict[str, Any]
    source: str


def load_scenario(path: Path) -> Scenario:
    import yaml

    from workflow.core.yaml_reader import safe_load

    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise InvalidInput(f"{path}: cannot read scenario: {e}")
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InvalidInput(f"{path}: a scenario needs definition, title, numbers and steps")
    return Scenario(data, str(path))


def _dues(items: Any) -> tuple[DueSpec, ...]:
    return tuple(DueSpec.parse(d) for d in items or ())


def _assignments(items: Any, may_subdelegate: bool) -> tuple[Assignment, ...]:
    return tuple(Assignment.parse(a, may_subdelegate) for a in items or ())


def _check_keys(step: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(step) - allowed
    if unknown:
        raise InvalidInput(f"unknown key(s) in step: {', '.join(sorted(unknown))}")


def decision_of(step: dict[str, Any], actor: str) -> Decision:
    _check_keys(step, _STEP_KEYS)
    return Decision(
        trigger=step["trigger"],
        reference=DecisionRef.parse(step["decision"]) if step.get("decision") else None,
        actor=step.get("actor", actor),
        proposed_by=step.get("proposed_by"),
        basis=tuple(step.get("basis", ())),
        recipients=tuple(step.get("to", ())),
        note=step.get("note"),
        due=_dues(step.get("due")),
        party=step.get("party"),
        outcome=step.get("outcome", "yes"),
        urgent=bool(step.get("urgent", False)),
        amount=parse_amount(step.get("amount")),
        ceiling=parse_amount(step.get("ceiling")),
        statements=tuple(sorted((step.get("statements") or {}).items())),
        assign=_assignments(step.get("assign"), bool(step.get("may_subdelegate", False))),
        proposal=step.get("proposal"),
        proposal_outcome=step.get("proposal_outcome", "adopted"),
        posted=PartialDate.parse(str(step["posted"])) if step.get("posted") else None,
    )


def proposal_of(spec: dict[str, Any], actor: str) -> Proposal:
    _check_keys(spec, {"by", "date", "to", "meeting", "document", "basis", "recipients", "statements",
                       "preparers", "points", "actor"})
    points = []
    for point in spec.get("points", []):
        _check_keys(point, {"trigger", "text", "due", "assign", "may_subdelegate"})
        points.append(ProposalPoint(
            trigger=point["trigger"], text=point.get("text", ""), due=_dues(point.get("due")),
            assign=_assignments(point.get("assign"), bool(point.get("may_subdelegate", False))),
        ))
    return Proposal(
        proposer=spec["by"], date=PartialDate.parse(str(spec["date"])) if spec.get("date") else None,
        to_body=spec["to"], meeting=PartialDate.parse(str(spec["meeting"])) if spec.get("meeting") else None,
        points=tuple(points), actor=spec.get("actor", actor), document=spec.get("document"),
        basis=tuple(spec.get("basis", ())), recipients=tuple(spec.get("recipients", ())),
        statements=tuple(sorted((spec.get("statements") or {}).items())),
        preparers=tuple(spec.get("preparers", ())),
    )


def replay_scenario(wf: Workflow, scenario: Scenario) -> tuple[Case, list[Recorded]]:
    """Open the scenario's case and record each step in order.

    A step is a decision (``trigger:``), a proposal (``propose:``), a case
    opened and linked to this one (``open_linked:``, as ``child`` or
    ``related``), or the reporting of urgent decisions (``report_urgent:``).
    """
    d = scenario.data
    actor = d.get("actor", "kansli")
    case = wf.open_case(
        d["definition"], title=d["title"], numbers=d.get("numbers", []), actor=actor,
        effective=str(d["opened"]) if d.get("opened") else None, case_id=d.get("id"),
    )
    recorded = []
    for i, step in enumerate(d["steps"], 1):
        try:
            if "propose" in step:
                rec = wf.propose(case.id, proposal_of(step["propose"], actor))
            elif "open_linked" in step:
                rec = _open_linked(wf, case.id, step["open_linked"], actor)
            elif "report_urgent" in step:
                rec = wf.report_urgent(case.id, DecisionRef.parse(step["report_urgent"]), actor=actor)
            else:
                rec = wf.advance(case.id, decision_of(step, actor))
        except (InvalidInput, KeyError, TypeError) as e:
            raise InvalidInput(f"{scenario.source}: step {i}: {e}")
        recorded.append(rec)
        case = wf.case(case.id)
    return case, recorded


def _open_linked(wf: Workflow, case_id: str, spec: dict[str, Any], actor: str) -> Recorded:
    _check_keys(spec, {"id", "definition", "title", "numbers", "opened", "relation"})
    relation = spec.get("relation", "related")
    effective = str(spec["opened"]) if spec.get("opened") else None
    if relation == "child":
        wf.open_child(case_id, spec["definition"], title=spec["title"], actor=actor,
                      numbers=spec.get("numbers", []), effective=effective, case_id=spec.get("id"))
    else:
        other = wf.open_case(spec["definition"], title=spec["title"], numbers=spec.get("numbers", []),
                             actor=actor, effective=effective, case_id=spec.get("id"))
        wf.link(case_id, other.id, relation, actor=actor)
    case = wf.case(case_id)
    return Recorded(case, tuple(wf.history(case_id)[-1:]))
