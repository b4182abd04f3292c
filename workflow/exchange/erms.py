"""Closed cases as a CITS ERMS case file (FGS Ärendehantering 2.0) for the archive.

Schema: E-ARK CITS ERMS v3.0.2, namespace ``https://DILCIS.eu/XML/ERMS``,
shipped as ``schemas/ERMS_v3.xsd`` and used by :func:`validate_erms` offline.

What goes where, per case (one ``aggregation aggregationType="caseFile"``):

* ``objectId`` -- the first diary number; every diary number is an ``extraId``
  (``extraIdType="diary_number"``) and the engine's case id one more
  (``extraIdType="system_case_id"``);
* each linked case is a ``relation`` naming the other case file by its diary
  number (``is_parent_of`` a sub-case, ``is_child_of`` its parent,
  ``reference`` a related case), and the linking is an action in words;
* the parties (huvudmän) are ``agent agentType="owner"`` with their diary
  number as ``idNumber``; whoever opened the case is the ``opening_person``;
* every entry of the log is an ``action`` whose ``actionText`` says in Swedish
  what happened, naming bodies and parties by their labels: a decision (its
  reference and step, a joint decision's parties, an amount, an urgent
  decision of the chair), a due date set, moved or met (``actionDue`` the
  date as decided), a proposal (who proposes what to which body, point by
  point), its return or postponement, a sub-delegation, the reporting of an
  urgent decision, the posting of the minutes; ``actionType`` is the kind and
  trigger for programs, ``actionMotivation`` the note.  The deciding body is the
  ``authorising_person`` agent (body name, party as ``organisation``, body id
  as ``unitName``), the proposing body an ``agentType="other"
  otherAgentType="proposer"``, the registrar the ``creator``;
* each decision is also a ``record`` (``recordType="decision"``) -- the
  dispatched decision: ``direction`` outgoing and one ``recipient`` agent per
  "expedieras till"; it points (``relation relationType="reference"``) to its
  basis documents, which are records of their own (``recordType="decision_basis"``);
  an urgent decision of the chair carries the keyword ``brådskande beslut``, and
  the day its minutes were posted is a date ``otherDateType="minutes_posted"``;
* notes in the log are ``notes/note``.

Dates: ERMS date elements are ``xs:dateTime``.  A full decision date is
written as that day at 00:00 without a time zone (the day, nothing more).
A partial decision date (``2023``, ``2023-12``) is never turned into a day:
the date element is left out and the partial date is written in words, in the
``actionText`` of the action and in a note (``noteType="partial_date"``).
The case file's ``created`` date is the day the case was opened as its log
gives it; when the log knows only the year or the month, the first day of it
stands there (``created`` is required to be a dateTime) and a note says how
much of it is known.  The time the engine recorded an entry is always full
and is given as ``dateType="captured"``.

Only cases in a final state are archived; anything else is refused before
a byte is written.  The texts are Swedish (``lang="sv"``), the language of
the records; they come from the message catalogue ``i18n/sv/exchange.po``.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core import present
from workflow.core.audit import Entry, verify_chain
from workflow.core.case import Case
from workflow.core.decisions import PartialDate
from workflow.core.definition import Definition
from workflow.core.errors import AuditFailure, InvalidInput, NotArchivable
from workflow.i18n import format_date, t

if TYPE_CHECKING:
    from workflow.api import Workflow

__all__ = ["NAMESPACE", "XSD_PATH", "NotArchivable", "cases_to_erms", "validate_erms"]

NAMESPACE = "https://DILCIS.eu/XML/ERMS"
XSD_PATH = Path(__file__).parent / "schemas" / "ERMS_v3.xsd"
_ID_NAMESPACE = uuid.UUID("6f1e3a52-8f0c-4d38-9a57-4b1f3c6d2e10")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RELATIONS = {"child": "is_parent_of", "parent": "is_child_of", "related": "reference"}
"""A link's relation (what the other case is to this one) as the ERMS relation of this case file to it."""
_schema: Any = None


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _text(text)
    return el


def _uuid(*parts: Any) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(map(str, parts))))


def _partial(value: str | None) -> PartialDate | None:
    if not value:
        return None
    try:
        return PartialDate.parse(value)
    except Exception:
        return None


