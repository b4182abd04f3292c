"""Recorded acts that are not state changes: proposals, delegation, reporting, links, posting.

Each returns the case after the act and its audit entries, like
:func:`workflow.core.engine.decide`; the meaning of each entry kind is in
:mod:`workflow.core.effects`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.decisions import PROPOSAL_OUTCOMES, DecisionRef, PartialDate, Proposal
from workflow.core.definition import Definition
from workflow.core.engine import _text, chain_entries, stamp
from workflow.core.errors import DecisionRefused, InvalidInput, NotFound

RELATIONS = {"parent": "child", "child": "parent", "related": "related"}
"""A link and how it reads from the other case."""


def _entry(case: Case, kind: str, actor: str, now: dt.datetime, payload: dict[str, Any],
           effective: PartialDate | None = None, reference: DecisionRef | None = None) -> Entry:
    return Entry(
        case_id=case.id, seq=0, kind=kind, actor=_text(actor, "actor", required=True),
        recorded_at=stamp(now), effective=str(effective) if effective else None, trigger=None,
        from_state=case.state, to_state=case.state, reference=str(reference) if reference else None,
        payload=payload,
    )


def _known_body(definition: Definition, body: str, what: str) -> None:
    if definition.bodies and body not in definition.bodies:
        raise DecisionRefused(f"unknown body {body!r} {what}; the bodies of {definition.id} are: "
                              f"{', '.join(definition.bodies)}")


def propose(definition: Definition, case: Case, proposal: Proposal, now: dt.datetime) -> tuple[Case, list[Entry]]:
    """Record a proposal ahead of the decision; it stays pending until the body answers it."""
    if definition.states[case.state].final:
        raise DecisionRefused(f"case {case.label} is closed ({case.state}); nothing more can be proposed")
    if not proposal.points:
        raise InvalidInput("a proposal needs at least one point (the step it proposes)")
    _text(proposal.proposer, "proposer", required=True)
    _text(proposal.to_body, "body", required=True)
    _known_body(definition, proposal.to_body, "to propose to")
    if proposal.proposer in definition.bodies:
        proposer = definition.bodies[proposal.proposer]
        if proposer.proposes_to and proposer.proposes_to != proposal.to_body:
            raise DecisionRefused(f"{proposer.id} proposes to {proposer.proposes_to}, not to {proposal.to_body}")
    if proposal.meeting is not None and proposal.date and proposal.meeting.last_day() < proposal.date.first_day():
        raise InvalidInput(f"the meeting {proposal.meeting} is before the proposal's date {proposal.date}")
    for point in proposal.points:
        _text(point.text, "proposal text")
        matches = [t for t in definition.transitions if t.trigger == point.trigger]
        if not matches:
            raise InvalidInput(f"unknown step {point.trigger!r} in proposal; steps: {', '.join(definition.triggers())}")
        if all(t.bodies and proposal.to_body not in t.bodies for t in matches):
            raise DecisionRefused(f"{proposal.to_body} cannot take the step {point.trigger!r}")
        for d in point.due:
            if not any(d.name in t.sets_due for t in matches):
                raise InvalidInput(f"{point.trigger!r} cannot set due date {d.name!r}")
            if proposal.date and d.date.last_day() < proposal.date.first_day():
                raise InvalidInput(f"due date {d.name}={d.date} is before the proposal's date {proposal.date}")
    _text(proposal.document, "document")
    for kind, texts in (("basis document", proposal.basis), ("recipient", proposal.recipients),
                        ("preparer", proposal.preparers)):
        for t in texts:
            _text(t, kind)
    for name, statement in proposal.statements:
        _text(name, "statement name", required=True)
        _text(statement, "statement", required=True)
    number = f"P{sum(1 for _ in case.data.get('proposals', {})) + 1}"
    entry = _entry(case, "proposal", proposal.actor, now, {"id": number, "proposal": proposal.to_json()},
                   effective=proposal.date)
    return chain_entries(definition, case, [entry])


def proposal_outcome(definition: Definition, case: Case, proposal_id: str, reference: DecisionRef,
                     outcome: str, actor: str, now: dt.datetime,
                     next_meeting: PartialDate | None = None) -> tuple[Case, list[Entry]]:
    """A body sends a proposal back (återremiss) or postpones it (bordläggning) instead of deciding."""
    proposal = case.data.get("proposals", {}).get(proposal_id)
    if proposal is None:
        raise NotFound(f"case {case.label} has no proposal {proposal_id!r}")
    if outcome not in ("returned", "postponed"):
        choices = ", ".join(o for o in PROPOSAL_OUTCOMES if o not in ("adopted", "changed"))
        raise InvalidInput(f"outcome must be one of {choices}; adopt a proposal by recording the decision")
    if proposal["status"] not in ("pending", "postponed"):
        raise DecisionRefused(f"proposal {proposal_id} was already {proposal['status']}")
    if reference.body != proposal["to_body"]:
        raise DecisionRefused(f"proposal {proposal_id} goes to {proposal['to_body']}, not {reference.body}")
    payload = {"id": proposal_id, "outcome": outcome, "meeting": str(next_meeting) if next_meeting else None}
    entry = _entry(case, "proposal_outcome", actor, now, payload, effective=reference.date, reference=reference)
    return chain_entries(definition, case, [entry])


def delegate(definition: Definition, case: Case, task: str, to: str, may_subdelegate: bool,
             actor: str, now: dt.datetime, effective: PartialDate | None = None) -> tuple[Case, list[Entry]]:
    """Pass an assigned task on; refused where the right to sub-delegate was not given."""
    assignment = case.data.get("assignments", {}).get(task)
    if assignment is None:
        known = ", ".join(case.data.get("assignments", {})) or "none"
        raise NotFound(f"case {case.label} has no assigned task {task!r} (tasks: {known})")
    holder = assignment["chain"][-1]
    if not holder["may_subdelegate"]:
        raise DecisionRefused(
            f"{holder['holder']} holds {task!r} without the right to sub-delegate (med rätt att vidaredelegera)"
        )
    to = _text(to, "delegate", required=True)
    if to == holder["holder"]:
        raise InvalidInput(f"{to} already holds {task!r}")
    entry = _entry(case, "delegation", actor, now,
                   {"task": task, "from": holder["holder"], "to": to, "may_subdelegate": may_subdelegate},
                   effective=effective)
    return chain_entries(definition, case, [entry])


def report_urgent(definition: Definition, case: Case, reference: DecisionRef, actor: str,
                  now: dt.datetime, which: str | None = None) -> tuple[Case, list[Entry]]:
    """Record that the body was told of its chair's urgent decisions (KL 6 kap. 39 §) at ``reference``."""
    return report_to_body(definition, case, reference, actor, now, which, "urgent")


