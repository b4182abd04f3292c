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
    Decision,
    DecisionRef,
    Proposal,
)
from workflow.core.errors import InvalidInput

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEMO_SCENARIOS = ("dorotea.yaml", "governo.yaml")



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


def decision_of(step: dict[str, Any], actor: str) -> Decision:
    """A step's decision: its keys are the decision fields' (``decision``, ``basis``, ``to`` ...)."""
    return Decision.from_mapping(step, actor=actor)


def proposal_of(spec: dict[str, Any], actor: str) -> Proposal:
    return Proposal.from_mapping(spec, actor=actor)


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
            key = f" (key {e.field!r})" if isinstance(e, InvalidInput) and e.field else ""
            raise InvalidInput(f"{scenario.source}: step {i}{key}: {e}")
        recorded.append(rec)
        case = wf.case(case.id)
    return case, recorded


def _open_linked(wf: Workflow, case_id: str, spec: dict[str, Any], actor: str) -> Recorded:
    unknown = set(spec) - {"id", "definition", "title", "numbers", "opened", "relation"}
    if unknown:
        raise InvalidInput(f"unknown key(s) in open_linked: {', '.join(sorted(unknown))}")
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
