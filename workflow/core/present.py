"""Plain data views of definitions, cases and entries, for JSON output and exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.core import derive
from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.definition import Definition
from workflow.core.engine import Possibility
from workflow.i18n import format_amount, format_date, language, t


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


def genitive(name: str, lang: str | None = None) -> str:
    """``HSN:s`` / ``HSN's``: the possessive of a body's or party's name."""
    if language(lang) == "en":
        return f"{name}'s"
    if name[-1:].isupper() or name[-1:].isdigit():
        return f"{name}:s"  # an abbreviation: HSN:s, HSN-AU:s
    return name if name[-1:].lower() in "sxz" else f"{name}s"


def due_text(date: str, meeting: str | None, lang: str | None = None, *, prose: bool = True) -> str:
    """How a due date reads: ``september 2027``, ``HSN:s sammanträde i december 2023``; with
    ``prose=False`` (a table's column) the date stays as recorded (``HSN:s sammanträde 2023-12``)."""
    when = format_date(date, lang) if prose else date
    if not meeting:
        return when
    whose = genitive(meeting, lang)
    if not prose:
        return t("{whose} meeting {date}", lang, whose=whose, date=when)
    if len(date) == 10:
        return t("{whose} meeting on {date}", lang, whose=whose, date=when)
    return t("{whose} meeting in {date}", lang, whose=whose, date=when)


def state_label(d: Definition | None, state: str | None, lang: str | None = None) -> str:
    """A state's label in the language, its id when the definition does not know it."""
    s = d.states.get(state) if d is not None and state else None
    return s.label.get(language(lang)) if s else (state or "")


def step_label(d: Definition | None, trigger: str | None, lang: str | None = None) -> str:
    """A step's (trigger's) label, its id when the definition does not know it."""
    for tr in d.transitions if d is not None else ():
        if tr.trigger == trigger:
            return tr.label.get(language(lang))
    return trigger or ""


def due_label(d: Definition | None, name: str, lang: str | None = None) -> str:
    """A due date's label (``Återrapportering``); its id when the definition does not know it."""
    kind = d.due_kinds.get(name) if d is not None else None
    return kind.label.get(language(lang)) if kind else name


def task_label(d: Definition | None, task: str, lang: str | None = None) -> str:
    """An assigned task by the phase (state) it runs, else its due date; its id if neither is known."""
    if d is not None and task in d.states:
        return state_label(d, task, lang)
    return due_label(d, task, lang)


def party_name(d: Definition | None, party: str | None) -> str:
    return d.parties[party].name if d is not None and party and party in d.parties else (party or "")


def statement_label(d: Definition | None, name: str, lang: str | None = None) -> str:
    st = d.statements.get(name) if d is not None else None
    return st.label.get(language(lang)) if st else name


def amount_text(amount: Any, ceiling: Any = None, lang: str | None = None) -> str:
    """``1 800 000 kr (högst 1 800 000 kr)``: an amount granted and its ceiling, for people."""
    text = format_amount(amount, lang)
    if ceiling:
        text += t(" (ceiling {ceiling})", lang, ceiling=format_amount(ceiling, lang))
    return text


def relation_text(relation: str, lang: str | None = None) -> str:
    """What a linked case is to this one."""
    words = {"related": t("related case", lang), "child": t("child case", lang), "parent": t("parent case", lang)}
    return words.get(relation, relation)


def proposal_status(status: str, lang: str | None = None) -> str:
    words = {"pending": t("pending", lang), "postponed": t("postponed (bordläggning)", lang),
             "returned": t("sent back (återremiss)", lang), "adopted": t("adopted", lang),
             "changed": t("adopted with changes", lang)}
    return words.get(status, status)


def statements_of(entries: list[Entry]) -> dict[int, dict[str, str]]:
    """The statements (``--statement``) each decision entry carries, by its sequence number."""
    return {e.seq: dict(e.payload["statements"]) for e in entries
            if e.kind == "decision" and e.payload.get("statements")}


