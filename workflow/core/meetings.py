"""Meetings of a body: the agenda, the paragraphs, adjustment and posting -- as rules over a log.

A meeting (sammanträde) is named by its body and date (``HSN 2026-05-08``).
Everything that happens to it is an entry of the register's own log
(``meeting_planned``, ``agenda_item_added``, ``agenda_item_removed``,
``agenda_reordered``, ``item_decided``, ``meeting_adjusted``, ``minutes_posted``),
so a meeting is replayed like a case and its facts have one owner.  This module
knows no storage: it replays entries into :class:`Meeting` objects and says
what may happen next.

The rules:

* paragraphs (§) are assigned by the engine, in the order items are decided,
  per body and calendar year (or running, when the body's definition says
  ``numbering: running``), never twice;
* items postponed (bordlagda) at a meeting come first on the body's next agenda;
* once adjusted (justerat), a meeting's decisions are locked: a correction is
  a new decision at a later meeting; single paragraphs can be adjusted at the
  meeting itself (omedelbar justering);
* adjustment is due within 14 days of the meeting and the announcement on the
  notice board within two days of adjustment; later ones are recorded and flagged;
* the appeal period of every decision in the minutes runs from the posting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.core.appeal import last_appeal_day
from workflow.core.audit import Entry
from workflow.core.errors import DecisionRefused, InvalidInput, NotFound

ADJUST_WITHIN_DAYS = 14
POST_WITHIN_DAYS = 2
OUTCOMES = ("adopted", "changed", "postponed", "returned", "noted")
"""An item's outcome: decided as proposed, changed, postponed (bordlagt), returned (återremiss),
or a report noted (anmäld) -- an urgent or delegated decision reported to the body."""

KINDS = ("meeting_planned", "agenda_item_added", "agenda_item_removed", "agenda_reordered", "item_decided",
         "meeting_adjusted", "minutes_posted")


def meeting_key(body: str, date: dt.date) -> str:
    return f"{body} {date.isoformat()}"


def parse_key(body: str, date: str) -> tuple[str, dt.date]:
    body = (body or "").strip()
    if not body or " " in body or len(body) > 64:
        raise InvalidInput(f"not a body: {body!r}", field="body")
    try:
        day = dt.date.fromisoformat((date or "").strip())
    except ValueError:
        raise InvalidInput(f"a meeting is named by its body and full date (HSN 2026-05-08), not {date!r}",
                           field="date")
    return body, day


@dataclass
class Item:
    """One item of an agenda."""

    id: str
    """Stable within the meeting: ``1``, ``2``, ... in the order items were added."""
    kind: str
    """``proposal``, ``urgent_report`` (KL 6 kap. 39 §), ``delegated_report`` (a decision taken under the
    body's delegation order) or ``matter`` (any other case matter)."""
    case_id: str
    label: str
    """The case's diary number (or id), as the agenda shows it."""
    title: str
    proposal: str | None = None
    urgent: str | None = None
    """The urgent or delegated decision reported: its entry number in the case."""
    summary: str = ""
    """What is proposed or reported, and by whom."""
    points: list[dict[str, Any]] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    proposer: str | None = None
    document: str | None = None
    statements: dict[str, str] = field(default_factory=dict)
    postponed_from: str | None = None
    """The meeting at which this item was postponed (bordlagt), if any."""
    decided: dict[str, Any] | None = None
    """``{"paragraph": n, "outcome": ..., "entries": [...], "note": ...}`` once decided."""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class Meeting:
    body: str
    date: dt.date
    place: str | None = None
    time: str | None = None
    numbering: str = "yearly"
    items: dict[str, Item] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    adjusted: dict[str, Any] | None = None
    """``{"on": date, "adjusters": [...], "chair": ..., "digest": ..., "late": bool}``."""
    immediately_adjusted: list[int] = field(default_factory=list)
    posted: dict[str, Any] | None = None
    """``{"on": date, "where": ..., "late": bool, "last_appeal_day": date}``."""
    planned_seq: int = 0

    @property
    def key(self) -> str:
        return meeting_key(self.body, self.date)

    @property
    def agenda(self) -> list[Item]:
        return [self.items[i] for i in self.order]

    @property
    def paragraphs(self) -> list[Item]:
        """The decided items, by paragraph number: the minutes."""
        return sorted((i for i in self.items.values() if i.decided), key=lambda i: i.decided["paragraph"])  # type: ignore[index]

    @property
    def state(self) -> str:
        if self.posted:
            return "posted"
        if self.adjusted:
            return "adjusted"
        if any(i.decided for i in self.items.values()):
            return "held"
        return "planned"

    def item(self, item_id: str) -> Item:
        found = self.items.get(str(item_id).strip().lstrip("#"))
        if found is None or found.id not in self.order:
            raise NotFound(f"meeting {self.key} has no agenda item {item_id!r}; items: "
                           f"{', '.join(self.order) or 'none'}")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "body": self.body, "date": self.date.isoformat(), "place": self.place,
            "time": self.time, "state": self.state, "numbering": self.numbering,
            "agenda": [i.to_json() for i in self.agenda],
            "adjusted": _jsonable(self.adjusted), "immediately_adjusted": self.immediately_adjusted,
            "posted": _jsonable(self.posted),
        }


