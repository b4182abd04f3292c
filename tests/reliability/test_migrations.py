"""Schema upgrades keep every case and entry; an old schema is refused with the way out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import dump
from workflow import Decision, DecisionRef, DueSpec, StorageError, Workflow
from workflow.store.repository import HEAD_REVISION, Store


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")


def _revisions() -> list[str]:
    """Every migration, oldest first, from Alembic's own script directory."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import workflow.store.repository as repository

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(repository.__file__).parent / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_alembic_head_is_head_revision() -> None:
    revisions = _revisions()
    assert revisions[-1] == HEAD_REVISION
    assert revisions[:2] == ["0001", "0002"]


def _columns(tables: dict[str, Any], table: str) -> int:
    """How many columns a dumped table has (its rows' width)."""
    rows = tables[table]
    return len(rows[0]) if rows else 0


def _fill(store: Store) -> list[str]:
    """Cases and decisions written through the repository, which needs nothing newer than 0001."""
    from workflow.core import engine
    from workflow.core.case import DiaryNumber
    from workflow.registry import default_registry

    registry = default_registry()
    now = dt.datetime(2024, 2, 28, 9, tzinfo=dt.UTC)
    ids = []
    for i, definition_id in enumerate(["systemledning", "finansiering", "systemledning"]):
        d = registry.get(definition_id)
        case, entries = engine.open_case(
            d, case_id=f"old{i}", title=f"Ärende {i}: 'quoted'; DROP TABLE cases; --", actor="registrar",
            numbers=[DiaryNumber(f"HSN {500 + i}-2023")], now=now, effective=None, parties=None,
        )
        store.create_case(case, entries, d, d.text)
        if definition_id == "systemledning":
            for ref in ("HSN 2023-05-01 § 1", "KS 2023-05-02 § 2"):
                now += dt.timedelta(minutes=1)
                after, entries = engine.decide(d, case, Decision(
                    trigger="commission_pre_study", reference=DecisionRef.parse(ref), actor="registrar",
                    due=(DueSpec.parse("report_back=2023-12"),),
                ), now)
                store.record(case, after, entries)
                case = after
            now += dt.timedelta(minutes=1)
            after, entries = engine.decide(d, case, Decision(
                trigger="postpone", reference=DecisionRef.parse("KF 2023-12-04 § 102"), actor="registrar",
                due=(DueSpec.parse("report_back=2024-02"),), request_id=f"req-{i}",
            ), now)
            store.record(case, after, entries)
        ids.append(case.id)
    return ids


@pytest.mark.parametrize("start", [r for r in _revisions() if r != HEAD_REVISION])
def test_upgrade_from_every_earlier_revision_keeps_everything(db_url: str, cli: Any, start: str) -> None:
    store = Store(db_url)
    try:
        store.upgrade(start)
        assert store.revision() == start
        ids = _fill(store)
    finally:
        store.close()
    before = dict(dump(db_url))

    # An old schema is refused with the way out, by the API and by every command that uses a case.
    with Workflow(db_url) as wf, pytest.raises(StorageError, match="upgrade the database schema"):
        wf.case(ids[0])
    refused = cli("case", "show", ids[0], code=8)
    assert f"revision {start}" in refused.output and "wf db upgrade" in refused.output
    assert "needs upgrade" in cli("db", "status").output

    done = cli("db", "upgrade")
    assert f"schema {start} -> {HEAD_REVISION}" in done.output
    assert "up to date" in cli("db", "status").output

    after = dict(dump(db_url))
    assert after.pop("alembic_version") == [(HEAD_REVISION,)]
    assert before.pop("alembic_version") == [(start,)]
    # 0004 adds who recorded each entry: unknown (NULL) for entries recorded before it.
    if _columns(after, "audit_entries") == _columns(before, "audit_entries") + 1:
        assert all(r[-1] == "None" for r in after["audit_entries"])
        after["audit_entries"] = sorted(r[:-1] for r in after["audit_entries"])
    for table, rows in before.items():
        assert after[table] == rows, f"table {table} changed in the upgrade"
    assert "actor_roles" in after
    # every entry recorded before the ledger existed is in it, once
    assert len(after["ledger"]) == len(after["audit_entries"]) + len(after["register_entries"])
    assert cli("audit", "verify").output.startswith(f"ok: {len(ids)} case(s)")
    with Workflow(db_url) as wf:
        assert [wf.case(i).state for i in ids] == ["pre_study", "proposal", "pre_study"]
        first = [e for e in wf.history(ids[0]) if e.request_id]
        assert [e.request_id for e in first] == ["req-0"]
        again = wf.advance(ids[0], Decision(
            trigger="postpone", reference=DecisionRef.parse("KF 2023-12-04 § 102"), actor="registrar",
            due=(DueSpec.parse("report_back=2024-02"),), request_id="req-0",
        ))
        assert again.replayed and again.entries[0] == first[0]
    # the upgraded database takes new decisions and roles
    cli("case", "advance", ids[0], "postpone", "--decision", "HSN 2024-02-28 § 15", "--due", "report_back=2024-05")
    cli("audit", "verify")
    cli("db", "upgrade")  # idempotent


def test_cases_closed_before_0005_have_their_due_dates_closed(db_url: str, cli: Any) -> None:
    """A case that reached a final state before the engine closed its due dates is brought to what its log
    gives now: the upgrade closes them, and verification agrees."""
    import sqlalchemy as sa

    from workflow.core.audit import canonical_json
    from workflow.demo import replay_demo

    with Workflow(db_url) as wf:
        list(replay_demo(wf))
        wf.advance("demo-dorotea", Decision(trigger="withdraw", reference=DecisionRef.parse("HSN 2026-03-20 § 40"),
                                            note="Uppdraget återtas."))
        data = wf.case("demo-dorotea").data
    assert {d["status"] for d in data["due"].values()} == {"closed"}
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # as a 0004 register holds such a case
        for d in data["due"].values():
            d["status"] = "open"
        conn.execute(sa.text("UPDATE cases SET data = :d WHERE id = 'demo-dorotea'"), {"d": canonical_json(data)})
        conn.execute(sa.text("UPDATE due_dates SET status = 'open' WHERE case_id = 'demo-dorotea' "
                             "AND name NOT LIKE 'urgent:%'"))
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    cli("db", "upgrade")
    assert "ok" in cli("audit", "verify").output
