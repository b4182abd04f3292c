"""Meetings as a secretariat runs them: plan, agenda, decide item by item, adjust, post, dispatch.

The methods here are part of :class:`workflow.api.Workflow` (a mixin: one facade
for every interface).  Each act on a meeting is an entry of the register log,
written in the same transaction as the case entries it causes, so deciding an
item records the decisions on its case, with the reference the meeting gives
(``HSN 2026-05-08 § 3``), and the paragraph in one go -- or nothing.  Two clerks
deciding items of the same meeting at once append to the same register log:
one of them commits first and the other's paragraph is assigned again after it
(retried here), so no § is ever given twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workflow import events
from workflow.core import meetings as rules
from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.decisions import Assignment, Decision, DecisionRef, DueSpec, PartialDate
from workflow.core.errors import ConcurrentUpdate, DecisionRefused, InvalidInput, NotFound
from workflow.core.meetings import Item, Meeting

if TYPE_CHECKING:
    from workflow.access import Access, Identity
    from workflow.core.definition import Definition
    from workflow.ledger import Digest
    from workflow.store.repository import Store, UnitOfWork

ATTEMPTS = 8
"""How often an act on a meeting is tried again when another clerk's act on the register came first."""

Drafts = list[tuple[str, dict[str, object]]]


class MeetingsMixin:
    """Meetings of bodies, on the :class:`~workflow.api.Workflow` they are mixed into."""

    if TYPE_CHECKING:  # what the mixin uses of the facade
        @property
        def _db(self) -> Store: ...
        _listeners: list[events.Listener]
        clock: Callable[[], dt.datetime]

        def register_log(self) -> list[Entry]: ...
        def definitions(self) -> list[Definition]: ...
        def digest(self, private_key: bytes | None = None) -> Digest: ...
        def _register_in(self, uow: UnitOfWork,
                         make: Callable[[Identity, Access], Drafts]) -> list[Entry]: ...
        def _act_in(self, uow: UnitOfWork, key: str, actor: str | None,
                    act: Callable[[Definition, Case, str], tuple[Case, list[Entry]]]) -> tuple[Case, list[Entry]]: ...
        def _decide_in(self, uow: UnitOfWork, key: str, decision: Decision, expected_version: int | None = None,
                       ) -> tuple[Any, Case, list[Entry]]: ...

    # -- reading -------------------------------------------------------------------

    def meetings(self, body: str | None = None) -> list[Meeting]:
        """Every planned meeting (of ``body``), by date."""
        found = rules.replay(self.register_log()).values()
        return sorted((m for m in found if body is None or m.body == body), key=lambda m: (m.date, m.body))

    def meeting(self, body: str, date: str | dt.date) -> Meeting:
        name, day = rules.parse_key(body, date if isinstance(date, str) else date.isoformat())
        return rules.find(rules.replay(self.register_log()), name, day)

    # -- planning ------------------------------------------------------------------

    def plan_meeting(self, body: str, date: str, *, place: str | None = None,
                     time: str | None = None) -> Meeting:
        """Plan a meeting of ``body`` and build its agenda from what is addressed to it."""
        name, day = rules.parse_key(body, date)
        numbering = self._body_numbering(name)
        place = _optional_text(place, "place", 200)
        time = _optional_text(time, "time", 20)

        def make(uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            if rules.meeting_key(name, day) in meetings:
                raise DecisionRefused(f"the meeting {rules.meeting_key(name, day)} is planned already")
            planned = Meeting(name, day, place, time, numbering)
            drafts: Drafts = [("meeting_planned", {"body": name, "date": day.isoformat(), "place": place,
                                                   "time": time, "numbering": numbering})]
            for i, item in enumerate(self._candidates(uow, meetings, planned), start=1):
                item.id = str(i)
                drafts.append(("agenda_item_added", {"meeting": planned.key, "item": item.to_json()}))
            return drafts

        self._meeting_act(make)
        return self.meeting(name, day.isoformat())

    def refresh_agenda(self, body: str, date: str) -> list[Item]:
        """Add to the agenda what has been addressed to the meeting since it was planned."""
        meeting = self.meeting(body, date)

        def make(uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            m = meetings[meeting.key]
            rules.check_open(m, "changing the agenda")
            new = self._candidates(uow, meetings, m)
            for n, item in enumerate(new, start=len(m.items) + 1):
                item.id = str(n)
            return [("agenda_item_added", {"meeting": m.key, "item": i.to_json()}) for i in new]

        added = self._meeting_act(make)
        return [Item(**e.payload["item"]) for e in added]  # type: ignore[arg-type]

    def add_agenda_item(self, body: str, date: str, case: str, *, proposal: str | None = None,
                        urgent: str | None = None, text: str | None = None, position: int | None = None,
                        delegated: str | None = None) -> Item:
        """Put a case on the agenda by hand: a proposal of it, an urgent or delegated decision to report
        (by its entry number), or a matter."""
        meeting = self.meeting(body, date)

        def make(uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            m = meetings[meeting.key]
            rules.check_open(m, "changing the agenda")
            c = uow.case(case)
            item = _item_for(c, m, proposal=proposal, urgent=urgent or delegated, text=text,
                             delegated=delegated is not None)
            item.id = str(len(m.items) + 1)
            on = [i for i in m.agenda if (i.case_id, i.proposal, i.urgent) == (item.case_id, item.proposal, item.urgent)
                  and item.kind != "matter"]
            if on:
                raise DecisionRefused(f"that is item {on[0].id} of the agenda already")
            at = len(m.order) if position is None else _position(position, len(m.order) + 1)
            return [("agenda_item_added", {"meeting": m.key, "item": item.to_json(), "position": at})]

        added = self._meeting_act(make)
        return Item(**added[0].payload["item"])  # type: ignore[arg-type]

    def remove_agenda_item(self, body: str, date: str, item: str) -> None:
        meeting = self.meeting(body, date)

        def make(_uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            m = meetings[meeting.key]
            rules.check_open(m, "changing the agenda")
            it = m.item(item)
            if it.decided:
                raise DecisionRefused(f"item {it.id} was decided (§ {it.decided['paragraph']}); it stays in the minutes")
            return [("agenda_item_removed", {"meeting": m.key, "item": it.id})]

        self._meeting_act(make)

    def move_agenda_item(self, body: str, date: str, item: str, position: int) -> list[str]:
        """Move an item to ``position`` (1 = first); returns the new order of item ids."""
        meeting = self.meeting(body, date)

        def make(_uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            m = meetings[meeting.key]
            rules.check_open(m, "changing the agenda")
            it = m.item(item)
            order = [i for i in m.order if i != it.id]
            order.insert(_position(position, len(m.order)), it.id)
            return [("agenda_reordered", {"meeting": m.key, "order": order})]

        done = self._meeting_act(make)
        return list(done[0].payload["order"])  # type: ignore[call-overload]

    # -- the meeting itself ----------------------------------------------------------

    def decide_item(self, body: str, date: str, item: str, outcome: str = "adopted", *,
                    points: Sequence[int] | None = None, note: str | None = None,
                    next_meeting: str | None = None, immediately_adjusted: bool = False,
                    actor: str | None = None) -> Item:
        """Decide an agenda item; the engine gives it the body's next paragraph.

        ``adopted`` or ``changed`` records the proposal's points (all, or the
        1-based ``points``) as decisions on the case; ``postponed`` (bordlagt,
        to ``next_meeting`` if known) and ``returned`` (återremiss) record the
        proposal's outcome; an urgent decision reported is ``noted``.
        """
        if outcome not in rules.OUTCOMES:
            raise InvalidInput(f"outcome {outcome!r}: one of {', '.join(rules.OUTCOMES)}", field="outcome")
        meeting = self.meeting(body, date)
        changed_cases: list[tuple[Case, list[Entry]]] = []

        def make(uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            changed_cases.clear()
            m = meetings[meeting.key]
            rules.check_open(m, "deciding an item")
            it = m.item(item)
            if it.decided:
                raise DecisionRefused(f"item {it.id} of {m.key} was decided already, as § {it.decided['paragraph']}")
            if m.date > self.clock().date():
                raise DecisionRefused(f"the meeting {m.key} has not been held yet (today is {self.clock().date()})")
            paragraph = rules.next_paragraph(meetings, m)
            reference = DecisionRef(m.body, PartialDate.of(m.date), str(paragraph))
            written = self._decide_item_in(uow, m, it, reference, outcome, points, note, next_meeting, actor)
            changed_cases.extend(written)
            return [("item_decided", {
                "meeting": m.key, "item": it.id, "paragraph": paragraph, "outcome": outcome, "note": note,
                "points": list(points) if points else None, "immediately_adjusted": immediately_adjusted,
                "entries": [[c.id, e.seq] for c, es in written for e in es],
            })]

        self._meeting_act(make)
        for case, entries in changed_cases:
            events.notify(case, entries, self._listeners)
        return self.meeting(body, date).item(item)

    def _decide_item_in(self, uow: "UnitOfWork", m: Meeting, it: Item, reference: DecisionRef,
                        outcome: str, points: Sequence[int] | None, note: str | None, next_meeting: str | None,
                        actor: str | None) -> list[tuple[Case, list[Entry]]]:
        from workflow.core import actions

        who = actor or m.body
        if it.kind in ("urgent_report", "delegated_report"):
            if outcome != "noted":
                raise InvalidInput("a decision reported to the body is noted ('noted')", field="outcome")
            kind = "urgent" if it.kind == "urgent_report" else "delegated"
            after, entries = self._act_in(uow, it.case_id, who, lambda d, c, a: actions.report_to_body(
                d, c, reference, a, self.clock(), it.urgent, kind))
            return [(after, entries)]
        if it.kind != "proposal" or it.proposal is None:
            raise DecisionRefused(f"item {it.id} is a matter without a proposal: decide it on its case "
                                  "and add it to the minutes as a proposal item")
        if outcome in ("postponed", "returned"):
            later = PartialDate.parse(next_meeting) if next_meeting else None
            after, entries = self._act_in(uow, it.case_id, who, lambda d, c, a: actions.proposal_outcome(
                d, c, it.proposal or "", reference, outcome, a, self.clock(), later))
            return [(after, entries)]
        if outcome == "noted":
            raise InvalidInput("a proposal is adopted, changed, postponed or returned, not noted", field="outcome")
        chosen = _chosen_points(it, points)
        if outcome == "changed" and not note:
            raise InvalidInput("say how the proposal was changed (a note)", field="note")
        written: list[tuple[Case, list[Entry]]] = []
        for point in chosen:
            decision = Decision(
                trigger=point["trigger"], reference=reference, actor=who,
                proposed_by=it.proposer, note=note,
                basis=tuple(it.basis), recipients=tuple(it.recipients),
                due=tuple(DueSpec.from_json(d) for d in point.get("due", [])),
                assign=tuple(Assignment(a["task"], a["assignee"], a.get("may_subdelegate", False))
                             for a in point.get("assign", [])),
                statements=tuple(sorted(it.statements.items())),
                proposal=it.proposal, proposal_outcome=outcome, before_opening=False,
            )
            _done, after, entries = self._decide_in(uow, it.case_id, decision)
            written.append((after, entries))
        return written

    def adjust_meeting(self, body: str, date: str, adjusters: Sequence[str], *,
                       on: str | None = None, chair: str | None = None) -> Meeting:
        """Adjust (justera) the minutes: named adjusters, the date; the ledger's digest goes into them.

        From then on the meeting's decisions are locked.  An adjustment later
        than 14 days after the meeting is recorded and flagged.
        """
        meeting = self.meeting(body, date)
        day = _day(on, self.clock().date(), "adjustment date")
        names = [_optional_text(a, "adjuster", 200) for a in adjusters]
        who = [n for n in names if n]
        chair_name = _optional_text(chair, "chair", 200)
        digest = self.digest().line

        def make(_uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            m = meetings[meeting.key]
            rules.check_adjustment(m, day, who, self.clock().date())
            return [("meeting_adjusted", {"meeting": m.key, "on": day.isoformat(), "adjusters": who,
                                          "chair": chair_name, "digest": digest})]

        self._meeting_act(make)
        return self.meeting(body, date)

    def post_minutes(self, body: str, date: str, *, on: str | None = None,
                     where: str | None = None) -> Meeting:
        """Announce the adjusted minutes on the notice board: every decision in them gets its appeal period."""

        meeting = self.meeting(body, date)
        day = _day(on, self.clock().date(), "posting date")
        place = _optional_text(where, "where the minutes are kept", 300)
        changed_cases: list[tuple[Case, list[Entry]]] = []

        def make(uow: "UnitOfWork", meetings: dict[str, Meeting]) -> Drafts:
            changed_cases.clear()
            m = meetings[meeting.key]
            rules.check_posting(m, day, self.clock().date())
            for it in m.paragraphs:
                assert it.decided is not None
                if it.decided["outcome"] not in ("adopted", "changed"):
                    continue
                reference = DecisionRef(m.body, PartialDate.of(m.date), str(it.decided["paragraph"]))
                after, entries = self._act_in(uow, it.case_id, m.body, _posting(reference, day, self.clock()))
                changed_cases.append((after, entries))
            return [("minutes_posted", {"meeting": m.key, "on": day.isoformat(), "where": place,
                                        "digest": m.adjusted["digest"] if m.adjusted else None})]

        self._meeting_act(make)
        for case, entries in changed_cases:
            events.notify(case, entries, self._listeners)
        return self.meeting(body, date)

    # -- helpers ---------------------------------------------------------------------

    def _meeting_act(self, make: Callable[["UnitOfWork", dict[str, Meeting]], Drafts]) -> list[Entry]:
        """Run one act on the register in a unit of work; tried again when another clerk's act came first."""
        for attempt in range(ATTEMPTS):
            try:
                with self._db.unit_of_work() as uow:
                    uow.lock_register()
                    meetings = rules.replay(uow.register_log())
                    def drafts(_identity: "Identity", _access: "Access", u: "UnitOfWork" = uow,
                               m: dict[str, Meeting] = meetings) -> Drafts:
                        return make(u, m)

                    return self._register_in(uow, drafts)
            except ConcurrentUpdate:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _body_numbering(self, body: str) -> str:
        for d in self.definitions():
            if body in d.bodies:
                return getattr(d.bodies[body], "numbering", "yearly") or "yearly"
        known = sorted({b for d in self.definitions() for b in d.bodies})
        raise NotFound(f"no body {body!r} in any process definition; bodies: {', '.join(known)}")

    def _candidates(self, uow: "UnitOfWork", meetings: dict[str, Meeting], m: Meeting) -> list[Item]:
        """What is addressed to ``m`` and on no other agenda waiting to be decided: postponed items first,
        then proposals, then urgent decisions to report."""
        waiting = {(i.case_id, i.proposal, i.urgent) for other in meetings.values()
                   for i in other.agenda if not i.decided}
        postponed_at = {(i.case_id, i.proposal): other.key for other in meetings.values()
                        for i in other.agenda if i.decided and i.decided["outcome"] == "postponed"}
        first: list[Item] = []
        proposals: list[Item] = []
        reports: list[Item] = []
        for case in self._db.cases(definition=None, state=None, overdue_on=None, due_before=None, limit=None):
            for pid, p in sorted(case.data.get("proposals", {}).items()):
                if p.get("to_body") != m.body or p.get("status") not in ("pending", "postponed"):
                    continue
                if (case.id, pid, None) in waiting or not _addressed(p, m.date):
                    continue
                item = _item_for(case, m, proposal=pid)
                if p["status"] == "postponed":
                    item.postponed_from = postponed_at.get((case.id, pid))
                    first.append(item)
                else:
                    proposals.append(item)
            for kind in ("urgent", "delegated"):
                for seq, u in sorted(case.data.get(kind, {}).items(), key=lambda kv: int(kv[0])):
                    if u.get("reported") or (case.id, None, seq) in waiting or u.get("body") != m.body:
                        continue
                    reports.append(_item_for(case, m, urgent=seq, delegated=kind == "delegated"))
        return [*first, *proposals, *reports]


def _posting(reference: DecisionRef, day: dt.date, now: dt.datetime,
             ) -> Callable[[Definition, Case, str], tuple[Case, list[Entry]]]:
    from workflow.core import actions

    return lambda d, c, a: actions.minutes_posted(d, c, reference, PartialDate.of(day), a, now)


def _addressed(p: dict[str, Any], day: dt.date) -> bool:
    """Whether a proposal is for a meeting on ``day``: that date, a month or year containing it, or none said."""
    meeting = p.get("meeting")
    if not meeting:
        return True
    when = PartialDate.parse(str(meeting))
    return when.first_day() <= day <= when.last_day() or (p.get("status") == "postponed" and when.last_day() <= day)


def _item_for(case: Case, m: Meeting, *, proposal: str | None = None, urgent: str | None = None,
              text: str | None = None, delegated: bool = False) -> Item:
    label = case.numbers[0].number if case.numbers else case.id
    if proposal is not None:
        p = case.data.get("proposals", {}).get(proposal)
        if p is None:
            raise NotFound(f"case {case.label} has no proposal {proposal!r}")
        if p.get("to_body") != m.body:
            raise DecisionRefused(f"proposal {proposal} goes to {p.get('to_body')}, not {m.body}")
        if p.get("status") not in ("pending", "postponed"):
            raise DecisionRefused(f"proposal {proposal} was {p.get('status')} already")
        doc = f" ({p['document']})" if p.get("document") else ""
        return Item(id="", kind="proposal", case_id=case.id, label=label, title=case.title, proposal=proposal,
                    summary=f"{p['proposer']}{doc}", points=[dict(pt) for pt in p.get("points", [])],
                    basis=list(p.get("basis", [])), recipients=list(p.get("recipients", [])),
                    proposer=p.get("proposer"), document=p.get("document"),
                    statements=dict(p.get("statements") or {}))
    if urgent is not None:
        kind, what = ("delegated", "delegated decision") if delegated else ("urgent", "urgent decision")
        u = case.data.get(kind, {}).get(str(urgent))
        if u is None:
            raise NotFound(f"case {case.label} has no {what} {urgent!r}")
        if u.get("reported"):
            raise DecisionRefused(f"the {what} {u.get('reference')} was reported at {u['reported']}")
        return Item(id="", kind=f"{kind}_report", case_id=case.id, label=label, title=case.title, urgent=str(urgent),
                    summary=f"{u.get('reference', '')}: {u.get('trigger', '')}".strip(": "))
    matter = _optional_text(text, "matter", 2000) or case.title
    return Item(id="", kind="matter", case_id=case.id, label=label, title=case.title, summary=matter)


def _chosen_points(it: Item, points: Sequence[int] | None) -> list[dict[str, Any]]:
    if not points:
        return it.points
    out = []
    for n in points:
        if not 1 <= n <= len(it.points):
            raise InvalidInput(f"point {n}: the proposal has points 1..{len(it.points)}", field="points")
        out.append(it.points[n - 1])
    return out


def _position(position: int, size: int) -> int:
    if not 1 <= position <= max(size, 1):
        raise InvalidInput(f"position {position}: between 1 and {max(size, 1)}", field="position")
    return position - 1


def _day(value: str | None, today: dt.date, what: str) -> dt.date:
    if value is None:
        return today
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"the {what} must be a full date YYYY-MM-DD, not {value!r}", field="date")


def _optional_text(value: str | None, what: str, limit: int) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > limit or not text.isprintable():
        raise InvalidInput(f"{what}: one line of at most {limit} characters", field=what)
    return text