def report_delegated(definition: Definition, case: Case, reference: DecisionRef, actor: str,
                     now: dt.datetime, which: str | None = None) -> tuple[Case, list[Entry]]:
    """Record that the body was told of decisions taken under its delegation (anmälan av delegationsbeslut)."""
    return report_to_body(definition, case, reference, actor, now, which, "delegated")


def report_to_body(definition: Definition, case: Case, reference: DecisionRef, actor: str, now: dt.datetime,
                   which: str | None, kind: str) -> tuple[Case, list[Entry]]:
    """Decisions taken on a body's behalf (``urgent``: by its chair; ``delegated``: under its delegation
    order), reported to the body at ``reference``; ``which`` names one by its entry number or reference."""
    what = {"urgent": "urgent decision", "delegated": "delegated decision"}[kind]
    open_ = {
        k: u for k, u in case.data.get(kind, {}).items()
        if u["reported"] is None and u["body"] == reference.body and (which is None or which in (k, u["reference"]))
    }
    if not open_:
        raise NotFound(f"case {case.label} has no unreported {what} of {reference.body}"
                       + (f" matching {which!r}" if which else ""))
    entries = []
    for key, taken in sorted(open_.items(), key=lambda kv: int(kv[0])):
        if reference.date.last_day() < PartialDate.parse(taken["date"]).first_day():
            raise InvalidInput(f"{reference} is before the {what} {taken['reference']}")
        entries.append(_entry(case, f"{kind}_reported", actor, now,
                              {kind: key, f"{kind}_reference": taken["reference"]},
                              effective=reference.date, reference=reference))
    return chain_entries(definition, case, entries)


def link(definitions: tuple[Definition, Definition], cases: tuple[Case, Case], relation: str,
         actor: str, now: dt.datetime) -> tuple[tuple[Case, list[Entry]], tuple[Case, list[Entry]]]:
    """Link two cases both ways: ``relation`` is what the second case is to the first."""
    if relation not in RELATIONS:
        raise InvalidInput(f"relation must be one of {', '.join(RELATIONS)}, not {relation!r}")
    a, b = cases
    if a.id == b.id:
        raise InvalidInput("a case cannot be linked to itself")
    if any(link_["case"] == b.id for link_ in a.data.get("links", [])):
        raise DecisionRefused(f"case {a.label} is already linked to {b.label}")
    first = chain_entries(definitions[0], a, [_entry(a, "link", actor, now,
                                                     {"case": b.id, "relation": relation, "title": b.title})])
    second = chain_entries(definitions[1], b, [_entry(b, "link", actor, now,
                                                      {"case": a.id, "relation": RELATIONS[relation], "title": a.title})])
    return first, second


def minutes_posted(definition: Definition, case: Case, reference: DecisionRef, posted: PartialDate,
                   actor: str, now: dt.datetime) -> tuple[Case, list[Entry]]:
    """Record when a decision's approved minutes were posted (anslag), which starts its appeal period."""
    decided = [e for e in case.data.get("appeals", {})]
    if str(reference) in decided:
        raise DecisionRefused(f"the posting of {reference} is already recorded")
    if not posted.is_full:
        raise InvalidInput(f"the posting date {posted} must be a full date YYYY-MM-DD")
    if posted.first_day() < reference.date.first_day():
        raise InvalidInput(f"the minutes cannot be posted ({posted}) before the meeting ({reference.date})")
    entry = _entry(case, "minutes_posted", actor, now, {"reference": str(reference), "posted": str(posted)},
                   effective=posted, reference=reference)
    return chain_entries(definition, case, [entry])