def _full_datetime(value: str | None) -> str | None:
    """A full date as xs:dateTime (midnight, no zone); ``None`` for a partial or missing date."""
    p = _partial(value)
    return f"{p.first_day().isoformat()}T00:00:00" if p is not None and p.is_full else None


class _Words:
    """The Swedish (or ``lang``) texts of one case file, naming bodies, parties and cases by their labels."""

    def __init__(self, d: Definition, lang: str, others: Mapping[str, str]) -> None:
        self.d, self.lang, self.others = d, lang, others

    def t(self, message: str, **values: object) -> str:
        return t(message, self.lang, **values)

    def partial(self, value: str) -> str:
        if len(value) == 4:
            return self.t("{date}, only the year known", date=value)
        return self.t("{date}, only the year and month known", date=value)

    def date(self, value: str) -> str:
        return format_date(value, self.lang)

    def body(self, body_id: str | None) -> tuple[str, str | None, str | None]:
        """Name, party name and unit of a body (the id itself for a body the definition does not name)."""
        if not body_id:
            return ("", None, None)
        b = self.d.bodies.get(body_id)
        if b is None:
            return (body_id, None, body_id)
        return (b.label.get(self.lang), self.party(b.party), b.id)

    def party(self, party_id: str | None) -> str:
        return present.party_name(self.d, party_id)

    def step(self, trigger: str | None) -> str:
        return present.step_label(self.d, trigger, self.lang)

    def due(self, name: Any) -> str:
        return present.due_label(self.d, str(name), self.lang)

    def task(self, name: Any) -> str:
        return present.task_label(self.d, str(name), self.lang)

    def when(self, date: str, meeting: str | None) -> str:
        """A due date in prose; a meeting by its body's label (``Hälso- och sjukvårdsnämndens sammanträde i
        december 2023``)."""
        return present.due_text(date, self.body(meeting)[0] if meeting else None, self.lang)

    def case(self, case_id: str, title: str) -> str:
        number = self.others.get(case_id, case_id)
        return f"{number} ({title})" if title else number

    def deciding(self, p: Mapping[str, Any]) -> str:
        """The role of the body a decision was taken for: deciding, or whose chair or delegate decided."""
        if p.get("urgent"):
            return self.t("chair (urgent decision)")
        if p.get("delegated"):
            return self.t("delegating body (delegated decision)")
        return self.t("deciding body")

    def keywords(self, p: Mapping[str, Any]) -> list[str]:
        return [self.t(word) for flag, word in (("urgent", "urgent decision"), ("delegated", "delegated decision"))
                if p.get(flag)]

    # -- one sentence per kind of entry ---------------------------------------------------

    def decision(self, e: Entry) -> str:
        p = e.payload
        step = self.step(e.trigger)
        parts = [f"{e.reference}: {step}" if e.reference else step]
        if p.get("urgent"):
            parts.append(self.t("urgent decision of the chair, to be reported to {body}",
                                body=self.body(p.get("body"))[0]))
        if p.get("delegated"):
            parts.append(self.t("decision under the delegation of {body}, to be reported to it",
                                body=self.body(p.get("body"))[0]))
        joint = p.get("joint")
        if joint:
            who = self.party(joint.get("party"))
            if p.get("outcome") == "no":
                parts.append(self.t("joint decision: {party} said no", party=who))
            else:
                parts.append(self.t("joint decision: {party} decided", party=who))
                if joint.get("awaiting"):
                    parts.append(self.t("awaiting {parties}",
                                        parties=", ".join(self.party(x) for x in joint["awaiting"])))
        proposal = p.get("proposal")
        if proposal:
            key = "as proposed in {proposal}" if proposal.get("outcome") != "changed" \
                else "proposal {proposal} adopted with changes"
            parts.append(self.t(key, proposal=proposal.get("id")))
        if p.get("amount") is not None:
            parts.append(self.t("amount {amount}", amount=present.amount_text(p["amount"], p.get("ceiling"), self.lang)))
        for a in p.get("assign") or ():
            key = "assigned to {assignee} ({task}), with the right to sub-delegate" if a.get("may_subdelegate") \
                else "assigned to {assignee} ({task})"
            parts.append(self.t(key, assignee=a.get("assignee"), task=self.task(a.get("task"))))
        if p.get("posted"):
            parts.append(self.t("minutes posted {date}", date=self.date(p["posted"])))
        text = "; ".join(parts)
        if e.effective and not _full_datetime(e.effective):
            text += " " + self.t("(decision date {date})", date=self.partial(e.effective))
        return text

    def due_change(self, e: Entry) -> str:
        p = e.payload
        key = {"set": "{due}: due date set", "moved": "{due}: due date moved",
               "met": "{due}: due date met"}.get(str(p.get("action")), "{due}: due date changed")
        text = self.t(key, due=self.due(p.get("name")))
        old = p.get("old") if isinstance(p.get("old"), dict) else None
        if p.get("action") == "moved" and old and old.get("date"):
            text += " " + self.t("(was {when})", when=self.when(old["date"], old.get("meeting")))
        return text + (f" ({e.reference})" if e.reference else "")

    def link(self, e: Entry) -> str:
        p = e.payload
        relation = {"child": "the sub-case", "parent": "the parent case"}.get(str(p.get("relation")), "the related case")
        return self.t("Linked to the {relation} {case}", relation=self.t(relation),
                      case=self.case(str(p.get("case")), str(p.get("title") or "")))

    def proposal(self, e: Entry) -> str:
        p = e.payload
        prop = p.get("proposal") or {}
        text = self.t("Proposal {id} from {proposer} to {body}", id=p.get("id"),
                      proposer=self.body(prop.get("proposer"))[0], body=self.body(prop.get("to_body"))[0])
        if prop.get("meeting"):
            text += " " + self.t("for its meeting {date}", date=self.date(prop["meeting"]))
        points = [pt.get("text") or self.step(pt.get("trigger")) for pt in prop.get("points") or ()]
        text += ": " + "; ".join(f"{i}) {point}" for i, point in enumerate(points, 1))
        if prop.get("document"):
            text += ". " + self.t("Document: {document}", document=prop["document"])
        if prop.get("preparers"):
            text += ". " + self.t("Prepared by: {names}", names=", ".join(map(str, prop["preparers"])))
        return text + "."

    def proposal_outcome(self, e: Entry) -> str:
        p = e.payload
        key = {"returned": "Proposal {id} sent back for further preparation",
               "postponed": "Proposal {id} postponed"}.get(str(p.get("outcome")), "Proposal {id}: {outcome}")
        text = self.t(key, id=p.get("id"), outcome=p.get("outcome"))
        if e.reference:
            text += f" ({e.reference})"
        if p.get("meeting"):
            text += "; " + self.t("to be taken up again {date}", date=self.date(p["meeting"]))
        return text

    def delegation(self, e: Entry) -> str:
        p = e.payload
        key = "Task {task} sub-delegated from {holder} to {to}, with the right to sub-delegate" \
            if p.get("may_subdelegate") else "Task {task} sub-delegated from {holder} to {to}"
        return self.t(key, task=self.task(p.get("task")), holder=p.get("from"), to=p.get("to"))

    def urgent_reported(self, e: Entry) -> str:
        return self.t("The chair's urgent decision {urgent} reported at {reference}",
                      urgent=e.payload.get("urgent_reference"), reference=e.reference)

    def delegated_reported(self, e: Entry) -> str:
        return self.t("Delegated decision {delegated} reported at {reference}",
                      delegated=e.payload.get("delegated_reference"), reference=e.reference)

    def minutes_posted(self, e: Entry) -> str:
        from workflow.core.appeal import last_appeal_day

        posted = str(e.payload.get("posted"))
        text = self.t("Minutes of {reference} posted on the notice board {date}",
                      reference=e.payload.get("reference"), date=self.date(posted))
        p = _partial(posted)
        if p is not None and p.is_full:
            text += "; " + self.t("the appeal period ends {date}",
                                  date=self.date(last_appeal_day(p.first_day()).isoformat()))
        return text


