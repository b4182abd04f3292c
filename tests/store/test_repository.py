"""The API on a real database (SQLite and PostgreSQL): decisions, conflicts, and a log that proves itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import dump
from workflow import (
    CaseNotFound,
    ConcurrentUpdate,
    Decision,
    DecisionRef,
    DueSpec,
    DuplicateCase,
    TransitionNotAllowed,
    Workflow,
)
from workflow.core import engine


def open_dorotea(wf: Workflow) -> str:
    case = wf.open_case("systemledning", title="Gemensam systemledning i Dorotea",
                        numbers=["HSN 501-2023", "KS-2023-0136-106"], actor="kansli", effective="2023")
    return case.id


def decide(wf: Workflow, key: str, trigger: str, ref: str, *due: str, **kw: object) -> object:
    return wf.advance(key, Decision(trigger, DecisionRef.parse(ref), "kansli",
                                    due=tuple(DueSpec.parse(d) for d in due), **kw))  # type: ignore[arg-type]


def test_a_case_is_found_by_id_and_by_every_diary_number(wf: Workflow) -> None:
    cid = open_dorotea(wf)
    assert wf.case(cid).id == wf.case("HSN 501-2023").id == wf.case("KS-2023-0136-106").id == cid
    with pytest.raises(CaseNotFound):
        wf.case("HSN 999-2023")


def test_decisions_move_the_case_and_the_log_replays_to_it(wf: Workflow) -> None:
    cid = open_dorotea(wf)
    decide(wf, cid, "commission_pre_study", "HSN 2023", "report_back=HSN@2023-12")
    decide(wf, "KS-2023-0136-106", "commission_pre_study", "KS 2023")
    decide(wf, cid, "postpone", "KF 2023-12-04 § 102", "report_back=2024-02")
    rec = decide(wf, cid, "start_pilot", "HSN 2024-02-28 § 15", "pilot_end=2026-01")
    case = wf.case(cid)
    assert case.state == "pilot" == rec.case.state  # type: ignore[attr-defined]
    assert case.version == case.head_seq == len(wf.history(cid))
    assert case.data["due"]["pilot_end"]["date"] == "2026-01"
    report = wf.verify()
    assert report.ok and report.cases == 1 and report.entries == case.head_seq
    refs = [e.reference for e in wf.history(cid) if e.kind == "decision"]
    assert refs == ["HSN 2023", "KS 2023", "KF 2023-12-04 § 102", "HSN 2024-02-28 § 15"]
    first = wf.history(cid)[1]
    assert first.effective == "2023" and first.recorded_at.startswith("2026-03-23")


def test_overdue_and_due_before(wf: Workflow) -> None:
    import datetime as dt

    cid = open_dorotea(wf)
    decide(wf, cid, "commission_pre_study", "HSN 2023", "report_back=HSN@2023-12")
    assert [c.id for c in wf.cases(overdue=True, today=dt.date(2024, 1, 1))] == [cid]
    assert wf.cases(overdue=True, today=dt.date(2023, 12, 31)) == []
    assert [c.id for c in wf.cases(due_before="2024-01-01")] == [cid]
    assert wf.cases(due_before="2023-12-01") == []
    assert [c.id for c in wf.cases(definition="systemledning", state="assignment")] == [cid]
    assert wf.cases(definition="finansiering") == []


def test_a_stale_version_is_refused_and_changes_nothing(wf: Workflow, db_url: str) -> None:
    cid = open_dorotea(wf)
    stale = wf.case(cid)
    decide(wf, cid, "commission_pre_study", "HSN 2023")
    before = dump(db_url)
    after, entries = engine.decide(
        wf.definition_of(stale), stale,
        Decision("commission_pre_study", DecisionRef.parse("KS 2023"), "other clerk"), wf.clock())
    with pytest.raises(ConcurrentUpdate, match="changed by someone else"):
        wf._db.record(stale, after, entries)
    with pytest.raises(ConcurrentUpdate):
        wf.advance(cid, Decision("commission_pre_study", DecisionRef.parse("KS 2023"), "kansli"),
                   expected_version=stale.version)
    assert dump(db_url) == before


def test_refused_decisions_write_nothing(wf: Workflow, db_url: str) -> None:
    cid = open_dorotea(wf)
    before = dump(db_url)
    with pytest.raises(TransitionNotAllowed):
        decide(wf, cid, "start_pilot", "HSN 2024-02-28 § 15")
    with pytest.raises(DuplicateCase):
        wf.open_case("systemledning", effective="2021", title="Again", numbers=["KS-2023-0136-106"], actor="kansli")
    assert dump(db_url) == before


def test_the_audit_log_is_append_only_in_the_database(wf: Workflow, db_url: str) -> None:
    cid = open_dorotea(wf)
    db = sa.create_engine(db_url)
    try:
        for statement in ("UPDATE audit_entries SET actor = 'mallory'", "DELETE FROM audit_entries"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.begin() as conn:
                    conn.execute(sa.text(statement))
    finally:
        db.dispose()
    assert wf.verify(cid).ok


def _tamper(db_url: str, *statements: str) -> None:
    """What an attacker with write access to the database could do: lift the guard and edit."""
    db = sa.create_engine(db_url)
    if db.dialect.name == "sqlite":  # the ledger trigger asks the connection who writes
        sa.event.listen(db, "connect", lambda c, _r: c.create_function("wf_login", 0, lambda: "mallory"))
    try:
        with db.begin() as conn:
            if db.dialect.name == "sqlite":
                conn.execute(sa.text("DROP TRIGGER audit_entries_no_update"))
                conn.execute(sa.text("DROP TRIGGER audit_entries_no_delete"))
            else:
                conn.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
            for s in statements:
                conn.execute(sa.text(s))
    finally:
        db.dispose()


@pytest.fixture
def recorded(wf: Workflow) -> str:
    cid = open_dorotea(wf)
    decide(wf, cid, "commission_pre_study", "HSN 2023", "report_back=HSN@2023-12")
    decide(wf, cid, "commission_pre_study", "KS 2023")
    decide(wf, cid, "postpone", "KF 2023-12-04 § 102", "report_back=2024-02")
    assert wf.verify().ok
    return cid


@pytest.mark.parametrize(
    ("statements", "seq", "words"),
    [
        (["UPDATE audit_entries SET reference = 'KF 2023-12-05 § 102' WHERE seq = 5"], 5, "changed"),
        (["UPDATE audit_entries SET payload = replace(payload, '2024-02', '2025-02') WHERE seq = 6"], 6, "changed"),
        (["DELETE FROM audit_entries WHERE seq = 3"], 4, "missing"),
        (["DELETE FROM audit_entries WHERE seq = 6"], 5, "removed"),
        (["UPDATE audit_entries SET seq = 100 WHERE seq = 2",
          "UPDATE audit_entries SET seq = 2 WHERE seq = 3",
          "UPDATE audit_entries SET seq = 3 WHERE seq = 100"], 2, "chain broken"),
        (["INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, payload, prev_hash, hash) "
          "SELECT case_id, 7, 'note', 'mallory', recorded_at, '{}', hash, 'x' FROM audit_entries WHERE seq = 6"],
         7, "changed"),
    ],
    ids=["edit-reference", "edit-payload", "delete-middle", "delete-last", "reorder", "insert"],
)
def test_tampering_is_found_and_named(wf: Workflow, db_url: str, recorded: str, statements: list[str],
                                      seq: int, words: str) -> None:
    _tamper(db_url, *statements)
    report = wf.verify()
    assert not report.ok
    named = [p for p in report.problems if p.case_id == recorded and p.seq == seq]
    assert named, report.problems
    assert any(words in p.problem for p in report.problems)


def test_a_rewritten_case_row_is_found_by_replay(wf: Workflow, db_url: str, recorded: str) -> None:
    db = sa.create_engine(db_url)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET state = 'pilot'"))
    db.dispose()
    report = wf.verify(recorded)
    assert not report.ok and "differs from its replayed log in: cases.state" in report.problems[0].problem


def test_the_store_refuses_an_older_schema(db_url: str) -> None:
    from workflow.core.errors import StorageError
    from workflow.store.repository import Store

    store = Store(db_url)
    with store.writing() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0000')"))
    with pytest.raises(StorageError, match="upgrade the database schema"):
        store.ensure_schema()
    store.close()


def test_the_definition_a_case_was_opened_under_is_kept(wf: Workflow, db_url: str) -> None:
    from workflow.registry import Registry

    cid = open_dorotea(wf)
    bare = Workflow(db_url, registry=Registry())
    try:
        case = bare.case(cid)
        assert bare.definition_of(case).id == "systemledning"
        assert bare.verify().ok
    finally:
        bare.close()
