"""Moving open cases to a new version of their definition: the plan, its checks, one entry per case.

A case can run for years while its process changes (a new law, a new step, a
renamed phase).  A migration plan is a small YAML file::

    plan: systemledning-2027            # a name, for the audit entries
    definition: systemledning
    from: 1
    to: 2
    states:                             # every state an open case may be in -> its state in version 2
      pilot: pilot
      reported: evaluation
    due:                                # due dates renamed (or dropped: null); the rest keep their names
      pilot_end: test_period_end

Checked against both versions: every state it names exists where it says,
every due date it renames exists in the old version and its new name in the
new one.  A case in a state the plan does not map cannot move (it is reported,
not guessed); a case in a final state is not migrated.  Each case that moves
gets one audit entry, ``migrated``, naming the plan and the SHA-256 of its
text; replaying the log switches definitions at that entry, so history and
verification stay right across the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.definition import Definition
from workflow.core.errors import DecisionRefused, InvalidInput


@dataclass(frozen=True)
class Plan:
    name: str
    definition: str
    from_version: int
    to_version: int
    states: dict[str, str]
    due: dict[str, str | None] = field(default_factory=dict)
    digest: str = ""
    source: str = ""


def load_plan(text: str, source: str = "<plan>") -> Plan:
    """A plan from its YAML text; :class:`InvalidInput` names what is wrong."""
    import yaml

    from workflow.core.yaml_reader import safe_load

    try:
        data: Any = safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InvalidInput(f"{source}{f':{mark.line + 1}' if mark else ''}: not valid YAML")
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a migration plan is a mapping (plan, definition, from, to, states, due)")
    unknown = set(data) - {"plan", "definition", "from", "to", "states", "due"}
    if unknown:
        raise InvalidInput(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("plan", "definition"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InvalidInput(f"{source}: '{key}' must be a name")
    for key in ("from", "to"):
        if not isinstance(data.get(key), int) or isinstance(data.get(key), bool) or data[key] < 1:
            raise InvalidInput(f"{source}: '{key}' must be a version number (1, 2, ...)")
    if data["from"] == data["to"]:
        raise InvalidInput(f"{source}: 'from' and 'to' are the same version")
    states = data.get("states") or {}
    due = data.get("due") or {}
    if not isinstance(states, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in states.items()):
        raise InvalidInput(f"{source}: 'states' maps each state of version {data['from']} to one of version {data['to']}")
    if not isinstance(due, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str))
                                            for k, v in due.items()):
        raise InvalidInput(f"{source}: 'due' maps a due date's name to its new name, or to null to drop it")
    return Plan(data["plan"].strip(), data["definition"].strip(), data["from"], data["to"], dict(states),
                dict(due), hashlib.sha256(text.encode("utf-8")).hexdigest(), source)


def check_plan(plan: Plan, old: Definition, new: Definition) -> None:
    """The plan against both versions: every name it uses exists where it says."""
    for state, target in plan.states.items():
        if state not in old.states:
            raise InvalidInput(f"{plan.source}: states: {state!r} is not a state of {old.id} v{old.version}")
        if target not in new.states:
            raise InvalidInput(f"{plan.source}: states: {target!r} is not a state of {new.id} v{new.version}")
    for name, renamed in plan.due.items():
        if name not in old.due_kinds:
            raise InvalidInput(f"{plan.source}: due: {name!r} is not a due date of {old.id} v{old.version}")
        if renamed is not None and renamed not in new.due_kinds:
            raise InvalidInput(f"{plan.source}: due: {renamed!r} is not a due date of {new.id} v{new.version}")


@dataclass(frozen=True)
class Move:
    """What migrating one case does, or why it cannot."""

    case_id: str
    label: str
    state: str
    to_state: str | None
    due: dict[str, str | None]
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def plan_case(plan: Plan, old: Definition, new: Definition, case: Case) -> Move:
    """What the plan would do to ``case``: its new state and renamed due dates, or why it cannot move."""
    due = {name: plan.due.get(name, name) for name in case.data.get("due", {})}
    missing = [n for n, target in due.items() if target is not None and target not in new.due_kinds]
    if old.states[case.state].final:
        return Move(case.id, case.label, case.state, None, due, f"in a final state ({case.state}): not migrated")
    if case.state not in plan.states:
        return Move(case.id, case.label, case.state, None, due, f"the plan maps no state {case.state!r}")
    if missing:
        return Move(case.id, case.label, case.state, plan.states[case.state], due,
                    f"due date(s) {', '.join(missing)} have no place in v{new.version}: rename or drop them in the plan")
    return Move(case.id, case.label, case.state, plan.states[case.state], due)


def migrate(plan: Plan, old: Definition, new: Definition, case: Case, actor: str,
            now: dt.datetime) -> tuple[Case, list[Entry]]:
    """The case under the new version, and its one ``migrated`` entry; refused when it cannot move."""
    from workflow.core.engine import chain_entries, stamp

    if case.definition_version != old.version or case.definition_id != old.id:
        raise DecisionRefused(f"case {case.label} is under {case.definition_id} v{case.definition_version}, "
                              f"not v{old.version}")
    move = plan_case(plan, old, new, case)
    if move.problem is not None:
        raise DecisionRefused(f"case {case.label}: {move.problem}")
    entry = Entry(
        case_id=case.id, seq=0, kind="migrated", actor=actor, recorded_at=stamp(now), effective=None, trigger=None,
        from_state=case.state, to_state=move.to_state, reference=None,
        payload={"plan": plan.name, "plan_digest": plan.digest, "from_version": old.version,
                 "to_version": new.version, "due": {k: v for k, v in move.due.items() if v != k}},
    )
    return chain_entries(new, case, [entry])
