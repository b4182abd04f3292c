"""Decision references, partial dates and due-date specs, as people write them.

``"HSN 2024-02-28 § 15"`` is how a secretariat names a decision: the body, the
meeting date and the minute paragraph.  Old decisions are often known only to
the year or month (``"KS 2023"``); such a date stays partial and is shown as
it is, never padded with an invented day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from workflow.core.errors import InvalidInput

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_REF = re.compile(
    r"^\s*(?P<body>[^\W\d_][\w\-]*)\s+(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)"
    r"(?:\s*§\s*(?P<para>\d{1,5}[a-z]?))?\s*$"
)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        m = _DATE.match(text.strip()) if isinstance(text, str) else None
        if not m:
            raise InvalidInput(f"malformed date {text!r}: write YYYY-MM-DD, YYYY-MM or YYYY")
        year, month, day = (int(g) if g else None for g in m.groups())
        assert year is not None
        if not 1900 <= year <= 2200:
            raise InvalidInput(f"malformed date {text!r}: year out of range")
        if month is not None and not 1 <= month <= 12:
            raise InvalidInput(f"malformed date {text!r}: no month {month}")
        if day is not None:
            assert month is not None
            if not 1 <= day <= calendar.monthrange(year, month)[1]:
                raise InvalidInput(f"malformed date {text!r}: no such day")
        return cls(year, month, day)

    @classmethod
    def of(cls, day: dt.date) -> "PartialDate":
        return cls(day.year, day.month, day.day)

    @property
    def is_full(self) -> bool:
        return self.day is not None

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The last day the date can mean: a due date "in September" runs to the 30th."""
        if self.month is None:
            return dt.date(self.year, 12, 31)
        if self.day is None:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return dt.date(self.year, self.month, self.day)

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class DecisionRef:
    """Which body decided, at which meeting, under which minute paragraph."""

    body: str
    date: PartialDate
    paragraph: str | None = None

    @classmethod
    def parse(cls, text: str) -> "DecisionRef":
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("missing decision reference: write e.g. 'HSN 2024-02-28 § 15'")
        m = _REF.match(text)
        if not m:
            raise InvalidInput(
                f"malformed decision reference {text!r}: write BODY DATE § N, "
                "e.g. 'HSN 2024-02-28 § 15' (the date may be YYYY-MM or YYYY if that is all "
                "that is known)"
            )
        return cls(m["body"], PartialDate.parse(m["date"]), m["para"])

    def __str__(self) -> str:
        text = f"{self.body} {self.date}"
        return f"{text} § {self.paragraph}" if self.paragraph else text


def due_when(date: str, meeting: str | None) -> str:
    """How a due date reads: ``2027-09``, or ``HSN meeting 2023-12`` for a body's meeting."""
    return f"{meeting} meeting {date}" if meeting else date


@dataclass(frozen=True)
class DueSpec:
    """A due date a decision sets or moves: a date, or a body's meeting in a month."""

    name: str
    date: PartialDate
    meeting: str | None = None
    """Set when the due date is "the body's meeting in <month>"."""

    @classmethod
    def parse(cls, text: str) -> "DueSpec":
        """Parse ``name=2027-09`` or ``name=HSN@2023-12`` (HSN's meeting in December 2023)."""
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise InvalidInput(
                f"malformed due date {text!r}: write NAME=YYYY-MM-DD, NAME=YYYY-MM or NAME=BODY@YYYY-MM"
            )
        body, at, when = value.partition("@")
        if at:
            return cls(name, PartialDate.parse(when), body.strip() or None)
        return cls(name, PartialDate.parse(value))

    def describe(self) -> str:
        return due_when(str(self.date), self.meeting)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "date": str(self.date), "meeting": self.meeting}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DueSpec":
        return cls(data["name"], PartialDate.parse(data["date"]), data.get("meeting"))


def parse_statements(texts: "tuple[str, ...] | list[str]") -> tuple[tuple[str, str], ...]:
    """Statements a decision carries, written ``NAME=TEXT`` (``child_rights=Barnets bästa har beaktats``)."""
    pairs = []
    for s in texts:
        name, sep, text = s.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise InvalidInput(f"malformed statement {s!r}: write NAME=TEXT")
        pairs.append((name.strip(), text.strip()))
    return tuple(pairs)


