"""Overdue cases and due dates, a page of them, by either way in: the same answer, and plans that stay flat.

The oracle for ``cases(overdue=...)`` is the definition itself, computed here
from every case: an open due date (not an urgent decision to report) before
the day, oldest case first.  Both ways the store may take -- by date when few
match, walking the cases oldest first when many do -- must give it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from workflow import Decision, DecisionRef, DueSpec, Workflow
from workflow.store.repository import Store

DAY = dt.date(2025, 6, 15)


def _register(wf: Workflow) -> list[str]:
    ids = []
    for i in range(24):
        case = wf.open_case("systemledning", title=f"Ärende {i}", numbers=[f"HSN {i}-2023"], effective="2023")
        ids.append(case.id)
        if i % 3 == 0:
            continue  # nothing due
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("HSN 2023-01-10 § 3"), "k"))
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("KS 2023-01-12 § 4"), "k"))
        month = f"{2024 + i % 3}-{1 + i % 12:02d}"  # some before DAY, some after
        wf.advance(case.id, Decision("postpone", DecisionRef.parse("HSN 2023-11-16 § 21"), "k",
                                     due=(DueSpec.parse(f"report_back={month}"),)))
    return ids


def _expected(wf: Workflow, day: dt.date) -> list[str]:
    every = wf.cases()
    overdue = [c for c in every if any(d["status"] == "open" and d["due_on"] < day and not d["urgent"]
                                        for d in wf.due() if d["case_id"] == c.id)]
    return [c.id for c in sorted(overdue, key=lambda c: (c.opened_at, c.id))]


@pytest.mark.parametrize("few", [True, False], ids=["by-date", "walking"])
def test_both_ways_give_the_oldest_overdue_cases(wf: Workflow, few: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(wf)
    expected = _expected(wf, DAY)
    assert 0 < len(expected) < 24
    monkeypatch.setattr(Store, "_few_due", lambda self, due, limit: few)
    for limit in (1, 3, len(expected), 100):
        assert [c.id for c in wf.cases(overdue=True, today=DAY, limit=limit)] == expected[:limit]
    assert [c.id for c in wf.cases(overdue=True, today=DAY, state="pre_study", limit=100)] == [
        c for c in expected if wf.case(c).state == "pre_study"]
    assert [c.id for c in wf.cases(overdue=True, today=DAY, definition="finansiering", limit=5)] == []


def test_pages_follow_each_other_without_a_limit(wf: Workflow, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(wf)
    whole = [c.id for c in wf.cases()]
    paged = [c.id for c in wf._db.iter_cases(page=5)]
    assert paged == whole and len(whole) == 24
    assert [c.id for c in wf._db.iter_cases(overdue_on=DAY, page=2)] == _expected(wf, DAY)


def _plans(url: str, wf: Workflow, call: Any) -> list[str]:
    seen: list[tuple[str, Any]] = []

    def listen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(wf._db.engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        sa.event.remove(wf._db.engine, "before_cursor_execute", listen)
    engine = sa.create_engine(url)
    out = []
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            for statement, params in seen:
                out.append(" / ".join(r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + statement, params)))
    finally:
        engine.dispose()
    return out


def test_a_page_of_due_dates_is_read_off_the_index_in_order(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workflow(sqlite_url) as wf:
        _register(wf)
        due = [p for p in _plans(sqlite_url, wf, lambda: wf.due(within=dt.timedelta(days=30), today=DAY, limit=5))
               if "due_dates" in p and "case_numbers" not in p]
        assert due and all("ix_due_dates_open" in p and "TEMP B-TREE" not in p for p in due), due
        monkeypatch.setattr(Store, "_few_due", lambda self, due, limit: True)
        by_date = _plans(sqlite_url, wf, lambda: wf.cases(overdue=True, today=DAY, limit=5))
        assert any("ix_due_dates_open" in p for p in by_date), by_date
        assert not any("SCAN c " in p or p.startswith("SCAN cases") for p in by_date), by_date
        # walking, each case's due dates are probed by its key, never by scanning the open ones
        monkeypatch.setattr(Store, "_few_due", lambda self, due, limit: False)
        walking = _plans(sqlite_url, wf, lambda: wf.cases(overdue=True, today=DAY, limit=5))
        assert any("SCAN c USING INDEX ix_cases_opened" in p and "sqlite_autoindex_due_dates_1 (case_id=?)" in p
                   for p in walking), walking


def test_the_next_page_is_searched_for_not_scanned_to(sqlite_url: str) -> None:
    with Workflow(sqlite_url) as wf:
        _register(wf)
        plans = _plans(sqlite_url, wf, lambda: list(wf._db.iter_cases(page=5)))
        pages = [p for p in plans if "ix_cases_opened" in p]
        assert len(pages) >= 5 and all("SEARCH c USING" in p for p in pages[1:]), pages
