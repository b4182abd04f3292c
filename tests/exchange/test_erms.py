"""CITS ERMS (FGS Ärendehantering 2.0) archive export, validated against ERMS_v3.xsd."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from tests.conftest import CLOSE_REFERENCE, dump
from workflow.exchange.erms import XSD_PATH, NotArchivable, cases_to_erms

NS = {"e": "https://DILCIS.eu/XML/ERMS"}
SHARED_XSD = Path("/work/shared/schemas/erms/ERMS_v3.xsd")


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD_PATH))


def test_packaged_schema_is_the_published_one() -> None:
    if SHARED_XSD.exists():
        assert XSD_PATH.read_bytes() == SHARED_XSD.read_bytes()
    assert b"ERMS schema version 3.0.2" in XSD_PATH.read_bytes()


def test_closed_case_validates_and_carries_the_record(closed: Any, schema: xmlschema.XMLSchema) -> None:
    data = cases_to_erms(closed, ["HSN 801-2022"])
    schema.validate(data.decode("utf-8"))
    root = ET.fromstring(data)
    agg = root.find("e:aggregations/e:aggregation", NS)
    assert agg is not None and agg.get("aggregationType") == "caseFile"
    assert agg.findtext("e:objectId", namespaces=NS) == "HSN 801-2022"
    assert [x.text for x in agg.findall("e:extraId[@extraIdType='diary_number']", NS)] == ["HSN 801-2022"]
    owners = [a.findtext("e:name", namespaces=NS) for a in agg.findall("e:agents/e:agent[@agentType='owner']", NS)]
    assert owners == ["Region Västerbotten"]
    actions = agg.findall("e:action", NS)
    texts = [a.findtext("e:actionText", namespaces=NS) or "" for a in actions]
    assert any(t.startswith("HSN 2022-09-22 § 142") for t in texts)
    close = next(a for a in actions if (a.findtext("e:actionText", namespaces=NS) or "").startswith(CLOSE_REFERENCE))
    assert close.findtext("e:dates/e:actionDate[@dateType='decision_date']", namespaces=NS) == "2024-01-31T00:00:00"
    body = close.find("e:agents/e:agent[@agentType='authorising_person']", NS)
    assert body is not None and body.findtext("e:unitName", namespaces=NS) == "HSN"
    assert body.findtext("e:organisation", namespaces=NS) == "Region Västerbotten"
    # The 2023 decision (HSN 2023 § 30) has only a year: no invented day, the year in words.
    partial = next(a for a in actions if (a.findtext("e:actionText", namespaces=NS) or "").startswith("HSN 2023 § 30"))
    assert partial.find("e:dates/e:actionDate[@dateType='decision_date']", NS) is None
    assert "2023, endast år känt" in (partial.findtext("e:actionText", namespaces=NS) or "")
    assert "2023-01-01" not in data.decode("utf-8") and "2023-12-31" not in data.decode("utf-8")
    # The case was opened "2022": a note, not a date.
    assert agg.find("e:dates/e:date[@dateType='opened']", NS) is None
    notes = [n.text or "" for n in agg.findall("e:notes/e:note[@noteType='partial_date']", NS)]
    assert any("2022, endast år känt" in n for n in notes)
    assert agg.findtext("e:dates/e:date[@dateType='closed']", namespaces=NS) == "2024-01-31T00:00:00"
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


def test_open_case_is_refused(closed: Any, db_url: str) -> None:
    before = dump(db_url)
    with pytest.raises(NotArchivable, match=r"HSN 501-2023 \(state pilot\)"):
        cases_to_erms(closed, ["demo-governo", "demo-dorotea"])
    assert dump(db_url) == before


def test_cli(closed: Any, cli: Any, tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    out = tmp_path / "arkiv.xml"
    cli("archive", "export", "demo-governo", "-o", str(out))
    schema.validate(str(out))
    refused = tmp_path / "open.xml"
    result = cli("archive", "export", "demo-governo", "HSN 501-2023", "-o", str(refused), code=5)
    assert "not in a final state" in result.output and result.output.count("\n") == 1
    assert not refused.exists()
    cli("archive", "export", "no-such-case", "-o", str(refused), code=3)
    cli("archive", "export", code=2)
    assert not refused.exists()
