"""The rules: what can happen to a case now, and what a decision does to it.

Pure functions over a definition, a case and a decision; no I/O.  A decision
becomes one or more audit entries, and the case after it is always computed by
applying those entries with :func:`apply` -- the same function that replays a
log -- so the stored state cannot drift from what the log says.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from workflow.core.audit import GENESIS, Entry
from workflow.core.case import Case, DiaryNumber
from workflow.core.decisions import Decision, PartialDate
from workflow.core.definition import Definition, Transition
from workflow.core.effects import APPLY, close_due, empty_data
from workflow.core.errors import (
    BodyNotAllowed,
    DecisionRefused,
    InvalidInput,
    MissingRequirement,
    NotFound,
    ReplayError,
    TransitionNotAllowed,
    UnknownName,
    WorkflowError,
)
from workflow.core.fields import requirement_field
from workflow.core.limits import check_optional, check_text
from workflow.core.machine import machine_for


@dataclass(frozen=True)
class Possibility:
    """A trigger possible now, and what recording it needs."""

    trigger: str
    label_sv: str
    label_en: str
    to_state: str
    bodies: tuple[str, ...]
    requires: tuple[str, ...]
    sets_due: tuple[str, ...]
    statements: tuple[str, ...]
    guards: tuple[str, ...]
    joint: tuple[str, ...]
    decided: tuple[str, ...]
    awaiting: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def stamp(now: dt.datetime) -> str:
    """The entered-at timestamp: UTC, ISO 8601, microseconds."""
    if now.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return now.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _infer_party(definition: Definition, number: str) -> str | None:
    for body in definition.bodies.values():
        if number.upper().startswith(body.id.upper()):
            return body.party
    return None


def open_case(
    definition: Definition,
    *,
    case_id: str,
    title: str,
    numbers: Iterable[DiaryNumber],
    actor: str,
    now: dt.datetime,
    effective: PartialDate | None = None,
    parties: Iterable[str] | None = None,
    request_id: str | None = None,
    recorded_by: str | None = None,
) -> tuple[Case, list[Entry]]:
    """A new case in the initial state, and its ``opened`` entry (entered by ``recorded_by``)."""
    check_text("case id", case_id, strip=False)
    title = _text(title, "title", required=True)
    actor = _text(actor, "actor", required=True)
    check_optional("request id", request_id, strip=False)
    nums = []
    for n in numbers:
        number = _text(n.number, "diary number", required=True)
        party = check_optional("party", n.party, strip=False) or _infer_party(definition, number)
        if party is not None and definition.parties and party not in definition.parties:
            raise UnknownName("party", party, definition.parties, where=f"for diary number {number!r}")
        nums.append(DiaryNumber(number, party))
    if len({n.number for n in nums}) != len(nums):
        raise InvalidInput("the same diary number is given twice")
    taking_part = list(parties) if parties is not None else list(definition.parties)
    for p in taking_part:
        check_text("party", p, strip=False)
        if p not in definition.parties:
            raise UnknownName("party", p, definition.parties)
    payload = {
        "definition": definition.id,
        "definition_version": definition.version,
        "title": title,
        "numbers": [n.to_json() for n in nums],
        "parties": taking_part,
    }
    entry = Entry(
        case_id=case_id, seq=1, kind="opened", actor=actor, recorded_at=stamp(now),
        effective=str(effective) if effective else None, trigger=None, from_state=None,
        to_state=definition.initial.id, reference=None, payload=payload, request_id=request_id,
        prev_hash=GENESIS,
    ).chained(1, GENESIS, recorded_by)
    empty = Case(case_id, definition.id, definition.version, "", "")
    return apply(definition, empty, entry), [entry]


def possibilities(definition: Definition, case: Case) -> list[Possibility]:
    """What can happen to ``case`` now, in definition order."""
    out = []
    for trigger in machine_for(definition).triggers(case.state):
        t = definition.transition(case.state, trigger)
        assert t is not None
        decided = tuple(sorted(case.data.get("joint", {}).get(trigger, {})))
        out.append(Possibility(
            trigger=t.trigger, label_sv=t.label.sv, label_en=t.label.en,
            to_state=case.state if t.dest == "=" else t.dest, bodies=t.bodies,
            requires=tuple(sorted(t.requires)), sets_due=t.sets_due, statements=t.statements,
            guards=t.guards, joint=t.joint, decided=decided,
            awaiting=tuple(p for p in t.joint if p not in decided),
        ))
    return out


def _text(value: str | None, kind: str, *, required: bool = False, field: str | None = None) -> str:
    """A text of a kind of :mod:`workflow.core.limits`, stripped: ``""`` when not given (unless required);
    blank, overlong or unprintable text is refused."""
    if value is None or value == "":
        if required:
            raise InvalidInput(f"missing {kind}", field=field)
        return ""
    return check_text(kind, value, field)


def _check_texts(decision: Decision) -> str:
    """The decision's texts as they will be stored, checked against their kinds' limits as its fields'
    readers check them (a Decision can be built directly, without them); the actor, stripped."""
    actor = _text(decision.actor, "actor", required=True)
    ref = decision.reference
    texts: tuple[tuple[str, str, tuple[str | None, ...]], ...] = (
        ("reference", "decision reference", (str(ref) if ref else None,)),
        ("note", "note", (decision.note,)),
        ("basis", "basis document", decision.basis),
        ("recipients", "recipient", decision.recipients),
        ("proposed_by", "proposer", (decision.proposed_by,)),
        ("party", "party", (decision.party,)),
        ("due", "due date name", tuple(d.name for d in decision.due)),
        ("due", "meeting", tuple(d.meeting for d in decision.due)),
        ("statements", "statement name", tuple(name for name, _t in decision.statements)),
        ("statements", "statement", tuple(t for _n, t in decision.statements)),
        ("proposal", "proposal", (decision.proposal,)),
        ("agenda_item", "agenda item", (decision.agenda_item,)),
        ("request_id", "request id", (decision.request_id,)),
    )
    for field, kind, values in texts:
        for v in values:
            check_optional(kind, v, field, strip=False)
    if decision.outcome not in ("yes", "no"):
        raise InvalidInput(f"outcome must be 'yes' or 'no', not {decision.outcome!r}", field="outcome")
    return actor


def _check_requirements(definition: Definition, t: Transition, decision: Decision) -> None:
    """What the step ``requires:``, each requirement checked through the field that supplies it."""
    for requirement in sorted(t.requires):
        f = requirement_field(requirement)
        if not f.given(getattr(decision, f.name)):
            raise MissingRequirement(t.trigger, requirement, f.needs, field=f.name)
    for name in t.statements:
        if not dict(decision.statements).get(name):
            label = definition.statements[name].label.sv
            raise MissingRequirement(t.trigger, "statement", f"the statement {name!r} ({label})", field="statements")


def _check_dates(case: Case, decision: Decision, today: dt.date, opened: PartialDate | None) -> None:
    """A decision dated after today, or before its case was opened without saying so, is a typing error."""
    ref = decision.reference
    if ref is None:
        return
    if ref.date.first_day() > today:
        raise InvalidInput(f"the decision {ref} is dated after today ({today.isoformat()})", field="reference")
    if opened is not None and ref.date.last_day() < opened.first_day() and not decision.before_opening:
        raise InvalidInput(
            f"the decision {ref} is dated before case {case.label} was opened ({opened}); "
            "say that it was taken before the case was opened if it was", field="before_opening")


def _check_extras(case: Case, t: Transition, decision: Decision) -> None:
    """Amounts, assignments, the proposal answered, urgency."""
    if decision.amount is not None and decision.ceiling is not None and decision.amount > decision.ceiling:
        raise InvalidInput(f"the amount {decision.amount} SEK is over its ceiling {decision.ceiling} SEK",
                           field="amount")
    if decision.ceiling is not None and decision.amount is None:
        raise InvalidInput("a ceiling needs the amount granted under it", field="amount")
    for a in decision.assign:
        _text(a.task, "task", required=True, field="assign")
        _text(a.assignee, "assignee", required=True, field="assign")
        if a.task in case.data.get("assignments", {}):
            raise DecisionRefused(f"task {a.task!r} is already assigned; name the new task differently",
                                  field="assign")
    if len({a.task for a in decision.assign}) != len(decision.assign):
        raise InvalidInput("the same task is assigned twice in one decision", field="assign")
    if decision.urgent and decision.reference is None:
        raise InvalidInput("an urgent decision needs the body it was taken for and its date", field="reference")
    if decision.delegated and decision.reference is None:
        raise InvalidInput("a delegated decision needs the body whose delegation it was taken under, and its date",
                           field="reference")
    if decision.delegated and decision.urgent:
        raise InvalidInput("a decision is taken by the chair (urgent) or under delegation, not both", field="delegated")
    if decision.proposal is not None:
        proposal = case.data.get("proposals", {}).get(decision.proposal)
        if proposal is None:
            raise NotFound(f"case {case.label} has no proposal {decision.proposal!r}", field="proposal")
        if proposal["status"] not in ("pending", "postponed"):
            if not (proposal["status"] in ("adopted", "changed") and decision.proposal_outcome in ("adopted", "changed")):
                raise DecisionRefused(f"proposal {decision.proposal} was already {proposal['status']}",
                                      field="proposal")
        if t.trigger not in [pt["trigger"] for pt in proposal["points"]]:
            raise DecisionRefused(f"proposal {decision.proposal} does not propose {t.trigger!r}", field="proposal")
        if decision.proposal_outcome not in ("adopted", "changed"):
            raise InvalidInput(
                "a decision adopts a proposal ('adopted') or adopts it changed ('changed'); a proposal sent "
                "back (återremiss) or postponed (bordläggning) is recorded as the proposal's outcome",
                field="proposal_outcome")


def _check_body(definition: Definition, t: Transition, decision: Decision) -> str | None:
    """The deciding party, after checking the body may take this decision."""
    if decision.reference is None:
        return decision.party
    body = decision.reference.body
    if definition.bodies and body not in definition.bodies:
        raise UnknownName("body", body, definition.bodies, where=f"in the decision reference ({definition.id})",
                          field="reference")
    if t.bodies and body not in t.bodies:
        raise BodyNotAllowed(body, t.trigger, t.bodies)
    party = definition.bodies[body].party if body in definition.bodies else decision.party
    if decision.party and party and decision.party != party:
        raise DecisionRefused(f"{body} is a body of {party!r}, not of {decision.party!r}", field="party")
    return party


def _joint(case: Case, t: Transition, decision: Decision, party: str | None) -> dict[str, Any] | None:
    """Where a joint decision stands after this party's answer, or ``None`` for a step taken by one body."""
    if not t.joint:
        if decision.outcome == "no":
            raise InvalidInput("only a party of a joint decision can decide 'no'; record the refusal's own step",
                               field="outcome")
        return None
    decided = case.data.get("joint", {}).get(t.trigger, {})
    if party is None or party not in t.joint:
        raise DecisionRefused(
            f"{t.trigger!r} is a joint decision of {', '.join(t.joint)}; "
            f"say which party decides with a body of that party", field="party")
    if party in decided:
        raise DecisionRefused(f"{party} has already decided {t.trigger!r} ({decided[party]['reference']})",
                              field="party")
    if decision.outcome == "no" and t.on_refusal is None:
        raise DecisionRefused(f"{t.trigger!r} names no state for a refusal (on_refusal)", field="outcome")
    awaiting = [p for p in t.joint if p != party and p not in decided]
    return {"party": party, "decided": sorted([*decided, party]), "awaiting": awaiting}


