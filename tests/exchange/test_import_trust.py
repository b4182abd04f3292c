"""An import keeps its provenance, is recorded as an import, and can demand a signature.

The forger's file here is re-sealed: an actor and a recording time changed,
every hash after them recomputed, so the chains verify.  Without a signature
requirement it is imported -- as what it is, an import of someone's file,
named in this register's own log by its SHA-256, entered by this login; with
``--require-signature`` it is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from workflow import Workflow
from workflow.core.audit import Entry
from workflow.core.errors import PermissionDenied
from workflow.exchange.cases import dumps, export_cases, import_cases, sign


def _reseal(doc: dict[str, Any], case_id: str, seq: int, **changes: Any) -> dict[str, Any]:
    """The forger's edit: change one entry, re-hash it and every entry after it, move the head."""
    case = next(c for c in doc["cases"] if c["id"] == case_id)
    prev = None
    for raw in case["entries"]:
        entry = Entry.from_json(raw)
        if entry.seq == seq:
            entry = replace(entry, **changes)
        if prev is not None:
            entry = replace(entry, prev_hash=prev)
        if entry.seq >= seq:
            entry = entry.sealed()
            raw.clear()
            raw.update(entry.to_json())
        prev = entry.hash
    case["head_hash"] = prev
    return doc


@pytest.fixture
def target(tmp_path: Path) -> str:
    """Another register, to import into."""
    return f"sqlite:///{tmp_path / 'target.sqlite3'}"


@pytest.fixture
def forged(demo: Workflow) -> bytes:
    doc = export_cases(demo, ["demo-governo"])
    doc = _reseal(doc, "demo-governo", 2, actor="ordföranden", recorded_by="ordföranden",
                  recorded_at="2022-09-22T09:00:00.000000+00:00")
    return dumps(doc)


def test_a_resealed_file_is_recorded_as_an_import_with_its_provenance(forged: bytes, target: str,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "forged.json"
    path.write_bytes(forged)
    cli = Cli(target)
    assert "imported 1 case(s)" in cli("import", str(path)).output
    with Workflow(target) as wf:
        entry = wf.history("demo-governo")[1]
        assert (entry.actor, entry.recorded_by) == ("ordföranden", "ordföranden")  # as the file says
        record = wf.register_log()[-1]
        assert record.kind == "import"
        assert record.payload["sha256"] == hashlib.sha256(forged).hexdigest()
        assert record.payload["cases"] == ["demo-governo"] and record.payload["signed_by_key"] is None
        assert record.recorded_by == wf.identity.login
        assert wf.verify().ok
    # the ledger holds the imported entries as entered by this login, after the import's own record
    import sqlalchemy as sa

    engine = sa.create_engine(target)
    with engine.connect() as conn:
        logins = {r[0] for r in conn.execute(sa.text("SELECT login FROM ledger"))}
    engine.dispose()
    with Workflow(target) as wf:
        assert logins == {wf.identity.login}


def test_require_signature(demo: Workflow, forged: bytes, target: str, tmp_path: Path) -> None:
    cli = Cli(target)
    source = Cli(demo._url or "")
    cli("audit", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "k.pub"))
    cli("audit", "keygen", str(tmp_path / "o.pem"), str(tmp_path / "o.pub"))
    (tmp_path / "forged.json").write_bytes(forged)
    need = ("--require-signature", str(tmp_path / "k.pub"))

    assert "not signed" in cli("import", str(tmp_path / "forged.json"), *need, code=9).output
    source("export", "demo-governo", "-o", str(tmp_path / "signed.json"), "--sign", str(tmp_path / "k.pem"))
    source("export", "demo-governo", "-o", str(tmp_path / "other.json"), "--sign", str(tmp_path / "o.pem"))
    assert "not made with the required key" in cli("import", str(tmp_path / "other.json"), *need, code=9).output
    # signed, then re-sealed by the forger: the signature no longer holds
    doc = json.loads((tmp_path / "signed.json").read_bytes())
    doc = _reseal(doc, "demo-governo", 2, actor="ordföranden")
    (tmp_path / "tampered.json").write_bytes(dumps(doc))
    assert "not made with the required key" in cli("import", str(tmp_path / "tampered.json"), *need, code=9).output
    assert cli("case", "list", "--json").output.strip() in ("[]", "")

    cli("import", str(tmp_path / "signed.json"), *need)
    with Workflow(target) as wf:
        fingerprint = wf.register_log()[-1].payload["signed_by_key"]
        assert fingerprint == hashlib.sha256((tmp_path / "k.pub").read_bytes().strip()).hexdigest()[:16]


