"""The facade: a unit of work per decision, no store handed out."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from workflow import Decision, DecisionRef, DueSpec, InvalidInput, Workflow


def _count(wf: Workflow) -> dict[str, int]:
    counts = {"connections": 0, "transactions": 0, "commits": 0}
    engine = wf._db.engine
    sa.event.listen(engine.pool, "checkout", lambda *_: counts.__setitem__("connections", counts["connections"] + 1))
    sa.event.listen(engine, "begin", lambda *_: counts.__setitem__("transactions", counts["transactions"] + 1))
    sa.event.listen(engine, "commit", lambda *_: counts.__setitem__("commits", counts["commits"] + 1))
    return counts


def test_one_advance_with_a_request_id_is_one_connection_and_one_transaction(wf: Workflow) -> None:
    case = wf.open_case("systemledning", title="S", numbers=["HSN 501-2023"], actor="k", effective="2023")
    counts = _count(wf)
    decision = Decision("commission_pre_study", DecisionRef.parse("HSN 2023"), "k",
                        due=(DueSpec.parse("report_back=HSN@2023-12"),), request_id="r-1")
    wf.advance(case.id, decision)
    assert counts == {"connections": 1, "transactions": 1, "commits": 1}
    again = wf.advance(case.id, decision)  # the retry: read in one transaction, nothing written
    assert again.replayed
    assert counts == {"connections": 2, "transactions": 2, "commits": 2}


def test_a_back_dated_decision_reads_the_opening_date_in_the_same_transaction(wf: Workflow) -> None:
    case = wf.open_case("systemledning", title="S", numbers=["HSN 501-2023"], actor="k", effective="2023")
    counts = _count(wf)
    with pytest.raises(InvalidInput, match="before case HSN 501-2023 was opened") as refused:
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("HSN 2022-11-03 § 4"), "k"))
    assert refused.value.field == "before_opening"
    wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("HSN 2022-11-03 § 4"), "k",
                                 before_opening=True))
    assert counts["connections"] == 2 and counts["transactions"] == 2 and counts["commits"] == 1
    assert wf.history(case.id)[-1].payload["before_opening"] is True


def test_the_facade_hands_out_no_store() -> None:
    assert not hasattr(Workflow, "store")
    root = Path(__file__).resolve().parents[1]
    reaching = [str(p.relative_to(root)) for p in [*(root / "workflow").rglob("*.py"), *(root / "cli").rglob("*.py")]
                if ".store." in p.read_text(encoding="utf-8").replace("workflow.store.", "")]
    assert reaching == []