def _due_entry(decision: Entry, payload: dict[str, Any]) -> Entry:
    """A ``due`` entry drafted beside a decision's: in the state the decision leads to, without its request id.

    Built directly: :func:`dataclasses.replace` costs several times as much.
    """
    return Entry(decision.case_id, 0, "due", decision.actor, decision.recorded_at, decision.effective,
                 decision.trigger, decision.to_state, decision.to_state, decision.reference, payload, None)


def _due_entries(
    definition: Definition, t: Transition, current: dict[str, Any], decision: Decision, base: Entry
) -> list[Entry]:
    out = []
    decided_on = decision.reference.date if decision.reference else None
    for spec in decision.due:
        if spec.name not in t.sets_due:
            raise UnknownName("due date", spec.name, t.sets_due, where=f"for {t.trigger!r}", field="due")
        if spec.meeting and definition.bodies and spec.meeting not in definition.bodies:
            raise UnknownName("body", spec.meeting, definition.bodies, where=f"in due date {spec.name!r}",
                              field="due")
        if decided_on and spec.date.last_day() < decided_on.first_day():
            raise InvalidInput(f"due date {spec.name}={spec.date} is before the decision date {decided_on}",
                               field="due")
        old = current.get(spec.name)
        action = "moved" if old and old.get("status") == "open" else "set"
        if old and action == "moved" and old["date"] == str(spec.date) and old.get("meeting") == spec.meeting:
            continue
        out.append(_due_entry(base, {
            "name": spec.name, "action": action,
            "old": {"date": old["date"], "meeting": old.get("meeting")} if old and action == "moved" else None,
            "new": {"date": str(spec.date), "meeting": spec.meeting},
        }))
    return out


