"""Moving open cases to a new version of their definition, with history and verification right across it.

Version 2 of the investigation process (test data) renames the report-back due
date (``report_back`` -> ``redovisning``) and adds a state, ``remitted``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from workflow import Decision, DecisionRef, DueSpec, Workflow
from workflow.core.errors import DecisionRefused, InvalidInput
from workflow.paths import definitions_dir


def _v2(tmp_path: Path) -> Path:
    text = (definitions_dir() / "utredning.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2", 1).replace("report_back", "redovisning")
    text = text.replace("states:\n", "states:\n  - id: remitted\n    label: {sv: På remiss, en: Out for consultation}\n"
                        "    final: true\n", 1)
    text = text.rstrip("\n") + ("\n  - trigger: remit\n    label: {sv: Skicka på remiss, en: Send for consultation}\n"
                                "    from: ongoing\n    to: remitted\n    bodies: [HSN]\n    requires: [reference]\n")
    path = tmp_path / "utredning-v2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


PLAN = """\
plan: utredning-2027
definition: utredning
from: 1
to: 2
states:
  ongoing: ongoing
due:
  report_back: redovisning
"""


@pytest.fixture
def setup(wf: Workflow, tmp_path: Path) -> Any:
    ids = []
    for n in range(3):
        case = wf.open_case("utredning", title=f"Utredning {n}", numbers=[f"MIG {n}-2026"], effective="2026-01")
        wf.advance(case.id, Decision(trigger="postpone", reference=DecisionRef.parse(f"HSN 2026-02-0{n + 1} § {n + 1}"),
                                     due=(DueSpec.parse("report_back=2027-06"),)))
        ids.append(case.id)
    wf.advance(ids[2], Decision(trigger="close", reference=DecisionRef.parse("HSN 2026-03-01 § 9")))
    wf.publish_definition(_v2(tmp_path))
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    return wf, ids, plan


def test_a_dry_run_reports_and_writes_nothing(setup: Any, db_url: str) -> None:
    from tests.conftest import dump

    wf, ids, plan = setup
    before = dump(db_url)
    moves = {m.case_id: m for m in wf.migrate_cases(plan, dry_run=True)}
    assert moves[ids[0]].to_state == "ongoing" and moves[ids[0]].problem is None
    assert moves[ids[0]].due == {"report_back": "redovisning"}
    assert "final state" in (moves[ids[2]].problem or "")
    assert dump(db_url) == before


def test_migrated_cases_move_with_one_entry_and_verify(setup: Any) -> None:
    wf, ids, plan = setup
    wf.migrate_cases(plan)
    for case_id in ids[:2]:
        case = wf.case(case_id)
        assert case.definition_version == 2 and case.state == "ongoing"
        assert set(case.data["due"]) == {"redovisning"}
        last = wf.history(case_id)[-1]
        assert last.kind == "migrated" and last.payload["plan"] == "utredning-2027"
        assert len(last.payload["plan_digest"]) == 64
    assert wf.case(ids[2]).definition_version == 1  # closed: not migrated
    assert wf.verify().ok  # replay switches versions at the migration
    # the case goes on under version 2: its steps close the renamed due date
    after = wf.advance(ids[0], Decision(trigger="accept_report", reference=DecisionRef.parse("HSN 2026-03-20 § 3")))
    assert after.case.data["due"]["redovisning"]["status"] != "open"
    assert wf.verify().ok
    assert wf.migrate_cases(plan) == [m for m in wf.migrate_cases(plan, dry_run=True)]  # nothing left under v1


def test_a_plan_is_checked_against_both_versions(setup: Any, tmp_path: Path) -> None:
    wf, _ids, _plan = setup
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAN.replace("ongoing: ongoing", "ongoing: pågår"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="'pågår' is not a state of utredning v2"):
        wf.migrate_cases(bad, dry_run=True)
    unpublished = tmp_path / "v3.yaml"
    unpublished.write_text(PLAN.replace("to: 2", "to: 3"), encoding="utf-8")
    with pytest.raises(Exception, match="v3"):
        wf.migrate_cases(unpublished, dry_run=True)


def test_an_unmapped_state_stays(setup: Any, tmp_path: Path) -> None:
    wf, ids, _plan = setup
    none = tmp_path / "none.yaml"
    none.write_text(PLAN.replace("  ongoing: ongoing\n", "  {}\n").replace("states:\n  {}", "states: {}"),
                    encoding="utf-8")
    moves = wf.migrate_cases(none)
    assert all(m.problem for m in moves) and wf.case(ids[0]).definition_version == 1
    with pytest.raises(DecisionRefused):
        from workflow.core.migration import load_plan, migrate

        migrate(load_plan(none.read_text()), wf.definition_at("utredning", 1), wf.definition_at("utredning", 2),
                wf.case(ids[0]), "x", wf.clock())


def test_cli_migrate(setup: Any, db_url: str) -> None:
    _wf, ids, plan = setup
    cli = Cli(db_url)
    out = cli("cases", "migrate", str(plan), "--dry-run").output
    assert "2 av 3 ärende(n) skulle flyttas" in out
    report = json.loads(cli("cases", "migrate", str(plan), "--json").output)
    assert [c["case_id"] for c in report["cases"] if c["problem"] is None] == ids[:2]
    assert "ok" in cli("audit", "verify").output
    cli("cases", "migrate", __file__, code=5)  # a Python file is no plan