def _agent(parent: ET.Element, agent_type: str, name: str, *, other: str | None = None,
           organisation: str | None = None, unit: str | None = None, id_number: tuple[str, str] | None = None,
           role: str | None = None) -> None:
    attrs = {"agentType": agent_type}
    if other:
        attrs["otherAgentType"] = other
    a = _sub(parent, "agent", **attrs)
    _sub(a, "name", name)
    if organisation:
        _sub(a, "organisation", organisation)
    if unit:
        _sub(a, "unitName", unit)
    if id_number:
        _sub(a, "idNumber", id_number[1], idNumberType=id_number[0])
    if role:
        _sub(a, "role", role)


def _posting_dates(entries: list[Entry]) -> dict[str, str]:
    """The day the minutes of each decision were posted, by the decision's reference."""
    posted: dict[str, str] = {}
    for e in entries:
        if e.kind == "minutes_posted":
            posted[str(e.payload.get("reference"))] = str(e.payload.get("posted"))
        elif e.kind == "decision" and e.payload.get("posted") and e.reference:
            posted[str(e.reference)] = str(e.payload["posted"])
    return posted


def _action(agg: ET.Element, e: Entry, w: _Words) -> None:
    p = e.payload
    action = _sub(agg, "action")
    texts = {"decision": w.decision, "due": w.due_change, "link": w.link, "proposal": w.proposal,
             "proposal_outcome": w.proposal_outcome, "delegation": w.delegation,
             "urgent_reported": w.urgent_reported, "delegated_reported": w.delegated_reported,
             "minutes_posted": w.minutes_posted}
    say = texts.get(e.kind)
    _sub(action, "actionText", say(e) if say is not None else e.kind)
    if e.kind == "due":
        new = p.get("new") if isinstance(p.get("new"), dict) else None
        if new and new.get("date"):
            _sub(action, "actionDue", w.when(new["date"], new.get("meeting")))
    if e.kind == "decision" and p.get("note"):
        _sub(action, "actionMotivation", p["note"])
    detail = {"decision": e.trigger, "due": p.get("action"), "link": p.get("relation"), "proposal": p.get("id"),
              "proposal_outcome": p.get("outcome"), "delegation": p.get("task"), "urgent_reported": p.get("urgent"),
              "delegated_reported": p.get("delegated"), "minutes_posted": p.get("reference")}.get(e.kind)
    _sub(action, "actionType", f"{e.kind}:{detail}" if detail else e.kind)

    adates = _sub(action, "dates")
    on_day = _full_datetime(e.effective)
    if on_day and e.kind == "decision":
        _sub(adates, "actionDate", on_day, dateType="decision_date")
    if e.kind == "minutes_posted" and _full_datetime(p.get("posted")):
        _sub(adates, "actionDate", _full_datetime(p.get("posted")), dateType="other", otherDateType="minutes_posted")
    _sub(adates, "actionDate", e.recorded_at, dateType="captured")

    aagents = _sub(action, "agents")
    if e.kind == "decision":
        name, party, unit = w.body(p.get("body"))
        if name:
            _agent(aagents, "authorising_person", name, organisation=party, unit=unit, role=w.deciding(p))
        if p.get("proposed_by"):
            name, party, unit = w.body(p["proposed_by"])
            _agent(aagents, "other", name, other="proposer", organisation=party, unit=unit, role=w.t("proposing body"))
    elif e.kind == "proposal":
        prop = p.get("proposal") or {}
        name, party, unit = w.body(prop.get("proposer"))
        if name:
            _agent(aagents, "other", name, other="proposer", organisation=party, unit=unit, role=w.t("proposing body"))
        name, party, unit = w.body(prop.get("to_body"))
        if name:
            _agent(aagents, "receiver", name, organisation=party, unit=unit, role=w.t("deciding body"))
    _agent(aagents, "creator", e.actor, role=w.t("registrar"))


