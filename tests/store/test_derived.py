"""Derived data has one builder: every write path stores it, verification recomputes it.

The oracle is what a user sees (``wf due --json``) and what ``wf audit verify``
says, not the bytes of a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from workflow import Workflow


def _demo(cli: Any) -> None:
    cli("demo", "--today", "2026-03-23")


def test_demo_export_import_keeps_every_due_row_the_urgent_one_included(cli: Any, db_url: str, tmp_path: Path,
                                                                      request: pytest.FixtureRequest) -> None:
    from tests.conftest import Cli

    _demo(cli)
    before = json.loads(cli("due", "--json", "--today", "2026-03-23").output)
    assert any(r["kind"] == "urgent_report" for r in before), "the demo has the chair's urgent decision of 2026-03-12 to report"
    export = tmp_path / "all.json"
    cli("export", "-o", str(export))

    other = f"sqlite:///{tmp_path / 'imported.sqlite3'}"
    into = Cli(other)
    into("import", str(export))
    after = json.loads(into("due", "--json", "--today", "2026-03-23").output)
    assert after == before
    assert "ok" in into("audit", "verify").output


def _edit(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            changed = conn.execute(sa.text(sql)).rowcount
        assert changed, f"the edit changed nothing: {sql}"
    finally:
        engine.dispose()


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE due_dates SET date = '2027-12' WHERE name = 'report_back' AND case_id = 'demo-dorotea'",
     "due_dates[report_back].date"),
    ("UPDATE due_dates SET status = 'met' WHERE name LIKE 'urgent:%' AND case_id = 'demo-dorotea'",
     "due_dates[urgent:"),
    ("DELETE FROM due_dates WHERE name = 'pilot_end' AND case_id = 'demo-dorotea'",
     "due_dates[pilot_end]: missing"),
    ("INSERT INTO due_dates (case_id, name, date, due_on, meeting, status) "
     "VALUES ('demo-dorotea', 'invented', '2030-01', '2030-01-31', NULL, 'open')",
     "due_dates[invented]: a row the log does not give"),
    ("UPDATE cases SET opened_at = '2020-01-01T00:00:00.000000+00:00' WHERE id = 'demo-dorotea'",
     "cases.opened_at"),
    ("UPDATE cases SET updated_at = '2020-01-01T00:00:00.000000+00:00' WHERE id = 'demo-dorotea'",
     "cases.updated_at"),
    ("UPDATE case_numbers SET party = 'region' WHERE number = 'KS-2023-0136-106'",
     "case_numbers[KS-2023-0136-106].party"),
    ("UPDATE cases SET title = 'Något annat' WHERE id = 'demo-dorotea'", "cases.title"),
])
def test_verify_names_every_derived_fact_edited_in_the_database(cli: Any, db_url: str, sql: str, named: str) -> None:
    _demo(cli)
    assert "ok" in cli("audit", "verify").output
    _edit(db_url, sql)
    result = cli("audit", "verify", code=9)
    assert "demo-dorotea" in result.output and named in result.output, result.output
    with Workflow(db_url) as wf:
        problems = [p for p in wf.verify().problems if p.case_id == "demo-dorotea"]
    assert problems and named in problems[0].problem


def test_every_write_path_stores_what_the_one_builder_gives(wf: Workflow, db_url: str) -> None:
    """Open, decide, act, link, import: the due-date index equals derive.due_rows of each case."""
    from workflow.core import derive
    from workflow.demo import replay_demo

    list(replay_demo(wf))
    report = wf.verify()
    assert report.ok, report.problems
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = {(r.case_id, r.name): (r.date, r.status) for r in conn.execute(sa.text("SELECT * FROM due_dates"))}
    finally:
        engine.dispose()
    wanted = {
        (c.id, name): (r["date"], r["status"])
        for c in wf.cases() for name, r in derive.due_rows(c).items()
    }
    assert stored == wanted
    assert any(derive.is_urgent(name) for _cid, name in wanted)