def test_signing_keeps_the_round_trip(demo: Workflow, tmp_path: Path) -> None:
    cli = Cli(demo._url or "")
    cli("audit", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "k.pub"))
    doc = export_cases(demo)
    signed = sign(doc, (tmp_path / "k.pem").read_bytes())
    assert {k: v for k, v in signed.items() if k != "signature"} == doc
    assert sign(signed, (tmp_path / "k.pem").read_bytes()) == signed  # Ed25519 is deterministic


def test_a_version_1_file_is_still_read(demo: Workflow, target: str) -> None:
    doc = export_cases(demo, ["demo-governo"])
    doc["version"] = 1
    for case in doc["cases"]:
        for e in case["entries"]:
            assert e.pop("recorded_by") is not None
    # version 1 had no recorder in the hash; the demo's entries have one, so re-seal as version 1 wrote them
    for case in doc["cases"]:
        prev = "0" * 64
        for raw in case["entries"]:
            entry = replace(Entry.from_json(raw), prev_hash=prev).sealed()
            raw.update({k: v for k, v in entry.to_json().items() if k != "recorded_by"})
            prev = entry.hash
        case["head_hash"] = prev
    with Workflow(target) as wf:
        report = import_cases(wf, dumps(doc))
        assert report.cases == 1 and wf.history("demo-governo")[0].recorded_by is None


def test_importing_needs_an_administrator(forged: bytes, target: str, clock: Any) -> None:
    with Workflow(target, clock=clock) as owner:
        owner.grant_role(owner.identity.login, "service")
        owner.grant_role("anna", "registrar")
    with Workflow(target, clock=clock, user="anna") as anna, pytest.raises(PermissionDenied, match="import"):
        import_cases(anna, forged)
    with Workflow(target, clock=clock) as owner:
        assert owner.cases() == []


def test_a_file_rewritten_while_it_is_imported_is_refused_whole(demo: Workflow, forged: bytes, target: str,
                                                                tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is read more than once (checked, signature, written): a file rewritten in place between
    the readings -- a sender's copy still in progress, or an insider swapping it -- is refused, and
    neither the checked nor the swapped content is written.  Each reading must be of the same bytes."""
    from tests.conftest import dump
    from workflow.exchange import cases as exchange

    cli = Cli(target)
    source = Cli(demo._url or "")
    cli("audit", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "k.pub"))
    source("export", "demo-governo", "-o", str(tmp_path / "signed.json"), "--sign", str(tmp_path / "k.pem"))
    signed = (tmp_path / "signed.json").read_bytes()
    cli("case", "list")  # the register exists, empty
    before = dump(target)
    path = tmp_path / "incoming.json"

    def swapping(name: str, to: bytes) -> None:
        real = getattr(exchange, name)

        def swapped(*args: Any, **kwargs: Any) -> Any:
            path.write_bytes(to)  # after the first reading checked the file, before the next one
            return real(*args, **kwargs)

        monkeypatch.setattr(exchange, name, swapped)

    # checked as the signed file, then written from the forged one
    path.write_bytes(signed)
    swapping("_definitions", forged)
    out = cli("import", str(path), code=5).output
    assert "changed while it was being read" in out and dump(target) == before
    monkeypatch.undo()
    need = ("--require-signature", str(tmp_path / "k.pub"))
    # checked and its signature verified as the signed file, then written from the forged one
    path.write_bytes(signed)
    swapping("_definitions", forged)
    out = cli("import", str(path), *need, code=5).output
    assert "changed while it was being read" in out and dump(target) == before
    monkeypatch.undo()
    # the signature read from other bytes than were checked (here the same document spaced otherwise,
    # which the signature alone would take): refused too, as the provenance names the checked bytes
    path.write_bytes(signed)
    swapping("_signed_by_stream", json.dumps(json.loads(signed), indent=4).encode())
    out = cli("import", str(path), *need, code=5).output
    assert "changed while it was being read" in out and dump(target) == before
    monkeypatch.undo()
    path.write_bytes(signed)
    assert "imported 1 case(s)" in cli("import", str(path), *need).output


def test_a_file_that_cannot_be_read_twice_is_copied_first(demo: Workflow, target: str, tmp_path: Path) -> None:
    """A named pipe (or /dev/stdin on a pipe) is imported like a file: it is copied to a temporary file
    first, since the import reads its input more than once."""
    import os
    import threading

    data = dumps(export_cases(demo, ["demo-governo"]))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert "imported 1 case(s)" in Cli(target)("import", str(fifo)).output
    finally:
        writer.join(timeout=30)
    with Workflow(target) as wf:
        assert wf.case("demo-governo").id == "demo-governo" and wf.verify().ok