AMOUNT_MAX = Decimal(10) ** 12
"""The largest amount a decision can grant: a thousand billion kronor, far above any budget."""
_AMOUNT = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(text: str | int | float | Decimal | None) -> Decimal | None:
    """An amount in kronor, as a secretary writes it: ``1800000``, ``1 800 000``, ``1800000,50``.

    At most two decimals (öre), more than nothing and at most :data:`AMOUNT_MAX`; a sign, an
    exponent (``1.8E+6``), ``NaN`` or a number out of range is refused, so that what is stored
    is the amount as it reads (``1800000``), never a float's approximation or a notation.
    """
    if text is None or text == "":
        return None
    if isinstance(text, bool):
        raise InvalidInput(f"malformed amount {text!r}: write a number of kronor, e.g. 1800000")
    if isinstance(text, (Decimal, int, float)):  # a number from a program or a scenario's YAML
        try:
            value = Decimal(str(text))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise InvalidInput(f"malformed amount {text!r}: write a number of kronor, e.g. 1800000")
        shown = format(value, "f")
    else:
        shown = str(text).replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        if not _AMOUNT.match(shown):
            raise InvalidInput(f"malformed amount {text!r}: write a number of kronor, e.g. 1800000 or 1800000,50")
        value = Decimal(shown)
    if value <= 0 or value > AMOUNT_MAX:
        raise InvalidInput(f"amount {text!r} out of range: more than 0 and at most 1 000 000 000 000 kronor")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"malformed amount {text!r}: at most two decimals (öre)")
    # The plain notation: whole kronor without decimals, else with öre (1.8E+6 -> 1800000, 10.5 -> 10.50)
    plain = value.quantize(Decimal("0.01"))
    return plain.quantize(Decimal(1)) if plain == plain.to_integral_value() else plain


@dataclass(frozen=True)
class Assignment:
    """A task a decision gives to a role or person ("ges i uppdrag att ..."), perhaps with the right to sub-delegate."""

    task: str
    assignee: str
    may_subdelegate: bool = False

    @classmethod
    def parse(cls, text: str, may_subdelegate: bool = False) -> "Assignment":
        """``TASK=ASSIGNEE``, e.g. ``investigation=Hälso- och sjukvårdsdirektören``."""
        task, sep, assignee = text.partition("=")
        if not sep or not task.strip() or not assignee.strip():
            raise InvalidInput(f"malformed assignment {text!r}: write TASK=ASSIGNEE")
        return cls(task.strip(), assignee.strip(), may_subdelegate)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "assignee": self.assignee, "may_subdelegate": self.may_subdelegate}


PROPOSAL_OUTCOMES = ("adopted", "changed", "returned", "postponed")
"""What a body does with a proposal: adopts it, adopts it changed, sends it back (återremiss), postpones it (bordläggning)."""


@dataclass(frozen=True)
class Decision:
    """What moves a case: everything a secretariat writes down about one decision.

    Its fields besides ``trigger`` and ``actor`` are declared, with how they
    are read, shown and stored, in :mod:`workflow.core.fields`.
    """

    trigger: str
    reference: DecisionRef | None
    actor: str = ""
    """Who decided, or on whose behalf it is recorded; blank: the recorder, as authenticated."""
    proposed_by: str | None = None
    basis: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    note: str | None = None
    due: tuple[DueSpec, ...] = ()
    party: str | None = None
    """The party deciding, for a joint decision; derived from the body when omitted."""
    outcome: str = "yes"
    """``yes`` or ``no``; a ``no`` in a joint decision sends the case to its refusal state."""
    urgent: bool = False
    delegated: bool = False
    """Taken by an officer under the body's delegation order (delegationsbeslut): reported to the body."""
    amount: Decimal | None = None
    ceiling: Decimal | None = None
    statements: tuple[tuple[str, str], ...] = ()
    request_id: str | None = None
    assign: tuple[Assignment, ...] = ()
    proposal: str | None = None
    """The id of the proposal this decision answers."""
    proposal_outcome: str = "adopted"
    agenda_item: str | None = None
    """The item of the meeting's agenda the decision answers."""
    before_opening: bool = False
    """Said when the decision is dated before its case was opened (an inherited or back-registered one)."""

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, actor: str | None = None) -> "Decision":
        """A decision from field keys and values as people write them: a CLI's options, a scenario
        step, a web form, a JSON body (``{"trigger": "start_pilot", "decision": "HSN 2024-02-28 § 15"}``).

        Every value is read and checked by its field's reader; an unknown key is refused.
        """
        from workflow.core.fields import read_fields, text

        rest = dict(mapping)
        trigger = text(rest.pop("trigger", None) or "", "the step (trigger)", limit=64)
        who = rest.pop("actor", None) or actor
        # No actor: the recorder decides for themself (the API fills in who is authenticated).
        return cls(trigger=trigger, actor=text(who, "the actor", limit=200) if who else "", **read_fields(rest))

    def to_json(self) -> dict[str, Any]:
        """The canonical payload stored in the audit entry."""
        from workflow.core.fields import FIELDS

        out: dict[str, Any] = {"trigger": self.trigger}
        for f in FIELDS:
            out.update(f.dump(self))
        return out


