"""CSV for Excel: UTF-8 with BOM, å ä ö intact, formulas neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from workflow.exchange.csv_io import cases_csv, due_rows_csv


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_cases_csv(demo: Any) -> None:
    rows = _rows(cases_csv(demo.cases(), dt.date(2026, 3, 23)))
    by_id = {r["id"]: r for r in rows}
    assert by_id["demo-dorotea"]["diary_numbers"] == "HSN 501-2023; KS-2023-0136-106"
    assert by_id["demo-dorotea"]["title"].startswith("Gemensam systemledning")
    assert by_id["demo-governo"]["state"] == "financed"


def test_due_rows_csv_overdue(demo: Any) -> None:
    rows = _rows(due_rows_csv(demo.cases(), dt.date(2030, 1, 1)))
    assert rows and all(r["overdue"] in ("yes", "no") for r in rows)
    assert any(r["overdue"] == "yes" for r in rows if r["status"] == "open")
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)


def test_formula_injection_is_neutralised(wf: Any) -> None:
    wf.open_case("finansiering", effective="2021", title="=HYPERLINK(\"http://x\")", numbers=["HSN 1-2026"], actor="x")
    rows = _rows(cases_csv(wf.cases()))
    assert rows[0]["title"] == "'=HYPERLINK(\"http://x\")"


def test_cli_formats(demo: Any, cli: Any) -> None:
    out = cli("case", "list", "--format", "csv").stdout_bytes
    assert out.startswith(b"\xef\xbb\xbf") and b"\r\n" in out
    assert b"Gemensam systemledning i Dorotea" in out or b"systemledning" in out
    assert {r["id"] for r in _rows(out)} == {c.id for c in demo.cases()} >= {"demo-dorotea", "demo-governo"}
    as_json = json.loads(cli("case", "list", "--format", "json").output)
    assert json.loads(cli("case", "list", "--json").output) == as_json
    assert "DIARY NUMBERS" in cli("case", "list", "--format", "table").output
    cli("case", "list", "--format", "xml", code=2)
