"""Verification at hashing speed gives verify_chain's and the ledger's answers, pass by pass.

The oracle for the chains is :func:`workflow.core.audit.verify_chain` on the
same entries; for the ledger root, :func:`workflow.core.merkle.root` of every
leaf; for the replay in processes, the same replay in this process.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from workflow import Workflow
from workflow.core import merkle
from workflow.core.audit import ChainCheck, Entry, canonical_json, verify_chain
from workflow.ledger import Root, leaf, read
from workflow.store.repository import LedgerRow


@pytest.mark.parametrize("n", [*range(0, 40), 63, 64, 65, 1000, 1025])
def test_the_streaming_root_is_rfc_9162s(n: int) -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    root = Root()
    for h in leaves:
        root.add(h)
    assert root.root() == merkle.root(leaves) and root.size == n


def test_a_ledger_read_gives_the_leaves_of_leaf() -> None:
    rows = [LedgerRow(i + 1, "case" if i % 3 else "register", f"c{i}" if i % 3 else None, i, "ab" * 32,
                      "anna \"q\" é", "ab" * 32, None if i % 2 else "anna \"q\" é") for i in range(50)]
    kept, streamed = read(rows), read(rows, keep_leaves=False)
    assert kept.leaves == [leaf(r) for r in rows]
    assert kept.digest() == streamed.digest() and streamed.leaves == [] and streamed.size == 50
    assert not kept.rows_problems


def _row(e: Entry, payload_text: str | None = None) -> tuple[Any, ...]:
    return (e.case_id, e.seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state, e.to_state,
            e.reference, canonical_json(e.payload) if payload_text is None else payload_text, e.request_id,
            e.prev_hash, e.hash, e.recorded_by)


def _log(wf: Workflow) -> list[Entry]:
    from workflow import Decision, DecisionRef, DueSpec

    case = wf.open_case("systemledning", title="Kedja", numbers=["HSN 9-2023"], effective="2023")
    wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("HSN 2023-01-10 § 3"), "k",
                                 due=(DueSpec.parse("report_back=2023-12"),)))
    wf.add_note(case.id, "Åtgärd \"citerad\"\n")
    return wf.history(case.id)


TAMPERINGS = {
    "none": lambda log: log,
    "actor changed": lambda log: [log[0], replace(log[1], actor="x"), *log[2:]],
    "one removed": lambda log: [log[0], *log[2:]],
    "two swapped": lambda log: [log[0], log[2], log[1], *log[3:]],
    "one doubled": lambda log: [*log[:2], log[1], *log[2:]],
    "re-hashed": lambda log: [log[0], replace(log[1], kind="note").sealed(), *log[2:]],
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_the_chain_check_names_what_verify_chain_names(sqlite_url: str, tampering: str) -> None:
    with Workflow(sqlite_url) as wf:
        log = TAMPERINGS[tampering](_log(wf))
    check = ChainCheck()
    check.feed([_row(e) for e in log])
    assert check.entries == len(log)
    assert check.problems.get(log[0].case_id, []) == verify_chain(log[0].case_id, log)


def test_a_payload_stored_in_another_spelling_of_the_same_value_is_not_a_change(sqlite_url: str) -> None:
    with Workflow(sqlite_url) as wf:
        log = _log(wf)
    respelled = [_row(e, canonical_json(e.payload).replace(",", ", ")) for e in log]
    check = ChainCheck()
    check.feed(respelled)
    assert check.problems == {}
    changed = [*respelled[:-1], _row(log[-1], canonical_json({**log[-1].payload, "note": "annat"}))]
    check = ChainCheck()
    check.feed(changed)
    assert [p.problem for p in check.problems[log[0].case_id]] == ["was changed after it was recorded (hash mismatch)"]


def test_the_replay_in_processes_finds_what_the_replay_here_finds(db_url: str, demo: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE cases SET state = 'closed' WHERE id = 'demo-dorotea'"))
    finally:
        engine.dispose()
    here = demo.verify(processes=1)
    monkeypatch.setattr(Workflow, "REPLAY_IN_PROCESSES", 0)
    with Workflow(db_url) as wf:
        there = wf.verify(processes=2)
    assert [str(p) for p in here.problems] == [str(p) for p in there.problems]
    assert any("cases.state" in str(p) for p in there.problems) and there.cases == here.cases
    assert here.entries == there.entries > 0