def _case_file(parent: ET.Element, case: Case, entries: list[Entry], d: Definition, w: _Words) -> None:
    agg = _sub(parent, "aggregation", aggregationType="caseFile", systemIdentifier=_uuid("case", case.id))
    _sub(agg, "objectId", case.label)
    for n in case.numbers:
        _sub(agg, "extraId", n.number, extraIdType="diary_number")
    _sub(agg, "extraId", case.id, extraIdType="system_case_id")
    decisions = [e for e in entries if e.kind == "decision"]
    keywords = list(dict.fromkeys(k for e in decisions for k in w.keywords(e.payload)))
    if keywords:
        holder = _sub(agg, "keywords")
        for k in keywords:
            _sub(holder, "keyword", k)
    _sub(agg, "title", case.title)
    _sub(agg, "status", value="closed")
    for link in case.data.get("links", []):
        _sub(agg, "relation", w.others.get(str(link.get("case")), str(link.get("case"))),
             relationType=_RELATIONS.get(str(link.get("relation")), "reference"))

    opened = entries[0]
    agents = _sub(agg, "agents")
    for party_id in case.data.get("parties", []):
        name = w.party(party_id)
        numbers = [n.number for n in case.numbers if n.party == party_id]
        _agent(agents, "owner", name, organisation=name, role=w.t("principal"),
               id_number=("diary_number", numbers[0]) if numbers else None)
    _agent(agents, "opening_person", opened.actor, role=w.t("registrar"))
    state = d.states[case.state]
    _sub(agg, "description", w.t("Process: {process} (version {version}). Closed in the state: {state}.",
                                 process=d.label.get(w.lang), version=d.version, state=state.label.get(w.lang)))

    notes: list[tuple[str, str, str | None]] = []
    dates = _sub(agg, "dates")
    opening = _partial(opened.effective) or _partial(opened.recorded_at[:10])
    assert opening is not None
    _sub(dates, "date", f"{opening.first_day().isoformat()}T00:00:00", dateType="created")
    if opening.is_full:
        _sub(dates, "date", f"{opening.first_day().isoformat()}T00:00:00", dateType="opened")
    else:
        notes.append(("partial_date", w.t("Case opened: {when}", when=w.partial(str(opening))), opened.recorded_at))
    closing = next((e for e in reversed(entries) if e.kind == "decision" and e.to_state == case.state
                    and e.from_state != case.state), None)
    if closing is not None:
        closed_on = _full_datetime(closing.effective)
        if closed_on:
            _sub(dates, "date", closed_on, dateType="closed")
        elif closing.effective:
            notes.append(("partial_date", w.t("Case closed: {when}", when=w.partial(closing.effective)),
                          closing.recorded_at))
    _sub(dates, "date", opened.recorded_at, dateType="captured")

    basis_ids: dict[str, str] = {}
    for e in entries:
        if e.kind == "note":
            notes.append(("note", str(e.payload.get("note", "")), e.recorded_at))
        elif e.kind != "opened":
            _action(agg, e, w)
        if e.kind == "decision":
            for doc in e.payload.get("basis") or ():
                basis_ids.setdefault(str(doc), f"{case.label} {w.t('basis')} {len(basis_ids) + 1}")

    if notes:
        holder = _sub(agg, "notes")
        for kind, text, when in notes:
            attrs = {"noteType": kind}
            if when:
                attrs["noteDate"] = when
            _sub(holder, "note", text, **attrs)

    posted = _posting_dates(entries)
    decision_ids = {e.seq: f"{case.label} {w.t('decision')} {e.seq}" for e in decisions}
    for e in decisions:
        _decision_record(agg, case, e, decision_ids[e.seq], basis_ids, posted, w)
    for doc, object_id in basis_ids.items():
        rec = _sub(agg, "record", systemIdentifier=_uuid("basis", case.id, doc), recordType="decision_basis")
        _sub(rec, "objectId", object_id)
        _sub(rec, "title", doc)
        for e in decisions:
            if doc in [str(x) for x in e.payload.get("basis") or ()]:
                _sub(rec, "relation", decision_ids[e.seq], relationType="referenced_by")


