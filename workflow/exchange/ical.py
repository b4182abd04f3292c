"""Due dates as an iCalendar file (RFC 5545) that Outlook or any calendar imports.

Each open due date is an all-day event on the last day it can mean (a
report-back "in September 2027" falls on 30 September); the text says what
the record says, so a month stays a month.  Written by hand: it is a small,
fixed format, and the tests read it back with two iCalendar parsers.

An event keeps its UID for as long as the due date exists, so a calendar that
imported it once updates it in place when a later file moves it.  Calendars
only do so when the event says it is a newer revision: ``SEQUENCE`` counts the
changes the log records of that due date after it was first set (each move,
and a new date after it was met), and ``LAST-MODIFIED`` is when the last of
them was entered.  Both come from the case's log, so two exports of the same
register give the same numbers.

A due date that is met, or whose case has reached a final state (closed,
withdrawn, rejected), is no longer open and is left out of the file.  A
calendar that subscribes to the file (Outlook's "Add calendar > From
internet", Google's "From URL", Apple's subscriptions) replaces its copy on
each refresh, so the event disappears.  A ``STATUS:CANCELLED`` event in a
``METHOD:PUBLISH`` file was considered and not chosen: Outlook acts on a
cancellation only as an iTIP ``METHOD:CANCEL`` message, which cannot share a
file with the published events, and every other client would keep showing
the cancelled event, in a file that grows with every closed case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workflow.core.audit import Entry
from workflow.core.definition import Definition
from workflow.core.derive import URGENT_PREFIX
from workflow.i18n import language, t

if TYPE_CHECKING:
    from workflow.api import Workflow

PRODID = "-//kansli-workflow//due dates//SV"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += b
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(items: Iterable[Mapping[str, Any]], stamp: dt.datetime) -> bytes:
    """An iCalendar file of ``items``: mappings with uid, day, summary, description, and optionally
    sequence (int) and last_modified (an aware datetime or its ISO text)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    when = _utc(stamp)
    for item in items:
        day: dt.date = item["day"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(item['uid'])}",
            f"DTSTAMP:{when}",
            f"SEQUENCE:{int(item.get('sequence') or 0)}",
        ]
        if item.get("last_modified"):
            lines.append(f"LAST-MODIFIED:{_utc(item['last_modified'])}")
        lines += [
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(item['summary'])}",
            f"DESCRIPTION:{_escape(item['description'])}",
            "STATUS:CONFIRMED",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


# -- what a due item says, in the reader's language ---------------------------------


def meeting_words(body: str, date: str | None = None, lang: str | None = None) -> str:
    """``HSN:s sammanträde 8 maj 2026`` / ``HSN's meeting on 8 May 2026``; without a date the next meeting."""
    from workflow.core.present import due_text, genitive

    if date is None:
        return t("at {whose} next meeting", lang, whose=genitive(body, lang))
    return due_text(date, body, lang)


def due_when(date: str, meeting: str | None, lang: str | None = None) -> str:
    """How a due date reads: ``september 2027``, or ``HSN:s sammanträde i december 2023``."""
    from workflow.core.present import due_text

    return due_text(date, meeting, lang)


def describe(definition: Definition | None, row: Mapping[str, Any], lang: str | None = None) -> tuple[str, str]:
    """What a row of the due-date index is, and when, as sentences: an urgent decision to report,
    or a due date by its kind's label.  ``row`` has name, date and meeting (the body for an urgent one)."""
    name, date, meeting = str(row["name"]), str(row["date"]), row.get("meeting")
    if name.startswith(URGENT_PREFIX):
        return (t("Report urgent decision {body} {date} to {body}", lang, body=meeting, date=date),
                meeting_words(str(meeting), None, lang))
    from workflow.core.present import due_label

    return due_label(definition, name, lang), due_when(date, meeting, lang)


# -- revisions from the log -----------------------------------------------------------


def revisions(entries: Sequence[Entry]) -> dict[str, tuple[int, str]]:
    """For each due date (and urgent decision) of a case: its revision number and when it was last changed.

    The revision of a due date counts the entries that changed it after it was
    first set -- each move, a completion and a new date after it -- so it only
    grows; an urgent decision is never revised.  Keys are the names of the
    due-date index (``report_back``, ``urgent:13``).
    """
    out: dict[str, tuple[int, str]] = {}
    for e in entries:
        if e.kind == "due":
            name = str(e.payload.get("name"))
            seen = out.get(name)
            out[name] = (seen[0] + 1 if seen else 0, e.recorded_at)
        elif e.kind == "decision" and e.payload.get("urgent"):
            out[f"{URGENT_PREFIX}{e.seq}"] = (0, e.recorded_at)
    return out


def due_items(wf: "Workflow", rows: Iterable[Mapping[str, Any]], lang: str | None = None) -> list[dict[str, Any]]:
    """The rows of :meth:`Workflow.due` as calendar events, with their revision read from each case's log."""
    from workflow.core.present import state_label

    rows, lang = list(rows), language(lang)
    logs = {log[0].id: (log[0], log[1]) for log in wf.logs(sorted({str(r["case_id"]) for r in rows}))} if rows else {}
    changes = {cid: revisions(entries) for cid, (_case, entries) in logs.items()}
    out = []
    for r in rows:
        definition = wf.definition_of(logs[str(r["case_id"])][0])
        what, when = describe(definition, r, lang)
        numbers: list[str] = list(r.get("numbers") or [])
        sequence, changed = changes[str(r["case_id"])].get(str(r["name"]), (0, None))
        due_on = r["due_on"] if isinstance(r["due_on"], dt.date) else dt.date.fromisoformat(str(r["due_on"]))
        out.append({
            "uid": f"{r['case_id']}-{str(r['name']).replace(':', '-')}@kansli-workflow",
            "day": due_on,
            "summary": f"{what}: {r['title']}" + (f" ({numbers[0]})" if numbers else ""),
            "description": t("{what} ({when}). Case {numbers}, {title}; state: {state}.", lang,
                             what=what, when=when, numbers=", ".join(numbers) or r["case_id"], title=r["title"],
                             state=state_label(definition, str(r["state"]), lang)),
            "sequence": sequence,
            "last_modified": changed,
        })
    return out