def decide(definition: Definition, case: Case, decision: Decision, now: dt.datetime,
           opened: PartialDate | None = None, recorded_by: str | None = None) -> tuple[Case, list[Entry]]:
    """Check ``decision`` against the rules and return the case after it, with its entries.

    ``opened`` is the day the case was opened, when the decision may be dated
    before it (the caller reads it only then).  ``recorded_by`` is who enters
    it, as authenticated: the entries are sealed with it, once.  Raises without side effects
    when the decision is refused; nothing is returned half-done.  Which state
    the step leads to -- the next one, the same one while a joint decision
    awaits a party, the refusal state on a party's no -- is the machine's call.
    """
    t = definition.transition(case.state, decision.trigger)
    if t is None:
        raise TransitionNotAllowed(case.label, decision.trigger, case.state,
                                   [p.trigger for p in possibilities(definition, case)])
    actor = _check_texts(decision)
    _check_requirements(definition, t, decision)
    _check_dates(case, decision, now.date(), opened)
    party = _check_body(definition, t, decision)
    _check_extras(case, t, decision)
    joint_payload = _joint(case, t, decision, party)
    dest = machine_for(definition).fire(
        case, decision, awaiting=bool(joint_payload and joint_payload["awaiting"]))

    payload = decision.to_json()
    payload["actor"] = actor
    if joint_payload is not None:
        payload["joint"] = joint_payload
    ref = decision.reference
    base = Entry(
        case_id=case.id, seq=0, kind="decision", actor=actor, recorded_at=stamp(now),
        effective=str(ref.date) if ref else None, trigger=t.trigger, from_state=case.state,
        to_state=dest, reference=str(ref) if ref else None, payload=payload,
        request_id=decision.request_id,
    )
    drafts = [base]
    current = dict(case.data.get("due", {}))
    if dest != case.state or not t.joint:
        for name in t.closes_due:
            due = current.get(name)
            if due and due.get("status") == "open":
                drafts.append(_due_entry(base, {
                    "name": name, "action": "met",
                    "old": {"date": due["date"], "meeting": due.get("meeting")}, "new": None,
                }))
                current[name] = {**due, "status": "met"}
    drafts += _due_entries(definition, t, current, decision, base)
    return chain_entries(definition, case, drafts, recorded_by)