def _decision_record(agg: ET.Element, case: Case, e: Entry, object_id: str, basis_ids: Mapping[str, str],
                     posted: Mapping[str, str], w: _Words) -> None:
    p = e.payload
    rec = _sub(agg, "record", systemIdentifier=_uuid("decision", case.id, e.seq), recordType="decision",
               recordPhysicalOrDigital="digital")
    _sub(rec, "objectId", object_id)
    if e.reference:
        _sub(rec, "extraId", e.reference, extraIdType="decision_reference")
    keywords = w.keywords(p)
    if keywords:
        holder = _sub(rec, "keywords")
        for k in keywords:
            _sub(holder, "keyword", k)
    _sub(rec, "title", w.t("Decision: {step}", step=w.step(e.trigger)))
    for doc in p.get("basis") or ():
        _sub(rec, "relation", basis_ids[str(doc)], relationType="reference")
    recipients = [str(r) for r in p.get("recipients") or ()]
    _sub(rec, "direction", directionDefinition="outgoing" if recipients else "internal_memo_without_follow-up")
    ragents = _sub(rec, "agents")
    name, party, unit = w.body(p.get("body"))
    if name:
        _agent(ragents, "authorising_person", name, organisation=party, unit=unit, role=w.deciding(p))
    for r in recipients:
        _agent(ragents, "recipient", r, role=w.t("dispatched to"))
    rdates = _sub(rec, "dates")
    decided_on = _full_datetime(e.effective)
    if decided_on:
        _sub(rdates, "date", decided_on, dateType="decision_date")
    posted_on = _full_datetime(posted.get(str(e.reference)))
    if posted_on:
        _sub(rdates, "date", posted_on, dateType="other", otherDateType="minutes_posted")
    _sub(rdates, "date", e.recorded_at, dateType="captured")
    if e.effective and not decided_on:
        _sub(_sub(rec, "notes"), "note", w.t("Decision date: {when}", when=w.partial(e.effective)),
             noteType="partial_date")


