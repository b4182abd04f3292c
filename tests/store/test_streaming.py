"""Export, import, case lists and histories as streams: the same bytes and answers as whole, held a piece at a time.

The oracle for the export is :func:`dumps` of the document built in memory
(signed by cryptography's Ed25519 for a signed one); for the import, what the
imported register exports again; for the lists, the lists.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock, dump
from workflow import Workflow
from workflow.exchange import cases as exchange
from workflow.exchange.cases import canonical_chunks, dumps, export_cases, import_cases, sign, write_export
from workflow.ledger import new_keys


@pytest.fixture
def other_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'other.sqlite3'}"


@pytest.mark.parametrize("doc", [
    {"cases": [], "definitions": [], "format": "f", "version": 2},
    {"cases": [{"b": [1, {"x": "é\n\"", "a": None}], "a": []}, {}], "definitions": [{"t": "a\nb"}], "z": 1.5},
    {"cases": [{"nested": {"deep": [[[]], [{}]]}}], "signature": "s"},
])
def test_the_chunks_are_the_canonical_bytes(doc: dict[str, Any]) -> None:
    rest = {k: v for k, v in doc.items() if k != "cases"}
    assert b"".join(canonical_chunks(iter(doc["cases"]), lambda: rest)) == dumps(doc)


def test_a_streamed_export_is_the_document_byte_for_byte(demo: Any) -> None:
    out = io.BytesIO()
    report = write_export(demo, out)
    whole = export_cases(demo)
    assert out.getvalue() == dumps(whole)
    assert report.cases == len(whole["cases"]) and report.entries == sum(len(c["entries"]) for c in whole["cases"])
    some = io.BytesIO()
    write_export(demo, some, ["HSN 801-2022"])
    assert some.getvalue() == dumps(export_cases(demo, ["demo-governo"]))


def test_a_streamed_signature_is_cryptographys(demo: Any) -> None:
    private, _public = new_keys()
    out = io.BytesIO()
    write_export(demo, out, private_key=private)
    assert out.getvalue() == dumps(sign(export_cases(demo), private))


class _Pipe(io.RawIOBase):
    """A file that cannot seek, like standard input."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        chunk = self._data.read(len(b))
        b[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("how", ["path", "pipe", "small blocks"])
def test_an_import_read_as_a_stream_round_trips(demo: Any, other_url: str, tmp_path: Path, how: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = new_keys()
    path = tmp_path / "cases.json"
    with open(path, "wb") as f:
        write_export(demo, f, private_key=private)
    data = path.read_bytes()
    if how == "small blocks":  # every value cut somewhere by a block's end
        monkeypatch.setattr(exchange._Reader, "BLOCK", 7)
    source: Any = path if how == "path" else io.BufferedReader(_Pipe(data)) if how == "pipe" else data
    seen: list[tuple[str, int, int]] = []
    with Workflow(other_url, clock=Clock()) as target:
        report = import_cases(target, source, progress=lambda *a: seen.append(a), require_key=public)
        assert report.cases == len(demo.cases())
        assert dumps(export_cases(target)) == dumps({k: v for k, v in json.loads(data).items() if k != "signature"})
        again = io.BytesIO()
        write_export(target, again, private_key=private)
    assert again.getvalue() == data
    assert seen[0][0] == "verify" and seen[-1][0] == "write" and seen[-1][1] == seen[-1][2]


def test_a_tampered_signed_stream_is_refused_and_nothing_written(demo: Any, other_url: str) -> None:
    private, public = new_keys()
    out = io.BytesIO()
    write_export(demo, out, private_key=private)
    tampered = out.getvalue().replace(b"Gemensam", b"Gemensan", 1)
    assert tampered != out.getvalue()
    with Workflow(other_url, clock=Clock()) as target:
        target._db.ensure_schema()
        before = dump(other_url)
        with pytest.raises(Exception, match="signature was not made with the required key"):
            import_cases(target, tampered, require_key=public)
        assert dump(other_url) == before


def test_a_broken_case_late_in_the_stream_writes_nothing(demo: Any, other_url: str) -> None:
    doc = export_cases(demo)
    doc["cases"][-1]["entries"][-1]["actor"] = "mallory"
    with Workflow(other_url, clock=Clock()) as target:
        target._db.ensure_schema()
        before = dump(other_url)
        with pytest.raises(Exception, match="hash mismatch"):
            import_cases(target, dumps(doc))
        assert dump(other_url) == before


def test_lists_and_histories_as_streams(demo: Any) -> None:
    assert [c.id for c in demo.iter_cases()] == [c.id for c in demo.cases()]
    assert list(demo.iter_history("demo-dorotea")) == demo.history("demo-dorotea")
    assert [log.case.id for log in demo.logs(ordered=True)] == sorted(c.id for c in demo.cases())


def test_the_export_reads_cases_a_page_at_a_time(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.store.repository import Store

    pages: list[int] = []
    original = Store._logs

    def counting(self: Store, *args: Any) -> Any:
        found = list(original(self, *args))
        pages.append(len(found))
        return iter(found)

    monkeypatch.setattr(Store, "_logs", counting)
    real = Store.iter_logs
    monkeypatch.setattr(Store, "iter_logs", lambda self, ids=None, **kw: real(self, ids, **{**kw, "page": 1}))
    write_export(demo, io.BytesIO())
    assert pages and max(pages) == 1 and len(pages) >= len(demo.cases())


def test_no_temporary_file_is_left(demo: Any, tmp_path: Path) -> None:
    private, _public = new_keys()
    before = set(os.listdir(tmp_path))
    with open(tmp_path / "x.json", "wb") as f:
        write_export(demo, f, private_key=private)
    assert set(os.listdir(tmp_path)) - before == {"x.json"}
