"""Due dates as an iCalendar file (RFC 5545) that Outlook or any calendar imports.

Each open due date is an all-day event on the last day it can mean (a
report-back "in September 2027" falls on 30 September); the text says what
the record says, so a month stays a month.  Written by hand: it is a small,
fixed format, and the tests read it back with a real iCalendar parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

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


def ics(items: Iterable[dict[str, Any]], stamp: dt.datetime) -> bytes:
    """An iCalendar file of ``items``: dicts with uid, day, summary, description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    when = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for item in items:
        day: dt.date = item["day"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(item['uid'])}",
            f"DTSTAMP:{when}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(item['summary'])}",
            f"DESCRIPTION:{_escape(item['description'])}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
