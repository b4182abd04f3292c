"""CITS ERMS (FGS Ärendehantering 2.0) archive export, validated against ERMS_v3.xsd.

The oracle is the official schema, read by two validators (xmlschema and
lxml), and the file read back as an archive's system reads it: element by
element, in the ERMS namespace.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from tests.conftest import CLOSE_REFERENCE, dump
from workflow.exchange.erms import XSD_PATH, NotArchivable, cases_to_erms

NS = {"e": "https://DILCIS.eu/XML/ERMS"}
SHARED_XSD = Path("/work/shared/schemas/erms/ERMS_v3.xsd")
WITHDRAW_REFERENCE = "HSN 2026-03-20 § 40"



@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD_PATH))


def _valid(data: bytes, schema: xmlschema.XMLSchema) -> ET.Element:
    """The document, once both validators have accepted it against the official schema."""
    from lxml import etree

    schema.validate(data.decode("utf-8"))
    lxml_schema = etree.XMLSchema(etree.parse(str(SHARED_XSD if SHARED_XSD.exists() else XSD_PATH)))
    document = etree.fromstring(data)
    assert lxml_schema.validate(document), lxml_schema.error_log
    return ET.fromstring(data)


def _texts(agg: ET.Element) -> list[str]:
    return [a.findtext("e:actionText", namespaces=NS) or "" for a in agg.findall("e:action", NS)]


def _action(agg: ET.Element, start: str) -> ET.Element:
    return next(a for a in agg.findall("e:action", NS) if (a.findtext("e:actionText", namespaces=NS) or "").startswith(start))


def _words_only(agg: ET.Element) -> None:
    """No placeholder, raw outcome or party id in what an archivist reads."""
    for text in _texts(agg):
        assert "None" not in text and "utfall" not in text and "yes" not in text, text
        assert not re.search(r"\bregion\b", text), text
        assert not re.search(r"(?<!Dorotea )\bkommun\b", text), text
    assert all(a.findtext("e:actionType", namespaces=NS) != "link:None" for a in agg.findall("e:action", NS))


def test_packaged_schema_is_the_published_one() -> None:
    if SHARED_XSD.exists():
        assert XSD_PATH.read_bytes() == SHARED_XSD.read_bytes()
    assert b"ERMS schema version 3.0.2" in XSD_PATH.read_bytes()


def test_closed_case_validates_and_carries_the_record(closed: Any, schema: xmlschema.XMLSchema) -> None:
    data = cases_to_erms(closed, ["HSN 801-2022"])
    root = _valid(data, schema)
    agg = root.find("e:aggregations/e:aggregation", NS)
    assert agg is not None and agg.get("aggregationType") == "caseFile"
    assert agg.findtext("e:objectId", namespaces=NS) == "HSN 801-2022"
    assert [x.text for x in agg.findall("e:extraId[@extraIdType='diary_number']", NS)] == ["HSN 801-2022"]
    owners = [a.findtext("e:name", namespaces=NS) for a in agg.findall("e:agents/e:agent[@agentType='owner']", NS)]
    assert owners == ["Region Västerbotten"]
    texts = _texts(agg)
    assert any(t.startswith("HSN 2022-09-22 § 142") for t in texts)
    close = _action(agg, CLOSE_REFERENCE)
    assert close.findtext("e:dates/e:actionDate[@dateType='decision_date']", namespaces=NS) == "2024-01-31T00:00:00"
    body = close.find("e:agents/e:agent[@agentType='authorising_person']", NS)
    assert body is not None and body.findtext("e:unitName", namespaces=NS) == "HSN"
    assert body.findtext("e:organisation", namespaces=NS) == "Region Västerbotten"
    # The 2023 decision (HSN 2023 § 30) has only a year: no invented day, the year in words.
    partial = _action(agg, "HSN 2023 § 30")
    assert partial.find("e:dates/e:actionDate[@dateType='decision_date']", NS) is None
    assert "2023, endast år känt" in (partial.findtext("e:actionText", namespaces=NS) or "")
    assert "belopp 1\u00a0800\u00a0000\u00a0kr (högst 1\u00a0800\u00a0000\u00a0kr)" in (
        partial.findtext("e:actionText", namespaces=NS) or "")
    assert "2023-01-01" not in data.decode("utf-8") and "2023-12-31" not in data.decode("utf-8")
    # The case was opened "2022": created is the opening day as far as the log knows it (the first day
    # of the year, dateTime being all ERMS allows), never the time it was entered; a note says only the
    # year is known, and no full "opened" date is invented.
    assert agg.findtext("e:dates/e:date[@dateType='created']", namespaces=NS) == "2022-01-01T00:00:00"
    assert agg.find("e:dates/e:date[@dateType='opened']", NS) is None
    notes = [n.text or "" for n in agg.findall("e:notes/e:note[@noteType='partial_date']", NS)]
    assert "Ärendet öppnat: 2022, endast år känt" in notes
    assert agg.findtext("e:dates/e:date[@dateType='closed']", namespaces=NS) == "2024-01-31T00:00:00"
    # The linked sub-cases are relations of the case file and actions in words.
    assert [(r.get("relationType"), r.text) for r in agg.findall("e:relation", NS)] == [
        ("is_parent_of", "demo-governo-umea"), ("is_parent_of", "demo-governo-skelleftea"),
        ("is_parent_of", "demo-governo-sodra-lappland")]
    assert "Kopplat till delärendet demo-governo-umea (Mobilt verksamhetssystem i Umeå närsjukvårdsområde)" in texts
    _words_only(agg)
    # Dispatch and basis documents as records.
    decision = next(r for r in agg.findall("e:record[@recordType='decision']", NS)
                    if r.findtext("e:extraId", namespaces=NS) == CLOSE_REFERENCE)
    assert decision.find("e:direction", NS).get("directionDefinition") == "outgoing"  # type: ignore[union-attr]
    recipients = [a.findtext("e:name", namespaces=NS) for a in decision.findall("e:agents/e:agent[@agentType='recipient']", NS)]
    assert recipients == ["Hälso- och sjukvårdsdirektören", "Ekonomidirektören"]
    basis = {r.findtext("e:title", namespaces=NS): r.findtext("e:objectId", namespaces=NS)
             for r in agg.findall("e:record[@recordType='decision_basis']", NS)}
    assert "Slutrapport följeforskning Governo" in basis
    refs = [r.text for r in decision.findall("e:relation[@relationType='reference']", NS)]
    assert basis["Slutrapport följeforskning Governo"] in refs


def test_posting_date_and_a_numbered_link(demo: Any, schema: xmlschema.XMLSchema) -> None:
    """The day the minutes were posted is a date of the decision and an action; a linked case is named
    by its diary number and title."""
    from workflow import Decision, DecisionRef
    from workflow.core.decisions import PartialDate

    demo.link("demo-governo", "HSN 501-2023", "related")
    demo.advance("demo-governo", Decision(trigger="close", reference=DecisionRef.parse(CLOSE_REFERENCE),
                                          actor="sekreterare"))
    demo.minutes_posted("demo-governo", DecisionRef.parse(CLOSE_REFERENCE), PartialDate.parse("2024-02-05"))
    agg = _valid(cases_to_erms(demo, ["demo-governo"]), schema).find("e:aggregations/e:aggregation", NS)
    assert agg is not None
    assert ("reference", "HSN 501-2023") in [(r.get("relationType"), r.text) for r in agg.findall("e:relation", NS)]
    texts = _texts(agg)
    assert "Kopplat till det relaterade ärendet HSN 501-2023 (Gemensam systemledning i Dorotea)" in texts
    posted = _action(agg, "Protokollet för")
    assert posted.findtext("e:actionText", namespaces=NS) == (
        f"Protokollet för {CLOSE_REFERENCE} anslaget på anslagstavlan 5 februari 2024; "
        "överklagandetiden löper ut 26 februari 2024")
    assert posted.findtext("e:dates/e:actionDate[@otherDateType='minutes_posted']", namespaces=NS) == "2024-02-05T00:00:00"
    record = next(r for r in agg.findall("e:record[@recordType='decision']", NS)
                  if r.findtext("e:extraId", namespaces=NS) == CLOSE_REFERENCE)
    date = record.find("e:dates/e:date[@dateType='other']", NS)
    assert date is not None and date.get("otherDateType") == "minutes_posted" and date.text == "2024-02-05T00:00:00"
    _words_only(agg)


def test_withdrawn_case_names_its_proposals_links_urgent_and_joint_decisions(
        demo: Any, schema: xmlschema.XMLSchema) -> None:
    from workflow import Decision, DecisionRef

    demo.advance("demo-dorotea", Decision(trigger="withdraw", reference=DecisionRef.parse(WITHDRAW_REFERENCE),
                                          actor="sekreterare", note="Uppdraget återtas."))
    agg = _valid(cases_to_erms(demo, ["HSN 501-2023"]), schema).find("e:aggregations/e:aggregation", NS)
    assert agg is not None
    texts = _texts(agg)
    _words_only(agg)
    assert agg.findtext("e:dates/e:date[@dateType='created']", namespaces=NS) == "2023-01-01T00:00:00"
    assert [(r.get("relationType"), r.text) for r in agg.findall("e:relation", NS)] == [
        ("reference", "demo-sjukstugemodellen")]
    assert "Kopplat till det relaterade ärendet demo-sjukstugemodellen (Fallstudie med fokus på sjukstugemodellen)" in texts
    # Proposals: who proposes what, point by point, to which body.
    p1 = _action(agg, "Förslag P1")
    assert p1.findtext("e:actionText", namespaces=NS) == (
        "Förslag P1 från Kommunstyrelsen till Kommunfullmäktige: 1) att godkänna förstudie med tillhörande "
        "handlingsplan för gemensam systemledning Dorotea. Handling: Förstudie och handlingsplan gemensam "
        "systemledning (KS-2023-0136-106). Beredd av: Gaby Bisping, handläggare.")
    assert p1.findtext("e:actionType", namespaces=NS) == "proposal:P1"
    assert [a.findtext("e:name", namespaces=NS) for a in p1.findall("e:agents/e:agent", NS)] == [
        "Kommunstyrelsen", "Kommunfullmäktige", "kansliet"]
    p2 = _action(agg, "Förslag P2").findtext("e:actionText", namespaces=NS) or ""
    assert p2.startswith("Förslag P2 från Hälso- och sjukvårdsnämndens arbetsutskott till Hälso- och "
                         "sjukvårdsnämnden inför sammanträdet 8 maj 2026: 1) att godkänna återrapporteringen; "
                         "2) att förlänga testperioden")
    assert "; 4) att uppdra till hälso- och sjukvårdsdirektören" in p2
    # Joint decisions name the parties, never their ids or a raw outcome.
    joint = _action(agg, "HSN 2023:").findtext("e:actionText", namespaces=NS)
    assert joint == ("HSN 2023: Uppdrag om förstudie; gemensamt beslut: Region Västerbotten har beslutat; "
                     "inväntar Dorotea kommun; uppdrag till Hälso- och sjukvårdsdirektören (Förstudie med handlingsplan) "
                     "(beslutsdatum 2023, endast år känt)")
    # The chair's urgent decision: in words, by its agent's role and as a keyword of the decision record.
    urgent = _action(agg, "HSN 2026-03-12:")
    assert "brådskande beslut av ordföranden, att anmälas till Hälso- och sjukvårdsnämnden" in (
        urgent.findtext("e:actionText", namespaces=NS) or "")
    assert urgent.findtext("e:agents/e:agent[@agentType='authorising_person']/e:role",
                           namespaces=NS) == "ordförande (brådskande beslut)"
    record = next(r for r in agg.findall("e:record[@recordType='decision']", NS)
                  if r.findtext("e:extraId", namespaces=NS) == "HSN 2026-03-12")
    assert [k.text for k in record.findall("e:keywords/e:keyword", NS)] == ["brådskande beslut"]
    assert [k.text for k in agg.findall("e:keywords/e:keyword", NS)] == ["brådskande beslut"]
    moved = _action(agg, "Återrapportering: bevakning flyttad (tidigare januari 2026)")
    assert moved.findtext("e:actionDue", namespaces=NS) == "Hälso- och sjukvårdsnämndens sammanträde 8 maj 2026"
    first = _action(agg, "Återrapportering: bevakning flyttad (tidigare Hälso- och sjukvårdsnämndens sammanträde i "
                         "december 2023) (KF 2023-12-04 § 102)")
    assert first.findtext("e:actionDue", namespaces=NS) == "februari 2024"


def test_a_case_opened_on_a_day_was_created_that_day(wf: Any, schema: xmlschema.XMLSchema) -> None:
    from workflow import Decision, DecisionRef

    c = wf.open_case("finansiering", effective="2021-05-03", title="Bidrag", numbers=["HSN 12-2021"], actor="x")
    wf.advance(c.id, Decision(trigger="refuse", reference=DecisionRef.parse("HSN 2021-06-10 § 7"), actor="x"))
    agg = _valid(cases_to_erms(wf, [c.id]), schema).find("e:aggregations/e:aggregation", NS)
    assert agg is not None
    assert agg.findtext("e:dates/e:date[@dateType='created']", namespaces=NS) == "2021-05-03T00:00:00"
    assert agg.findtext("e:dates/e:date[@dateType='opened']", namespaces=NS) == "2021-05-03T00:00:00"
    assert agg.find("e:notes", NS) is None
    assert agg.findtext("e:description", namespaces=NS) == "Process: Finansieringsbeslut (version 1). Avslutat i läget: Avslaget."


def test_open_case_is_refused(closed: Any, db_url: str) -> None:
    before = dump(db_url)
    with pytest.raises(NotArchivable, match=r"HSN 501-2023 \(state pilot\)"):
        cases_to_erms(closed, ["demo-governo", "demo-dorotea"])
    assert dump(db_url) == before


def test_cli(closed: Any, cli: Any, tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    out = tmp_path / "arkiv.xml"
    cli("archive", "export", "demo-governo", "-o", str(out))
    _valid(out.read_bytes(), schema)
    refused = tmp_path / "open.xml"
    result = cli("archive", "export", "demo-governo", "HSN 501-2023", "-o", str(refused), code=5)
    assert "HSN 501-2023" in result.output and result.output.count("\n") == 1
    assert not refused.exists()
    cli("archive", "export", "no-such-case", "-o", str(refused), code=3)
    cli("archive", "export", code=2)
    assert not refused.exists()


def test_a_delegated_decision_says_so(wf: Any, schema: xmlschema.XMLSchema) -> None:
    from workflow import Decision, DecisionRef

    c = wf.open_case("finansiering", effective="2021-05-03", title="Bidrag", numbers=["HSN 13-2021"], actor="x")
    wf.advance(c.id, Decision(trigger="grant", reference=DecisionRef.parse("HSN 2021-06-10"), delegated=True,
                              actor="Ekonomidirektören"))
    wf.advance(c.id, Decision(trigger="close", reference=DecisionRef.parse("HSN 2021-12-01 § 9"), actor="x"))
    agg = _valid(cases_to_erms(wf, [c.id]), schema).find("e:aggregations/e:aggregation", NS)
    assert agg is not None
    grant = _action(agg, "HSN 2021-06-10:")
    assert grant.findtext("e:actionText", namespaces=NS) == (
        "HSN 2021-06-10: Bevilja finansiering; delegationsbeslut med delegation från Hälso- och sjukvårdsnämnden, "
        "att anmälas till Hälso- och sjukvårdsnämnden")
    assert grant.findtext("e:agents/e:agent[@agentType='authorising_person']/e:role",
                          namespaces=NS) == "delegerande organ (delegationsbeslut)"
    assert [k.text for k in agg.findall("e:keywords/e:keyword", NS)] == ["delegationsbeslut"]
    _words_only(agg)