def entry_summary(e: Entry, definition: Definition | None = None, lang: str | None = None) -> str:
    """One line saying what an entry did, with the definition's labels when it is given."""
    d = definition
    p = e.payload
    if e.kind == "opened":
        return t("case opened: {title}", lang, title=p.get("title", ""))
    if e.kind == "decision":
        step = step_label(d, e.trigger, lang)
        text = t("{step}: {before} -> {after}", lang, step=step, before=state_label(d, e.from_state, lang),
                 after=state_label(d, e.to_state, lang))
        joint = p.get("joint")
        if joint:
            party = party_name(d, joint["party"])
            if p.get("outcome") == "no":
                text += t(" ({party} said no)", lang, party=party)
            elif joint["awaiting"]:
                text = t("{step}: {party} decided; awaiting {others}", lang, step=step, party=party,
                         others=", ".join(party_name(d, x) for x in joint["awaiting"]))
            else:
                text += t(" ({party} decided last)", lang, party=party)
        if p.get("amount"):
            text += "; " + amount_text(p["amount"], p.get("ceiling"), lang)
        if p.get("urgent"):
            text += t("; urgent decision by the chair", lang)
        for a in p.get("assign") or ():
            text += t("; assigns {task} to {assignee}", lang, task=task_label(d, a["task"], lang),
                      assignee=a["assignee"])
            if a["may_subdelegate"]:
                text += t(" (may sub-delegate)", lang)
        for name, said in (p.get("statements") or {}).items():
            text += f"; {statement_label(d, name, lang)}: {said}"
        if p.get("proposal"):
            text += t("; proposal {id} {outcome}", lang, id=p["proposal"]["id"],
                      outcome=proposal_status(p["proposal"]["outcome"], lang))
        return text
    if e.kind == "due":
        old, new = p.get("old"), p.get("new")

        def when(x: dict[str, Any] | None) -> str:
            return due_text(x["date"], x.get("meeting"), lang) if x else "-"

        due = due_label(d, p["name"], lang)
        if p["action"] == "met":
            return t("{due}: met (was due {old})", lang, due=due, old=when(old))
        if p["action"] == "moved":
            return t("{due}: moved from {old} to {new}", lang, due=due, old=when(old), new=when(new))
        return t("{due}: set to {new}", lang, due=due, new=when(new))
    if e.kind == "note":
        return t("note: {text}", lang, text=p.get("note", ""))
    if e.kind == "proposal":
        prop = p["proposal"]
        steps = ", ".join(step_label(d, pt["trigger"], lang) for pt in prop["points"])
        if prop.get("meeting"):
            return t("proposal {id} by {proposer} to {body} for its meeting {meeting}: {steps}", lang, id=p["id"],
                     proposer=prop["proposer"], body=prop["to_body"], meeting=format_date(prop["meeting"], lang),
                     steps=steps)
        return t("proposal {id} by {proposer} to {body}: {steps}", lang, id=p["id"], proposer=prop["proposer"],
                 body=prop["to_body"], steps=steps)
    if e.kind == "proposal_outcome":
        return t("proposal {id} {outcome}", lang, id=p["id"], outcome=proposal_status(p["outcome"], lang))
    if e.kind == "delegation":
        task = task_label(d, p["task"], lang)
        if p["may_subdelegate"]:
            return t("task {task} sub-delegated by {giver} to {taker} with the right to sub-delegate", lang,
                     task=task, giver=p["from"], taker=p["to"])
        return t("task {task} sub-delegated by {giver} to {taker}", lang, task=task, giver=p["from"], taker=p["to"])
    if e.kind == "urgent_reported":
        return t("urgent decision {reference} reported to the body", lang, reference=p["urgent_reference"])
    if e.kind == "link":
        return t("linked: {relation} {case} {title}", lang, relation=relation_text(p["relation"], lang),
                 case=p["case"], title=p.get("title", "")).rstrip()
    if e.kind == "minutes_posted":
        return t("minutes of {reference} posted {date}", lang, reference=p["reference"],
                 date=format_date(p["posted"], lang))
    return t("entry of kind {kind}", lang, kind=e.kind)
