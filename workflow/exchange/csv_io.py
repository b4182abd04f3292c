"""Case lists and due dates as CSV that Excel opens with å, ä and ö intact.

The bytes are UTF-8 with a byte-order mark (Excel reads BOM-less CSV as the
local 8-bit code page), comma-separated with CRLF line ends (RFC 4180).
A cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe, so a title like ``=HYPERLINK(...)`` is
shown as text instead of being run as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from workflow.core.case import Case

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CASE_COLUMNS = (
    "id", "diary_numbers", "definition", "definition_version", "state", "title",
    "next_due", "next_due_date", "next_due_overdue", "opened_at", "updated_at", "version",
)
DUE_COLUMNS = (
    "case_id", "diary_numbers", "definition", "state", "title", "due", "date", "meeting",
    "due_on", "status", "overdue", "reference",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A header row and data rows as UTF-8-with-BOM CSV bytes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")


def _dues(case: Case, today: dt.date) -> list[dict[str, Any]]:
    from workflow.core.present import due_rows

    return due_rows(case, today)


def cases_csv(cases: Iterable[Case], today: dt.date | None = None) -> bytes:
    """One row per case, with its next open due date (overdue at ``today``)."""
    day = today or dt.date.today()
    rows = []
    for c in cases:
        open_dues = [d for d in _dues(c, day) if d["status"] == "open"]
        nxt = min(open_dues, key=lambda d: (d["due_on"], d["name"])) if open_dues else None
        rows.append((
            c.id, "; ".join(n.number for n in c.numbers), c.definition_id, c.definition_version, c.state,
            c.title, nxt["name"] if nxt else None, nxt["date"] if nxt else None,
            nxt["overdue"] if nxt else None, c.opened_at, c.updated_at, c.version,
        ))
    return csv_bytes(CASE_COLUMNS, rows)


def due_rows_csv(cases: Iterable[Case], today: dt.date | None = None, *, only_open: bool = False) -> bytes:
    """One row per due date (bevakning) of each case, earliest first.

    ``date`` is the date as decided, possibly partial (``2027-09``); ``due_on``
    is the last day it covers, which is what "overdue" is measured against.
    """
    day = today or dt.date.today()
    rows = []
    for c in cases:
        for d in _dues(c, day):
            if only_open and d["status"] != "open":
                continue
            rows.append((
                c.id, "; ".join(n.number for n in c.numbers), c.definition_id, c.state, c.title,
                d["name"], d["date"], d["meeting"], d["due_on"], d["status"], d["overdue"], d["reference"],
            ))
    rows.sort(key=lambda r: (r[8], r[0], r[5]))
    return csv_bytes(DUE_COLUMNS, rows)
