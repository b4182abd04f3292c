"""JSON export/import: canonical bytes, verified chains, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock, _pg_database, dump
from workflow import AuditFailure, DuplicateCase, InvalidInput, Registry, Workflow
from workflow.exchange import dumps, export_bytes, export_cases, import_cases

SCHEMA = Path(__file__).parents[2] / "workflow" / "exchange" / "cases.schema.json"


@pytest.fixture
def other_url(db_url: str, tmp_path: Path) -> Any:
    """A second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
    else:
        yield from _pg_database()


def test_round_trip_is_byte_identical(closed: Any, other_url: str) -> None:
    first = export_bytes(closed)
    # The receiving installation knows no definitions at all: they come from the file.
    with Workflow(other_url, registry=Registry(), clock=Clock()) as target:
        report = import_cases(target, first)
        source_cases = closed.cases()
        assert report.cases == len(source_cases) >= 2
        assert set(report.definitions) == {f"{c.definition_id} v{c.definition_version}" for c in source_cases}
        assert set(report.case_ids) == {c.id for c in source_cases}
        assert export_bytes(target) == first
        assert target.verify().ok
        assert target.case("HSN 801-2022").state == "closed"
        assert [e.hash for e in target.history("demo-dorotea")] == [e.hash for e in closed.history("demo-dorotea")]


def test_export_is_canonical_and_valid_against_schema(closed: Any) -> None:
    import jsonschema

    data = export_bytes(closed)
    doc = json.loads(data)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert doc["format"] == "kansli-workflow/cases" and doc["version"] == 2
    assert [c["id"] for c in doc["cases"]] == sorted(c["id"] for c in doc["cases"])
    assert data == dumps(json.loads(data)), "export must already be in canonical form"
    assert "å" in data.decode("utf-8") and b"\\u00e5" not in data
    assert export_bytes(closed, ["HSN 801-2022"]) == export_bytes(closed, ["demo-governo", "demo-governo"])
    assert [c["id"] for c in export_cases(closed, ["HSN 501-2023"])["cases"]] == ["demo-dorotea"]


def _tampered(data: bytes) -> bytes:
    doc = json.loads(data)
    entry = next(e for c in doc["cases"] for e in c["entries"] if e["kind"] == "decision")
    entry["payload"]["amount"] = "18000000"
    entry["reference"] = (entry["reference"] or "") + " "
    return dumps(doc)


def test_tampered_file_is_refused_and_nothing_written(closed: Any, other_url: str) -> None:
    data = _tampered(export_bytes(closed))
    with Workflow(other_url, clock=Clock()) as target:
        target._db.ensure_schema()
        before = dump(other_url)
        with pytest.raises(AuditFailure, match="hash mismatch"):
            import_cases(target, data)
        assert dump(other_url) == before


def test_consistent_forgery_is_refused_by_replay(closed: Any, other_url: str) -> None:
    """Rehashing a changed chain passes the hashes but not the replay onto the stated case."""
    doc = json.loads(export_bytes(closed))
    case = next(c for c in doc["cases"] if c["id"] == "demo-governo")
    case["state"] = "rejected"
    with Workflow(other_url, clock=Clock()) as target:
        target._db.ensure_schema()
        before = dump(other_url)
        with pytest.raises(AuditFailure, match="differs from its replayed log in: state"):
            import_cases(target, dumps(doc))
        assert dump(other_url) == before


def test_existing_case_or_number_is_refused(closed: Any, db_url: str, other_url: str) -> None:
    data = export_bytes(closed)
    before = dump(db_url)
    with pytest.raises(DuplicateCase, match="already exists"):
        import_cases(closed, data)
    assert dump(db_url) == before
    # Same diary number under another case id.
    doc = json.loads(data)
    with Workflow(other_url, clock=Clock()) as target:
        target.open_case("finansiering", effective="2021", title="Annat", numbers=["HSN 801-2022"], actor="x", case_id="other")
        before = dump(other_url)
        with pytest.raises(DuplicateCase, match="HSN 801-2022"):
            import_cases(target, dumps(doc))
        assert dump(other_url) == before


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"{", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"format": "something-else", "version": 1}', "not a case export"),
    (b'{"format": "kansli-workflow/cases", "version": 3, "definitions": [], "cases": []}', "version 3"),
    (b'{"format": "kansli-workflow/cases", "version": 1, "definitions": [], "cases": [{"id": 1}]}',
     "not a valid case export"),
    (b'{"format": "kansli-workflow/cases", "version": 1, "definitions": [], "cases": []}', "no cases"),
    (b'{"format": "kansli-workflow/cases", "version": 1, "definitions": [], "cases": [], "x": NaN}',
     "not valid JSON"),
])
def test_malformed_files_are_refused(wf: Any, db_url: str, content: bytes, message: str) -> None:
    wf._db.ensure_schema()
    before = dump(db_url)
    with pytest.raises(InvalidInput, match=message):
        import_cases(wf, content)
    assert dump(db_url) == before


def test_definition_text_must_match_digest(closed: Any, other_url: str) -> None:
    doc = json.loads(export_bytes(closed))
    doc["definitions"][0]["text"] = doc["definitions"][0]["text"].replace("Avslutat", "Stängt")
    with Workflow(other_url, clock=Clock()) as target:
        with pytest.raises(InvalidInput, match="does not match its digest"):
            import_cases(target, dumps(doc))


def test_cli_round_trip_and_errors(closed: Any, other_url: str, tmp_path: Path) -> None:
    from tests.conftest import Cli

    source = Cli(closed._db.url)
    out = tmp_path / "cases.json"
    source("export", "-o", str(out))
    target = Cli(other_url)
    result = target("import", str(out))
    assert f"imported {len(closed.cases())} case(s)" in result.output
    again = tmp_path / "again.json"
    target("export", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()
    # Importing twice: refused, one line, exit code of a duplicate.
    result = target("import", str(out), code=11)
    assert result.output.count("\n") == 1 and "already exists" in result.output
    bad = tmp_path / "bad.json"
    bad.write_bytes(_tampered(out.read_bytes()))
    before = dump(other_url)
    assert "hash mismatch" in target("import", str(bad), code=9).output
    assert dump(other_url) == before
    target("import", str(tmp_path / "missing.json"), code=5)
    target("export", "no-such-case", "-o", str(tmp_path / "x.json"), code=3)
    assert not (tmp_path / "x.json").exists()
    target("export", "-o", str(tmp_path / "no" / "such" / "dir" / "x.json"), code=5)
    target("export", "-o", str(tmp_path), code=5)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_progress_is_reported(closed: Any, other_url: str) -> None:
    seen: list[tuple[str, int, int]] = []
    with Workflow(other_url, clock=Clock()) as target:
        import_cases(target, export_bytes(closed), progress=lambda *a: seen.append(a))
    stages = [s for s, _d, _t in seen]
    assert stages[0] == "verify" and stages[-1] == "write"
    assert seen[-1][1] == seen[-1][2]
