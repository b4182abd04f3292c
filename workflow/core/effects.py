"""What each kind of audit entry does to a case's data.

One function per entry kind, each changing a copy of ``case.data`` in place.
They are the only code that interprets a log, whether a decision is being
recorded now or a case is being replayed for verification, so the two can
never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflow.core.appeal import last_appeal_day
from workflow.core.audit import Entry
from workflow.core.decisions import PartialDate

Data = dict[str, Any]


def empty_data(parties: list[str]) -> Data:
    """A new case's data.  Other keys (due, joint, amounts, urgent, assignments,
    proposals, links, appeals) appear when something is first put in them, so
    the many cases that never have them do not carry empty containers."""
    return {"parties": parties}


def close_due(data: Data) -> None:
    """The case reached a final state: its open due dates are closed (an unreported urgent decision is not
    a due date of the case: the chair's duty to report it to the body stays)."""
    for d in data.get("due", {}).values():
        if d.get("status") == "open":
            d["status"] = "closed"


def _dict(data: Data, key: str) -> dict[str, Any]:
    return data.setdefault(key, {})  # type: ignore[no-any-return]


def _list(data: Data, key: str) -> list[Any]:
    return data.setdefault(key, [])  # type: ignore[no-any-return]


def _decision(data: Data, e: Entry) -> None:
    p = e.payload
    joint = p.get("joint")
    if joint:
        if e.to_state == e.from_state and joint["awaiting"] and p["outcome"] == "yes":
            _dict(data, "joint").setdefault(e.trigger or "", {})[joint["party"]] = {
                "reference": e.reference, "outcome": p["outcome"],
            }
        else:
            pending = data.get("joint", {})
            pending.pop(e.trigger, None)
            if not pending:
                data.pop("joint", None)
    if p.get("amount") is not None:
        _list(data, "amounts").append({"reference": e.reference, "amount": p["amount"], "ceiling": p.get("ceiling")})
    if p.get("urgent"):
        _dict(data, "urgent")[str(e.seq)] = {
            "reference": e.reference, "body": p["body"], "date": p["meeting_date"], "trigger": e.trigger,
            "reported": None,
        }
    if p.get("delegated"):
        _dict(data, "delegated")[str(e.seq)] = {
            "reference": e.reference, "body": p["body"], "date": p["meeting_date"], "trigger": e.trigger,
            "reported": None,
        }
    for a in p.get("assign") or ():
        _dict(data, "assignments")[a["task"]] = {
            "task": a["task"], "by": e.reference, "body": p["body"],
            "chain": [{"holder": a["assignee"], "may_subdelegate": a["may_subdelegate"],
                       "by": e.reference, "date": e.effective}],
        }
    proposal = p.get("proposal")
    if proposal:
        entry = data["proposals"][proposal["id"]]
        entry["status"] = proposal["outcome"]
        entry.setdefault("decided_by", []).append(e.reference)
    if p.get("posted"):
        _posted(data, {"reference": e.reference, "posted": p["posted"]})


def _posted(data: Data, p: dict[str, Any]) -> None:
    posted = PartialDate.parse(p["posted"]).first_day()
    _dict(data, "appeals")[p["reference"]] = {
        "posted": p["posted"], "last_day": last_appeal_day(posted).isoformat(),
    }


def _due(data: Data, e: Entry) -> None:
    p = e.payload
    name = p["name"]
    if p["action"] == "met":
        data["due"][name]["status"] = "met"
        data["due"][name]["met_by"] = e.reference
    else:
        _dict(data, "due")[name] = {
            "date": p["new"]["date"], "meeting": p["new"]["meeting"], "status": "open",
            "reference": e.reference,
        }


def _proposal(data: Data, e: Entry) -> None:
    _dict(data, "proposals")[e.payload["id"]] = {**e.payload["proposal"], "status": "pending", "seq": e.seq}


def _proposal_outcome(data: Data, e: Entry) -> None:
    p = e.payload
    entry = data["proposals"][p["id"]]
    entry["status"] = p["outcome"]
    entry.setdefault("decided_by", []).append(e.reference)
    if p.get("meeting"):
        entry["meeting"] = p["meeting"]


def _delegation(data: Data, e: Entry) -> None:
    p = e.payload
    data["assignments"][p["task"]]["chain"].append({
        "holder": p["to"], "may_subdelegate": p["may_subdelegate"], "by": e.actor, "date": e.effective,
    })


def _urgent_reported(data: Data, e: Entry) -> None:
    data["urgent"][e.payload["urgent"]]["reported"] = e.reference


def _migrated(data: Data, e: Entry) -> None:
    """The case moved to another version of its definition: its due dates renamed (or dropped) as the plan says."""
    due = data.get("due", {})
    for old, new in e.payload.get("due", {}).items():
        if old in due:
            moved = due.pop(old)
            if new is not None:
                due[new] = moved
    if "due" in data and not due:
        data.pop("due")


def _delegated_reported(data: Data, e: Entry) -> None:
    data["delegated"][e.payload["delegated"]]["reported"] = e.reference


def _link(data: Data, e: Entry) -> None:
    _list(data, "links").append({"case": e.payload["case"], "relation": e.payload["relation"],
                          "title": e.payload.get("title", "")})


def _minutes_posted(data: Data, e: Entry) -> None:
    _posted(data, e.payload)


def _note(data: Data, e: Entry) -> None:
    return None


APPLY: dict[str, Callable[[Data, Entry], None]] = {
    "decision": _decision,
    "due": _due,
    "note": _note,
    "proposal": _proposal,
    "proposal_outcome": _proposal_outcome,
    "delegation": _delegation,
    "urgent_reported": _urgent_reported,
    "delegated_reported": _delegated_reported,
    "migrated": _migrated,
    "link": _link,
    "minutes_posted": _minutes_posted,
}