@dataclass(frozen=True)
class ProposalPoint:
    """One "att-sats" of a proposal: the step it proposes, with its due dates and assignments."""

    trigger: str
    text: str = ""
    due: tuple[DueSpec, ...] = ()
    assign: tuple[Assignment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"trigger": self.trigger, "text": self.text, "due": [d.to_json() for d in self.due],
                "assign": [a.to_json() for a in self.assign]}


@dataclass(frozen=True)
class Proposal:
    """A proposal ahead of a decision: who proposes what, to which body's meeting.

    The working committee proposes to its committee, KS to KF, an officer's
    report (tjänsteskrivelse) to a committee.
    """

    proposer: str
    date: PartialDate | None
    """``None`` when the record does not say when it was proposed."""
    to_body: str
    meeting: PartialDate | None
    points: tuple[ProposalPoint, ...]
    actor: str
    document: str | None = None
    basis: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    statements: tuple[tuple[str, str], ...] = ()
    preparers: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, actor: str | None = None) -> "Proposal":
        """A proposal from keys as people write them (a scenario's ``propose:``, a CLI, a form):
        ``by``, ``to``, ``date``, ``meeting``, ``document``, ``basis``, ``recipients``,
        ``statements``, ``preparers`` and ``points`` (each ``trigger``, ``text``, ``due``, ``assign``,
        ``may_subdelegate``); the shared ones are read by the decision fields' readers."""
        from workflow.core.fields import BY_NAME, many_texts, one_text, text

        known = {"by", "date", "to", "meeting", "document", "basis", "recipients", "statements",
                 "preparers", "points", "actor"}
        unknown = set(mapping) - known
        if unknown:
            raise InvalidInput(f"unknown proposal field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        points = []
        for point in mapping.get("points") or ():
            if not isinstance(point, Mapping):
                raise InvalidInput("each point of a proposal is a mapping with its trigger")
            extra = set(point) - {"trigger", "text", "due", "assign", "may_subdelegate"}
            if extra:
                raise InvalidInput(f"unknown key(s) in a proposal point: {', '.join(sorted(extra))}")
            points.append(ProposalPoint(
                trigger=text(point.get("trigger") or "", "the proposed step", limit=64),
                text=text(point["text"], "the point's text") if point.get("text") else "",
                due=BY_NAME["due"].read(point.get("due"), point),
                assign=BY_NAME["assign"].read(point.get("assign"), point),
            ))

        def date(key: str) -> PartialDate | None:
            value = mapping.get(key)
            return PartialDate.parse(str(value)) if value else None

        who = mapping.get("actor") or actor
        return cls(
            proposer=text(mapping.get("by") or "", "the proposer", limit=200),
            date=date("date"), to_body=text(mapping.get("to") or "", "the body proposed to", limit=64),
            meeting=date("meeting"), points=tuple(points),
            actor=text(who, "the actor", limit=200) if who else "",
            document=one_text("the proposing document")(mapping.get("document"), mapping),
            basis=BY_NAME["basis"].read(mapping.get("basis"), mapping),
            recipients=BY_NAME["recipients"].read(mapping.get("recipients"), mapping),
            statements=BY_NAME["statements"].read(mapping.get("statements"), mapping),
            preparers=many_texts("a preparer", 200)(mapping.get("preparers"), mapping),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "proposer": self.proposer, "date": str(self.date) if self.date else None, "to_body": self.to_body,
            "meeting": str(self.meeting) if self.meeting else None,
            "points": [p.to_json() for p in self.points], "document": self.document,
            "basis": list(self.basis), "recipients": list(self.recipients),
            "statements": dict(self.statements), "preparers": list(self.preparers),
        }
