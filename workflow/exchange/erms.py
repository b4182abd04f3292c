"""Closed cases as a CITS ERMS case file (FGS Ärendehantering 2.0) for the archive.

Schema: E-ARK CITS ERMS v3.0.2, namespace ``https://DILCIS.eu/XML/ERMS``,
shipped as ``schemas/ERMS_v3.xsd`` and used by :func:`validate_erms` offline.

What goes where, per case (one ``aggregation aggregationType="caseFile"``):

* ``objectId`` -- the first diary number; every diary number is an ``extraId``
  (``extraIdType="diary_number"``) and the engine's case id one more
  (``extraIdType="system_case_id"``);
* the parties (huvudmän) are ``agent agentType="owner"`` with their diary
  number as ``idNumber``; whoever opened the case is the ``opening_person``;
* every decision and every due-date change is an ``action``: ``actionText`` is
  the reference and the step's Swedish label, ``actionType`` the kind and
  trigger, ``actionMotivation`` the note, ``actionDue`` the due date as decided;
  the deciding body is the ``authorising_person`` agent (body name, party as
  ``organisation``, body id as ``unitName``), the proposing body an
  ``agentType="other" otherAgentType="proposer"``, the registrar the ``creator``;
* each decision is also a ``record`` (``recordType="decision"``) -- the
  dispatched decision: ``direction`` outgoing and one ``recipient`` agent per
  "expedieras till"; it points (``relation relationType="reference"``) to its
  basis documents, which are records of their own (``recordType="decision_basis"``);
* notes in the log are ``notes/note``.

Dates: ERMS date elements are ``xs:dateTime``.  A full decision date is
written as that day at 00:00 without a time zone (the day, nothing more).
A partial date (``2023``, ``2023-12``) is never turned into a day: the date
element is left out and the partial date is written in words, in the
``actionText`` of the action and in a note (``noteType="partial_date"``).
The time the engine recorded an entry is always full and is given as
``dateType="captured"``.

Only cases in a final state are archived; anything else is refused before
a byte is written.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core.audit import Entry, verify_chain
from workflow.core.case import Case
from workflow.core.decisions import PartialDate
from workflow.core.definition import Definition
from workflow.core.errors import AuditFailure, InvalidInput, NotArchivable

if TYPE_CHECKING:
    from workflow.api import Workflow

NAMESPACE = "https://DILCIS.eu/XML/ERMS"
XSD_PATH = Path(__file__).parent / "schemas" / "ERMS_v3.xsd"
_ID_NAMESPACE = uuid.UUID("6f1e3a52-8f0c-4d38-9a57-4b1f3c6d2e10")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
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


def _full_datetime(value: str | None) -> str | None:
    """A full date as xs:dateTime (midnight, no zone); ``None`` for a partial or missing date."""
    if not value:
        return None
    try:
        p = PartialDate.parse(value)
    except Exception:
        return None
    return f"{p.first_day().isoformat()}T00:00:00" if p.is_full else None


def _partial_words(value: str) -> str:
    precision = "endast år" if len(value) == 4 else "endast år och månad"
    return f"{value}, {precision} känt"


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


def _body(d: Definition, body_id: str | None) -> tuple[str, str | None, str | None]:
    """Name, party name and unit of a body (falls back to the id itself)."""
    if not body_id:
        return ("", None, None)
    b = d.bodies.get(body_id)
    if b is None:
        return (body_id, None, body_id)
    party = d.parties[b.party].name if b.party in d.parties else b.party
    return (b.label.sv, party, b.id)


def _step_label(d: Definition, trigger: str | None) -> str:
    for t in d.transitions:
        if t.trigger == trigger:
            return t.label.sv
    return trigger or ""


def _case_file(parent: ET.Element, case: Case, entries: list[Entry], d: Definition) -> None:
    agg = _sub(parent, "aggregation", aggregationType="caseFile", systemIdentifier=_uuid("case", case.id))
    _sub(agg, "objectId", case.label)
    for n in case.numbers:
        _sub(agg, "extraId", n.number, extraIdType="diary_number")
    _sub(agg, "extraId", case.id, extraIdType="system_case_id")
    _sub(agg, "title", case.title)
    _sub(agg, "status", value="closed")

    opened = entries[0]
    agents = _sub(agg, "agents")
    for p in case.data.get("parties", []):
        name = d.parties[p].name if p in d.parties else p
        numbers = [n.number for n in case.numbers if n.party == p]
        _agent(agents, "owner", name, organisation=name, role="huvudman",
               id_number=("diary_number", numbers[0]) if numbers else None)
    _agent(agents, "opening_person", opened.actor, role="registrator")
    state = d.states[case.state]
    _sub(agg, "description", f"Process: {d.label.sv} ({d.id} v{d.version}). Avslutat i läget: {state.label.sv}.")

    notes: list[tuple[str, str, str | None]] = []
    dates = _sub(agg, "dates")
    _sub(dates, "date", opened.recorded_at, dateType="created")
    opened_on = _full_datetime(opened.effective)
    if opened_on:
        _sub(dates, "date", opened_on, dateType="opened")
    elif opened.effective:
        notes.append(("partial_date", f"Ärendet öppnat: {_partial_words(opened.effective)}", opened.recorded_at))
    closing = next((e for e in reversed(entries) if e.kind == "decision" and e.to_state == case.state
                    and e.from_state != case.state), None)
    if closing is not None:
        closed_on = _full_datetime(closing.effective)
        if closed_on:
            _sub(dates, "date", closed_on, dateType="closed")
        elif closing.effective:
            notes.append(("partial_date", f"Ärendet avslutat: {_partial_words(closing.effective)}",
                          closing.recorded_at))

    decision_records: list[tuple[Entry, str]] = []
    basis_ids: dict[str, str] = {}
    for e in entries:
        if e.kind == "note":
            notes.append(("note", str(e.payload.get("note", "")), e.recorded_at))
            continue
        if e.kind == "opened":
            continue
        p = e.payload
        action = _sub(agg, "action")
        if e.kind == "decision":
            text = f"{e.reference}: {_step_label(d, e.trigger)}" if e.reference else _step_label(d, e.trigger)
            joint = p.get("joint")
            if joint:
                text += f" (gemensamt beslut; part: {joint.get('party')}, utfall: {p.get('outcome')})"
            if p.get("amount") is not None:
                text += f"; belopp {p['amount']} kr" + (f" (högst {p['ceiling']} kr)" if p.get("ceiling") else "")
            if e.effective and not _full_datetime(e.effective):
                text += f" (beslutsdatum {_partial_words(e.effective)})"
            _sub(action, "actionText", text)
            if p.get("note"):
                _sub(action, "actionMotivation", p["note"])
            _sub(action, "actionType", f"decision:{e.trigger}")
        else:
            new = (p.get("new") or {}) if isinstance(p.get("new"), dict) else {}
            what = {"set": "bevakning satt", "moved": "bevakning flyttad", "met": "bevakning uppfylld"}.get(
                str(p.get("action")), str(p.get("action")))
            due_label = d.due_kinds[p["name"]].label.sv if p.get("name") in d.due_kinds else str(p.get("name"))
            _sub(action, "actionText", f"{due_label}: {what}" + (f" ({e.reference})" if e.reference else ""))
            if new.get("date"):
                _sub(action, "actionDue", new["date"] + (f" ({new['meeting']}s sammanträde)" if new.get("meeting") else ""))
            _sub(action, "actionType", f"{e.kind}:{p.get('action')}")
        adates = _sub(action, "dates")
        decided_on = _full_datetime(e.effective)
        if decided_on and e.kind == "decision":
            _sub(adates, "actionDate", decided_on, dateType="decision_date")
        _sub(adates, "actionDate", e.recorded_at, dateType="captured")
        aagents = _sub(action, "agents")
        if e.kind == "decision":
            name, party, unit = _body(d, p.get("body"))
            if name:
                _agent(aagents, "authorising_person", name, organisation=party, unit=unit, role="beslutande organ")
            if p.get("proposed_by"):
                name, party, unit = _body(d, p["proposed_by"])
                _agent(aagents, "other", name, other="proposer", organisation=party, unit=unit,
                       role="föreslagande organ")
        _agent(aagents, "creator", e.actor, role="registrator")
        if e.kind == "decision":
            decision_records.append((e, f"{case.label} beslut {e.seq}"))
            for doc in p.get("basis") or ():
                basis_ids.setdefault(str(doc), f"{case.label} underlag {len(basis_ids) + 1}")

    if notes:
        holder = _sub(agg, "notes")
        for kind, text, when in notes:
            attrs = {"noteType": kind}
            if when:
                attrs["noteDate"] = when
            _sub(holder, "note", text, **attrs)

    for e, object_id in decision_records:
        p = e.payload
        rec = _sub(agg, "record", systemIdentifier=_uuid("decision", case.id, e.seq), recordType="decision",
                   recordPhysicalOrDigital="digital")
        _sub(rec, "objectId", object_id)
        if e.reference:
            _sub(rec, "extraId", e.reference, extraIdType="decision_reference")
        _sub(rec, "title", f"Beslut: {_step_label(d, e.trigger)}")
        for doc in p.get("basis") or ():
            _sub(rec, "relation", basis_ids[str(doc)], relationType="reference")
        recipients = [str(r) for r in p.get("recipients") or ()]
        _sub(rec, "direction", directionDefinition="outgoing" if recipients else "internal_memo_without_follow-up")
        ragents = _sub(rec, "agents")
        name, party, unit = _body(d, p.get("body"))
        if name:
            _agent(ragents, "authorising_person", name, organisation=party, unit=unit, role="beslutande organ")
        for r in recipients:
            _agent(ragents, "recipient", r, role="expedieras till")
        rdates = _sub(rec, "dates")
        decided_on = _full_datetime(e.effective)
        if decided_on:
            _sub(rdates, "date", decided_on, dateType="decision_date")
        _sub(rdates, "date", e.recorded_at, dateType="captured")
        if e.effective and not decided_on:
            _sub(_sub(rec, "notes"), "note", f"Beslutsdatum: {_partial_words(e.effective)}", noteType="partial_date")
    for doc, object_id in basis_ids.items():
        rec = _sub(agg, "record", systemIdentifier=_uuid("basis", case.id, doc), recordType="decision_basis")
        _sub(rec, "objectId", object_id)
        _sub(rec, "title", doc)
        for e, decision_id in decision_records:
            if doc in [str(x) for x in e.payload.get("basis") or ()]:
                _sub(rec, "relation", decision_id, relationType="referenced_by")


def cases_to_erms(
    wf: "Workflow", keys: Iterable[str], *, agency: str | None = None, actor: str = "kansli-workflow",
) -> bytes:
    """An ERMS document (UTF-8 bytes) with one case file per closed case.

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
    _agent(event, "creator", actor, role="exporterat av")
    aggs = _sub(root, "aggregations")
    for case, entries, d in items:
        _case_file(aggs, case, entries, d)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def validate_erms(document: bytes) -> list[str]:
    """Problems found validating ``document`` against ERMS_v3.xsd (empty if valid); needs ``xmlschema``."""
    global _schema
    import xmlschema

    if _schema is None:
        _schema = xmlschema.XMLSchema(str(XSD_PATH))
    return [f"{e.path}: {e.reason}" for e in _schema.iter_errors(ET.fromstring(document))]
