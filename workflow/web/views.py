"""What a page shows, gathered from the facade into plain values in the reader's language.

The templates only lay these out; the words come from the definitions' labels
and the message catalogues (:mod:`workflow.core.present` says each thing the
way ``wf case show`` does).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workflow.core import engine
from workflow.core import present as p
from workflow.i18n import format_date, t

if TYPE_CHECKING:
    from workflow.core.case import Case
    from workflow.core.definition import Definition
    from workflow.web.facade import WebWorkflow


def definition_choices(wf: "WebWorkflow", lang: str) -> list[tuple[str, str]]:
    return [(d.id, d.label.get(lang)) for d in wf.definitions()]


def state_choices(wf: "WebWorkflow", lang: str, definition: str | None) -> list[tuple[str, str]]:
    """The states to filter by: the chosen process's, else every process's (by label, once)."""
    seen: dict[str, str] = {}
    for d in wf.definitions():
        if definition and d.id != definition:
            continue
        for s in d.states.values():
            seen.setdefault(s.id, s.label.get(lang))
    return sorted(seen.items(), key=lambda kv: kv[1])


def body_choices(wf: "WebWorkflow", lang: str) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for d in wf.definitions():
        for b in d.bodies.values():
            seen.setdefault(b.id, f"{b.id} ({b.label.get(lang)})")
    return sorted(seen.items())


def case_row(wf: "WebWorkflow", c: "Case", today: dt.date, lang: str) -> dict[str, Any]:
    """One line of the case list."""
    d = wf.definition_of(c)
    dues = [x for x in p.due_rows(c, today) if x["status"] == "open"]
    nxt = min(dues, key=lambda x: x["due_on"]) if dues else None
    return {
        "id": c.id, "numbers": [n.number for n in c.numbers], "title": c.title,
        "process": d.label.get(lang), "state": p.state_label(d, c.state, lang),
        "next_due": (f"{p.due_label(d, nxt['name'], lang)}: {p.due_text(nxt['date'], nxt['meeting'], lang)}"
                     if nxt else ""),
        "overdue": bool(nxt and nxt["overdue"]),
    }


def case_view(wf: "WebWorkflow", c: "Case", today: dt.date, lang: str) -> dict[str, Any]:
    """Everything the case page shows."""
    d = wf.definition_of(c)
    entries = wf.history(c)
    possible = engine.possibilities(d, c)
    view = p.case_json(c, d, possible, today, entries)
    status = {"open": t("open", lang), "met": t("met", lang), "closed": t("closed", lang)}
    out: dict[str, Any] = {
        "case": c, "definition": d, "process": f"{d.label.get(lang)} ({d.id} v{d.version})",
        "numbers": [(n.number, p.party_name(d, n.party) if n.party else "") for n in c.numbers],
        "state": p.state_label(d, c.state, lang), "final": view["final"],
        "phase": p.state_label(d, view["phase"], lang) if view.get("phase") and view["phase"] != c.state else "",
        "opened": format_date(view.get("opened") or c.opened_at[:10], lang),
        "updated": format_date(c.updated_at[:10], lang),
        "parties": [p.party_name(d, x) for x in c.data.get("parties", [])],
        "due": [{"what": p.due_label(d, r["name"], lang), "when": p.due_text(r["date"], r["meeting"], lang),
                 "status": t("OVERDUE", lang) if r["overdue"] else status.get(r["status"], r["status"]),
                 "overdue": r["overdue"], "reference": r["reference"] or ""} for r in view["due_dates"]],
        "awaiting": [{"step": p.step_label(d, j["trigger"], lang),
                      "decided": ", ".join(f"{p.party_name(d, x['party'])} ({x['reference']})" for x in j["decided"]),
                      "awaiting": ", ".join(p.party_name(d, x) for x in j["awaiting"]) or t("nobody", lang)}
                     for j in view["awaiting"]],
        "proposals": [_proposal(d, x, lang) for x in view["proposals"]],
        "urgent": [{"reference": u["reference"], "step": p.step_label(d, u["trigger"], lang),
                    "reported": u["reported"] or ""} for u in view["urgent_decisions"]],
        "assignments": [{"task": p.task_label(d, a["task"], lang), "by": f"{a['body']} ({a['by']})",
                         "chain": [(x["holder"], x["may_subdelegate"]) for x in a["chain"]]}
                        for a in view["assignments"]],
        "links": [{"relation": p.relation_text(x["relation"], lang), "case": x["case"],
                   "title": x.get("title", "")} for x in view["links"]],
        "amounts": [{"reference": a["reference"], "text": p.amount_text(a["amount"], a.get("ceiling"), lang)}
                    for a in view["amounts"]],
        "appeals": [{"reference": a["reference"], "posted": format_date(a["posted"], lang),
                     "last_day": format_date(a["last_day"], lang),
                     "standing": t("legal force (unless appealed)", lang) if a["legal_force"] == "final"
                     else t("can be appealed", lang)} for a in view["appeals"]],
        "possible": [step_view(d, x, lang) for x in possible],
        "history": [{"seq": e.seq, "reference": e.reference or (e.effective or ""),
                     "what": p.entry_summary(e, d, lang), "actor": e.actor,
                     "recorded": f"{e.recorded_at[:16].replace('T', ' ')}",
                     "recorded_by": e.recorded_by or ""} for e in entries],
    }
    return out


def _proposal(d: "Definition", x: dict[str, Any], lang: str) -> dict[str, Any]:
    to = x["to_body"]
    if x.get("meeting"):
        to = t("{body} meeting {date}", lang, body=x["to_body"], date=format_date(x["meeting"], lang))
    return {
        "id": x["id"], "status": p.proposal_status(x["status"], lang), "proposer": x["proposer"],
        "date": format_date(x["date"], lang) if x.get("date") else "", "to": to, "document": x.get("document") or "",
        "points": [f"{p.step_label(d, pt['trigger'], lang)}: {pt['text']}".rstrip(": ") for pt in x["points"]],
    }


def needs_text(requires: "tuple[str, ...] | list[str]", lang: str) -> str:
    words = {"reference": t("decision reference", lang), "due": t("due date", lang), "note": t("note", lang),
             "amount": t("amount", lang), "basis": t("basis documents", lang)}
    return ", ".join(words.get(r, r) for r in requires)


def step_view(d: "Definition", x: engine.Possibility, lang: str) -> dict[str, Any]:
    return {
        "trigger": x.trigger, "label": x.label_sv if lang == "sv" else x.label_en,
        "to": p.state_label(d, x.to_state, lang), "bodies": ", ".join(x.bodies),
        "needs": needs_text(x.requires, lang),
        "sets_due": ", ".join(p.due_label(d, n, lang) for n in x.sets_due),
        "awaiting": ", ".join(p.party_name(d, a) for a in x.awaiting) if x.joint else "",
    }