def _other_cases(wf: "Workflow", items: Iterable[tuple[Case, list[Entry], Definition]]) -> dict[str, str]:
    """The diary number (or id) of every case the archived cases link to, by case id."""
    from workflow.core.errors import CaseNotFound

    found: dict[str, str] = {}
    for case, _e, _d in items:
        for link in case.data.get("links", []):
            other = str(link.get("case"))
            if other not in found:
                try:
                    found[other] = wf.case(other).label
                except CaseNotFound:  # linked in another register: its id is all this one knows
                    found[other] = other
    return found


def cases_to_erms(
    wf: "Workflow", keys: Iterable[str], *, agency: str | None = None, actor: str = "kansli-workflow",
    lang: str = "sv",
) -> bytes:
    """An ERMS document (UTF-8 bytes) with one case file per closed case, its texts in ``lang``.

    Refuses (:class:`NotArchivable`) if any case is not in a final state and
    (:class:`AuditFailure`) if a case's log does not verify.
    """
    wanted = list(dict.fromkeys(wf.case(k).id for k in keys))
    if not wanted:
        raise InvalidInput("name at least one case to archive")
    loaded = {c.id: (c, e) for c, e, _due in wf.logs(wanted)}
    items = []
    open_cases = []
    for cid in wanted:
        case, entries = loaded[cid]
        d = wf.definition_of(case)
        if not d.states[case.state].final:
            open_cases.append((case.label, case.state))
        problems = verify_chain(case.id, entries, case.head_seq, case.head_hash)
        if problems:
            raise AuditFailure(f"not archived: {problems[0]} (verify the audit log)")
        items.append((case, entries, d))
    if open_cases:
        raise NotArchivable(open_cases)

    others = _other_cases(wf, items)
    agencies = list(dict.fromkeys(
        d.parties[p].name if p in d.parties else p for c, _e, d in items for p in c.data.get("parties", [])
    )) if agency is None else [agency]
    now = wf.clock().astimezone().isoformat(timespec="seconds")
    root = ET.Element("erms", {"xmlns": NAMESPACE})
    control = _sub(root, "control")
    _sub(control, "identification", "kansli-workflow", identificationType="system")
    _sub(control, "identification", _uuid("export", *wanted), identificationType="export")
    maint = _sub(control, "maintenanceInformation")
    _sub(maint, "maintenanceStatus", value="new")
    ag = _sub(maint, "maintenanceAgency")
    for name in agencies or ["kansli-workflow"]:
        _sub(ag, "agencyName", name)
    history = _sub(maint, "maintenanceHistory")
    event = _sub(history, "maintenanceEvent")
    _sub(event, "eventType", value="created")
    _sub(event, "eventDateTime", now)
    _agent(event, "creator", actor, role=t("exported by", lang))
    aggs = _sub(root, "aggregations")
    for case, entries, d in items:
        _case_file(aggs, case, entries, d, _Words(d, lang, others))
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def validate_erms(document: bytes) -> list[str]:
    """Problems found validating ``document`` against ERMS_v3.xsd (empty if valid); needs ``xmlschema``."""
    global _schema
    import xmlschema

    if _schema is None:
        _schema = xmlschema.XMLSchema(str(XSD_PATH))
    return [f"{e.path}: {e.reason}" for e in _schema.iter_errors(ET.fromstring(document))]
