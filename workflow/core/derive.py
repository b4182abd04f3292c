"""The one builder of derived data: what the tables beside the log hold about a case.

The audit log is the record; the case row, its diary numbers and the
due-date index are kept beside it so that lists and searches need not replay
anything.  Each of them is computed here, from the case, by one function:
every write path (opening, a decision, an act, an import) stores what these
functions return, and verification recomputes them from the replayed log and
compares them with what is stored.  A second builder would drift.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.core.audit import canonical_json
from workflow.core.case import Case
from workflow.core.decisions import PartialDate

URGENT_PREFIX = "urgent:"
"""Due-date rows named ``urgent:<seq>`` stand for an urgent decision not yet reported to its body."""

Row = dict[str, Any]


def case_row(case: Case) -> Row:
    """The ``cases`` row of a case."""
    return {
        "id": case.id, "definition_id": case.definition_id,
        "definition_version": case.definition_version, "state": case.state,
        "title": case.title, "version": case.version, "data": canonical_json(case.data),
        "opened_at": case.opened_at, "updated_at": case.updated_at,
        "head_seq": case.head_seq, "head_hash": case.head_hash,
    }


def number_rows(case: Case) -> list[Row]:
    """The ``case_numbers`` rows of a case: each diary number with its party, in order."""
    return [
        {"number": n.number, "case_id": case.id, "party": n.party, "position": i}
        for i, n in enumerate(case.numbers)
    ]


def due_rows(case: Case) -> dict[str, Row]:
    """The ``due_dates`` rows of a case by name: its due dates and its urgent decisions to report.

    A due date falls on the last day its date can mean (a report-back "in
    September" on the 30th); an urgent decision is to be reported at the
    body's first meeting after it, so its row falls on the day it was taken.
    The status is the case's own: a case that reached a final state has its
    open due dates closed in its data by the engine (an unreported urgent
    decision stays open, the chair's duty to report it does not end with the case).
    """
    rows: dict[str, Row] = {}
    for name, d in case.data.get("due", {}).items():
        rows[name] = {
            "case_id": case.id, "name": name, "date": d["date"],
            "due_on": PartialDate.parse(d["date"]).last_day(), "meeting": d.get("meeting"),
            "status": d["status"],
        }
    for key, u in case.data.get("urgent", {}).items():
        name = f"{URGENT_PREFIX}{key}"
        rows[name] = {
            "case_id": case.id, "name": name, "date": u["date"],
            "due_on": PartialDate.parse(u["date"]).first_day(), "meeting": u["body"],
            "status": "met" if u["reported"] else "open",
        }
    return rows


def is_urgent(name: str) -> bool:
    return name.startswith(URGENT_PREFIX)


def differences(case: Case, stored: Case, stored_due: list[Row]) -> list[str]:
    """What the stored rows of a case say differently from ``case`` (its replayed log), by name.

    ``stored`` is the case as read from its ``cases`` and ``case_numbers``
    rows, ``stored_due`` its rows in ``due_dates``.  Each difference is named
    by table, column and key, so a report says exactly what was changed.
    """
    want, got = case_row(case), case_row(stored)
    out = [f"cases.{column}" for column in want if column != "data" and want[column] != got[column]]
    if case.data != stored.data:
        out.append("cases.data")
    out += _rows_differ("case_numbers", "number", number_rows(case), number_rows(stored), ("party", "position"))
    out += _rows_differ("due_dates", "name", list(due_rows(case).values()), stored_due,
                        ("date", "due_on", "meeting", "status"))
    return out


def _rows_differ(table: str, key: str, wanted: list[Row], got: list[Row], columns: tuple[str, ...]) -> list[str]:
    w_by, g_by = {r[key]: r for r in wanted}, {r[key]: r for r in got}
    out = []
    for k in sorted(set(w_by) | set(g_by)):
        w, g = w_by.get(k), g_by.get(k)
        if w is None:
            out.append(f"{table}[{k}]: a row the log does not give")
        elif g is None:
            out.append(f"{table}[{k}]: missing")
        else:
            out += [f"{table}[{k}].{c}" for c in columns if _plain(w[c]) != _plain(g.get(c))]
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
