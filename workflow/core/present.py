"""Plain data views of definitions, cases and entries, for JSON output and exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.core import derive
from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.decisions import due_when
from workflow.core.definition import Definition
from workflow.core.engine import Possibility


def definition_json(d: Definition) -> dict[str, Any]:
    return {
        "id": d.id,
        "version": d.version,
        "label": {"sv": d.label.sv, "en": d.label.en},
        "description": d.description,
        "parties": [
            {"id": p.id, "name": p.name, "bodies": [
                {"id": b, "label": {"sv": d.bodies[b].label.sv, "en": d.bodies[b].label.en},
                 "kind": d.bodies[b].kind, "proposes_to": d.bodies[b].proposes_to}
                for b in p.bodies
            ]}
            for p in d.parties.values()
        ],
        "states": [
            {"id": s.id, "label": {"sv": s.label.sv, "en": s.label.en}, "initial": s.initial,
             "final": s.final, "phase": s.phase}
            for s in d.states.values()
        ],
        "transitions": [
            {"trigger": t.trigger, "label": {"sv": t.label.sv, "en": t.label.en},
             "from": list(t.sources), "to": t.dest, "bodies": list(t.bodies), "joint": list(t.joint),
             "on_refusal": t.on_refusal, "requires": sorted(t.requires), "sets_due": list(t.sets_due),
             "closes_due": list(t.closes_due), "guards": list(t.guards),
             "statements": list(t.statements), "roles": list(t.roles)}
            for t in d.transitions
        ],
        "due_dates": [{"id": k.id, "label": {"sv": k.label.sv, "en": k.label.en}} for k in d.due_kinds.values()],
        "source": d.source,
        "digest": d.digest,
    }


def due_rows(case: Case, today: dt.date) -> list[dict[str, Any]]:
    """The case's due dates (its rows of the due-date index, urgent decisions aside), overdue at ``today`` or not."""
    due = case.data.get("due", {})
    return [
        {"name": name, "date": r["date"], "meeting": r["meeting"], "status": r["status"],
         "reference": due[name].get("reference"), "due_on": r["due_on"].isoformat(),
         "overdue": r["status"] == "open" and r["due_on"] < today}
        for name, r in sorted(derive.due_rows(case).items()) if not derive.is_urgent(name)
    ]


def case_json(case: Case, definition: Definition, possible: list[Possibility], today: dt.date,
              entries: list[Entry] | None = None) -> dict[str, Any]:
    """Everything `wf case show` says about a case, as data."""
    from workflow.core.appeal import legal_force

    out = case.to_json()
    state = definition.states.get(case.state)
    out["state_label"] = {"sv": state.label.sv, "en": state.label.en} if state else None
    out["phase"] = state.phase if state else None
    out["final"] = bool(state and state.final)
    out["due_dates"] = due_rows(case, today)
    joint = case.data.get("joint", {})
    out["awaiting"] = [
        {"trigger": trigger, "decided": [{"party": p, **v} for p, v in sorted(parties.items())],
         "awaiting": next((list(p.awaiting) for p in possible if p.trigger == trigger), [])}
        for trigger, parties in sorted(joint.items())
    ]
    out["possible"] = [p.to_json() for p in possible]
    out["proposals"] = [
        {"id": pid, **p} for pid, p in sorted(case.data.get("proposals", {}).items())
    ]
    out["urgent_decisions"] = [
        {"seq": int(k), **u} for k, u in sorted(case.data.get("urgent", {}).items(), key=lambda kv: int(kv[0]))
    ]
    out["assignments"] = list(case.data.get("assignments", {}).values())
    out["links"] = list(case.data.get("links", []))
    out["amounts"] = list(case.data.get("amounts", []))
    out["appeals"] = [
        {"reference": ref, **a, "legal_force": legal_force(dt.date.fromisoformat(a["posted"]), today)}
        for ref, a in sorted(case.data.get("appeals", {}).items())
    ]
    if entries is not None:
        opened = entries[0] if entries and entries[0].kind == "opened" else None
        out["opened"] = opened.effective if opened and opened.effective else case.opened_at[:10]
        out["decisions"] = [
            {"seq": e.seq, "reference": e.reference, "trigger": e.trigger, "from": e.from_state,
             "to": e.to_state, "party": (e.payload.get("joint") or {}).get("party"),
             "outcome": e.payload.get("outcome"), "urgent": bool(e.payload.get("urgent")),
             "proposed_by": e.payload.get("proposed_by")}
            for e in entries if e.kind == "decision"
        ]
    return out


def entry_summary(e: Entry) -> str:
    """One line saying what an entry did."""
    p = e.payload
    if e.kind == "opened":
        return "case opened: " + p.get("title", "")
    if e.kind == "decision":
        text = f"{e.trigger}: {e.from_state} -> {e.to_state}"
        joint = p.get("joint")
        if joint:
            if p.get("outcome") == "no":
                text += f" ({joint['party']} said no)"
            elif joint["awaiting"]:
                text = f"{e.trigger}: {joint['party']} decided; awaiting {', '.join(joint['awaiting'])}"
            else:
                text += f" ({joint['party']} decided last)"
        if p.get("amount"):
            text += f"; {p['amount']} SEK" + (f" (ceiling {p['ceiling']})" if p.get("ceiling") else "")
        if p.get("urgent"):
            text += "; urgent decision by the chair"
        for a in p.get("assign") or ():
            text += f"; assigns {a['task']} to {a['assignee']}" + (" (may sub-delegate)" if a["may_subdelegate"] else "")
        if p.get("proposal"):
            text += f"; {p['proposal']['outcome']} proposal {p['proposal']['id']}"
        return text
    if e.kind == "due":
        old, new = p.get("old"), p.get("new")
        def fmt(x: dict[str, Any] | None) -> str:
            if not x:
                return "-"
            return due_when(x["date"], x.get("meeting"))
        if p["action"] == "met":
            return f"due date {p['name']} met (was {fmt(old)})"
        if p["action"] == "moved":
            return f"due date {p['name']} moved {fmt(old)} -> {fmt(new)}"
        return f"due date {p['name']} set to {fmt(new)}"
    if e.kind == "note":
        return "note: " + p.get("note", "")
    if e.kind == "proposal":
        prop = p["proposal"]
        meeting = f" at its meeting {prop['meeting']}" if prop.get("meeting") else ""
        steps = ", ".join(pt["trigger"] for pt in prop["points"])
        return f"proposal {p['id']} by {prop['proposer']} to {prop['to_body']}{meeting}: {steps}"
    if e.kind == "proposal_outcome":
        words = {"returned": "sent back (återremiss)", "postponed": "postponed (bordläggning)"}
        return f"proposal {p['id']} {words.get(p['outcome'], p['outcome'])}"
    if e.kind == "delegation":
        right = " with the right to sub-delegate" if p["may_subdelegate"] else ""
        return f"task {p['task']} sub-delegated by {p['from']} to {p['to']}{right}"
    if e.kind == "urgent_reported":
        return f"urgent decision {p['urgent_reference']} reported to the body"
    if e.kind == "link":
        return f"linked: {p['relation']} case {p['case']} {p.get('title', '')}".rstrip()
    if e.kind == "minutes_posted":
        return f"minutes of {p['reference']} posted {p['posted']}"
    return e.kind
