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
from workflow.case import Case
from workflow.decisions import Decision, DecisionRef, DueSpec, parse_amount
from workflow.errors import InvalidInput

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEMO_SCENARIOS = ("dorotea.yaml", "governo.yaml")

_STEP_KEYS = {
    "trigger", "decision", "proposed_by", "due", "note", "basis", "to", "party", "outcome",
    "urgent", "amount", "ceiling", "statements", "actor",
}


@dataclass(frozen=True)
class Scenario:
    data: dict[str, Any]
    source: str


def load_scenario(path: Path) -> Scenario:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise InvalidInput(f"{path}: cannot read scenario: {e}")
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InvalidInput(f"{path}: a scenario needs definition, title, numbers and steps")
    return Scenario(data, str(path))


def decision_of(step: dict[str, Any], actor: str) -> Decision:
    unknown = set(step) - _STEP_KEYS
    if unknown:
        raise InvalidInput(f"unknown key(s) in step: {', '.join(sorted(unknown))}")
    return Decision(
        trigger=step["trigger"],
        reference=DecisionRef.parse(step["decision"]) if step.get("decision") else None,
        actor=step.get("actor", actor),
        proposed_by=step.get("proposed_by"),
        basis=tuple(step.get("basis", ())),
        recipients=tuple(step.get("to", ())),
        note=step.get("note"),
        due=tuple(DueSpec.parse(d) for d in step.get("due", ())),
        party=step.get("party"),
        outcome=step.get("outcome", "yes"),
        urgent=bool(step.get("urgent", False)),
        amount=parse_amount(step.get("amount")),
        ceiling=parse_amount(step.get("ceiling")),
        statements=tuple(sorted((step.get("statements") or {}).items())),
    )


def replay_scenario(wf: Workflow, scenario: Scenario) -> tuple[Case, list[Recorded]]:
    """Open the scenario's case and record each of its decisions in order."""
    d = scenario.data
    actor = d.get("actor", "kansli")
    case = wf.open_case(
        d["definition"], title=d["title"], numbers=d.get("numbers", []), actor=actor,
        effective=str(d["opened"]) if d.get("opened") else None, case_id=d.get("id"),
    )
    recorded = []
    for i, step in enumerate(d["steps"], 1):
        try:
            rec = wf.advance(case.id, decision_of(step, actor))
        except InvalidInput as e:
            raise InvalidInput(f"{scenario.source}: step {i}: {e}")
        recorded.append(rec)
        case = rec.case
    return case, recorded