def note(definition: Definition, case: Case, text: str, actor: str, now: dt.datetime,
         recorded_by: str | None = None) -> tuple[Case, list[Entry]]:
    """A note on the case, entered in the log like everything else."""
    body = _text(text, "note", required=True)
    entry = Entry(
        case_id=case.id, seq=0, kind="note", actor=_text(actor, "actor", required=True),
        recorded_at=stamp(now), effective=None, trigger=None, from_state=case.state,
        to_state=case.state, reference=None, payload={"note": body},
    )
    return chain_entries(definition, case, [entry], recorded_by)


def chain_entries(definition: Definition, case: Case, drafts: list[Entry],
                  recorded_by: str | None = None) -> tuple[Case, list[Entry]]:
    """The drafts numbered and chained after the case's head, sealed once (entered by ``recorded_by``)."""
    sealed = []
    prev, seq = case.head_hash or GENESIS, case.head_seq
    for d in drafts:
        seq += 1
        e = d.chained(seq, prev, recorded_by)
        sealed.append(e)
        prev = e.hash
    return apply_all(definition, case, sealed), sealed


def _copied(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), several times faster than ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {k: _copied(v) for k, v in value.items()}
    if kind is list:
        return [_copied(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def apply(definition: Definition, case: Case, entry: Entry) -> Case:
    """The case after one entry; ``case`` itself is left as it was."""
    return _apply(definition, case, entry, _copied(case.data))


def apply_all(definition: Definition, case: Case, entries: Iterable[Entry]) -> Case:
    """The case after several entries, copying its data once rather than per entry."""
    data = _copied(case.data)
    for e in entries:
        case = _apply(definition, case, e, data)
        data = case.data
    return case


def _apply(definition: Definition, case: Case, entry: Entry, data: dict[str, Any]) -> Case:
    """States are checked here; what each entry kind does to ``data`` (changed in place) is in :mod:`workflow.core.effects`."""
    if entry.seq != case.head_seq + 1:
        raise ReplayError(f"case {case.id}: entry {entry.seq} out of order (after {case.head_seq})")
    p = entry.payload
    if entry.kind == "opened":
        new = Case(
            id=entry.case_id, definition_id=p["definition"],
            definition_version=p["definition_version"], state=entry.to_state or "",
            title=p["title"], numbers=[DiaryNumber(n["number"], n.get("party")) for n in p["numbers"]],
            data=empty_data(list(p["parties"])), opened_at=entry.recorded_at,
        )
    else:
        if entry.from_state != case.state:
            raise ReplayError(
                f"case {case.id}: entry {entry.seq} starts from {entry.from_state!r} "
                f"but the case is in {case.state!r}"
            )
        if entry.to_state not in definition.states:
            raise ReplayError(f"case {case.id}: entry {entry.seq} leads to unknown state {entry.to_state!r}")
        effect = APPLY.get(entry.kind)
        if effect is None:
            raise ReplayError(f"case {case.id}: entry {entry.seq} has unknown kind {entry.kind!r}")
        try:
            effect(data, entry)
        except (KeyError, TypeError, ValueError, WorkflowError) as e:
            raise ReplayError(f"case {case.id}: entry {entry.seq} ({entry.kind}) cannot be applied: {e!r}")
        if entry.to_state != case.state and definition.states[entry.to_state or case.state].final:
            close_due(data)  # nothing more is due in a closed, withdrawn or rejected case
        # A migration moves the case to another version of its definition (workflow.core.migration).
        version = p["to_version"] if entry.kind == "migrated" else case.definition_version
        # Built directly rather than with dataclasses.replace, which costs several times as much.
        return Case(case.id, case.definition_id, version, entry.to_state or case.state, case.title,
                    case.numbers, data, entry.seq, case.opened_at, entry.recorded_at, entry.seq, entry.hash)
    return replace(new, version=entry.seq, head_seq=entry.seq, head_hash=entry.hash, updated_at=entry.recorded_at)


def replay(definition: Definition, entries: Iterable[Entry],
           versions: Callable[[int], Definition] | None = None) -> Case:
    """The case as its log says it is.

    ``versions`` gives the definition of a version: the log is then replayed
    under the version it was opened with, and under the next one from each
    migration on (a case that lived through a change of its process).
    """
    if versions is None:
        return apply_all(definition, Case("", definition.id, definition.version, "", ""), entries)
    case = Case("", definition.id, definition.version, "", "")
    current = definition
    data: dict[str, Any] = {}
    for e in entries:
        if e.kind == "opened" and e.payload.get("definition_version") != current.version:
            current = versions(int(e.payload["definition_version"]))
        elif e.kind == "migrated":
            current = versions(int(e.payload["to_version"]))
        case = _apply(current, case, e, data if e.kind != "opened" else {})
        data = case.data
    return case