def _jsonable(d: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.items()}


def replay(entries: Iterable[Entry]) -> dict[str, Meeting]:
    """Every meeting the register log describes, by key."""
    meetings: dict[str, Meeting] = {}
    for e in entries:
        if e.kind not in KINDS:
            continue
        p = e.payload
        if e.kind == "meeting_planned":
            body, day = p["body"], dt.date.fromisoformat(p["date"])
            meetings[meeting_key(body, day)] = Meeting(body, day, p.get("place"), p.get("time"),
                                                       p.get("numbering", "yearly"), planned_seq=e.seq)
            continue
        m = meetings[p["meeting"]]
        if e.kind == "agenda_item_added":
            item = Item(**{k: v for k, v in p["item"].items() if k != "decided"})
            m.items[item.id] = item
            m.order.insert(p.get("position", len(m.order)), item.id)
        elif e.kind == "agenda_item_removed":
            m.order.remove(p["item"])
        elif e.kind == "agenda_reordered":
            m.order = list(p["order"])
        elif e.kind == "item_decided":
            m.items[p["item"]].decided = {k: p[k] for k in ("paragraph", "outcome", "entries", "note", "points")
                                          if k in p}
            if p.get("immediately_adjusted"):
                m.immediately_adjusted.append(p["paragraph"])
        elif e.kind == "meeting_adjusted":
            on = dt.date.fromisoformat(p["on"])
            m.adjusted = {"on": on, "adjusters": p["adjusters"], "chair": p.get("chair"),
                          "digest": p.get("digest"), "late": (on - m.date).days > ADJUST_WITHIN_DAYS}
        elif e.kind == "minutes_posted":
            on = dt.date.fromisoformat(p["on"])
            assert m.adjusted is not None
            m.posted = {"on": on, "where": p.get("where"), "digest": p.get("digest"),
                        "late": (on - m.adjusted["on"]).days > POST_WITHIN_DAYS,
                        "last_appeal_day": last_appeal_day(on)}
    return meetings


def find(meetings: Mapping[str, Meeting], body: str, day: dt.date) -> Meeting:
    found = meetings.get(meeting_key(body, day))
    if found is None:
        known = sorted(k for k in meetings if k.startswith(f"{body} "))
        raise NotFound(f"no meeting {meeting_key(body, day)} is planned"
                       + (f"; {body}'s meetings: {', '.join(known[-5:])}" if known else ""))
    return found


def next_paragraph(meetings: Mapping[str, Meeting], meeting: Meeting) -> int:
    """The next § of the meeting's body: per calendar year, or running, as the body's numbering says."""
    taken = [i.decided["paragraph"] for m in meetings.values() if m.body == meeting.body
             and (meeting.numbering == "running" or m.date.year == meeting.date.year)
             for i in m.items.values() if i.decided]
    return max(taken, default=0) + 1


def check_open(meeting: Meeting, what: str) -> None:
    """Refuse changes to a meeting whose minutes are adjusted: a correction is a new decision."""
    if meeting.adjusted is not None:
        raise DecisionRefused(f"the minutes of {meeting.key} were adjusted on {meeting.adjusted['on']}: "
                              f"{what} is no longer possible; a correction is a new decision at a later meeting")


def check_adjustment(meeting: Meeting, on: dt.date, adjusters: list[str], today: dt.date) -> None:
    check_open(meeting, "adjusting them again")
    if on < meeting.date:
        raise InvalidInput(f"the minutes cannot be adjusted ({on}) before the meeting ({meeting.date})", field="date")
    if on > today:
        raise InvalidInput(f"the adjustment date {on} is after today ({today})", field="date")
    if not 1 <= len(adjusters) <= 3:
        raise InvalidInput("name one or two adjusters (justerare), and the chair if not among them",
                           field="adjuster")
    if not any(i.decided for i in meeting.items.values()):
        raise DecisionRefused(f"{meeting.key} has no decided item: there are no minutes to adjust")


def check_posting(meeting: Meeting, on: dt.date, today: dt.date) -> None:
    if meeting.adjusted is None:
        raise DecisionRefused(f"the minutes of {meeting.key} are not adjusted yet: they are posted after adjustment")
    if meeting.posted is not None:
        raise DecisionRefused(f"the adjusted minutes of {meeting.key} were posted on {meeting.posted['on']}")
    if on < meeting.adjusted["on"]:
        raise InvalidInput(f"the minutes cannot be posted ({on}) before they were adjusted "
                           f"({meeting.adjusted['on']})", field="date")
    if on > today:
        raise InvalidInput(f"the posting date {on} is after today ({today})", field="date")
