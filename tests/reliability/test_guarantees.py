"""Idempotent retries, checkpoints against a rewritten log, and who may decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Cli, dump
from tests.reliability.helpers import anomalies, pre_study
from workflow import Decision, DecisionRef, DueSpec, InvalidInput, PermissionDenied, Workflow

# -- idempotent retries -------------------------------------------------------------------


def test_request_id_records_once_via_cli(cli: Cli, wf: Any) -> None:
    case = pre_study(wf)
    args = ("case", "advance", case.id, "postpone", "--decision", "KF 2023-12-04 § 102",
            "--due", "report_back=2024-02", "--request-id", "kansli-4711", "--json")
    first = json.loads(cli(*args).output)
    before = dump(cli.db_url)
    second = json.loads(cli(*args).output)
    assert dump(cli.db_url) == before
    assert not first["replayed"] and second["replayed"]
    assert second["entries"] == first["entries"]
    text = cli(*args[:-1]).output
    assert text.startswith(f"already recorded #{first['entries'][0]['seq']} KF 2023-12-04 § 102")

    for other in (["--due", "report_back=2024-03"], ["--note", "something else"]):
        refused = cli(*args[:-1], *other, code=5)
        assert "request id 'kansli-4711' was already used for another decision" in refused.output
    refused = cli("case", "advance", case.id, "postpone", "--decision", "KF 2023-12-05 § 103",
                  "--due", "report_back=2024-02", "--request-id", "kansli-4711", code=5)
    assert "already used" in refused.output
    assert dump(cli.db_url) == before


def test_request_id_records_once_via_api(wf: Any) -> None:
    case = pre_study(wf)
    d = Decision(trigger="postpone", reference=DecisionRef.parse("KF 2023-12-04 § 102"), actor="kansli",
                 due=(DueSpec.parse("report_back=2024-02"),), request_id="r1")
    first = wf.advance(case.id, d)
    again = wf.advance(case.id, d, expected_version=case.version)  # a stale version does not matter for a retry
    assert again.replayed and again.entries == first.entries
    assert [e.request_id for e in wf.history(case.id)].count("r1") == 1
    with pytest.raises(InvalidInput, match="already used"):
        wf.advance(case.id, Decision(trigger="postpone", reference=d.reference, actor="kansli",
                                     due=(DueSpec.parse("report_back=2025-01"),), request_id="r1"))
    with pytest.raises(InvalidInput, match="already used"):
        wf.advance(case.id, Decision(trigger="postpone", reference=d.reference, actor="someone-else",
                                     due=d.due, request_id="r1"))


# -- checkpoints ----------------------------------------------------------------------------


def _rewrite(url: str, wf: Workflow, case_id: str, seq: int, reference: str) -> None:
    """What an attacker with database access does: drop the guard, edit, re-hash the chain, fix the case row."""
    from dataclasses import replace

    from workflow.core import engine
    from workflow.core.audit import canonical_json
    from workflow.store.tables import audit_entries, cases

    entries = wf.history(case_id)
    fixed = []
    prev = entries[seq - 2].hash
    for e in entries[seq - 1:]:
        if e.seq == seq:
            e = replace(e, reference=reference, payload={**e.payload, "reference": reference})
        e = replace(e, prev_hash=prev).sealed()
        prev = e.hash
        fixed.append(e)
    replayed = engine.replay(wf.definition_of(wf.case(case_id)), entries[:seq - 1] + fixed)
    engine_ = sa.create_engine(url)
    with engine_.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_entries_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entries_append_only ON audit_entries")
        for e in fixed:
            conn.execute(audit_entries.update().where(
                audit_entries.c.case_id == case_id, audit_entries.c.seq == e.seq,
            ).values(reference=e.reference, payload=canonical_json(e.payload), prev_hash=e.prev_hash, hash=e.hash))
        conn.execute(cases.update().where(cases.c.id == case_id).values(
            data=canonical_json(replayed.data), head_hash=replayed.head_hash))
    engine_.dispose()


def test_checkpoint_names_a_decision_rewritten_after_it(cli: Cli, wf: Any, tmp_path: Path) -> None:
    a = pre_study(wf, "A", ("HSN 501-2023",))
    b = pre_study(wf, "B", ("HSN 801-2022",))
    pinned = wf.case(a.id).head_seq
    out = cli("audit", "checkpoint").output.strip().splitlines()
    token = out[-1]
    assert token.startswith("wfcp1.2.") and "2 case(s)" in out[0]
    assert cli("audit", "verify", "--checkpoint", token).output.startswith("ok: 2 case(s)")

    # later work does not disturb it: a new case, new decisions on old cases
    c = pre_study(wf, "C")
    cli("case", "advance", a.id, "postpone", "--decision", "HSN 2024-02-28 § 15", "--due", "report_back=2024-05")
    cli("case", "note", b.id, "later note")
    assert cli("audit", "verify", "--checkpoint", token).output.startswith("ok: 3 case(s)")
    (tmp_path / "cp.txt").write_text(token + "\n")
    cli("audit", "verify", "--checkpoint", f"@{tmp_path / 'cp.txt'}")

    # a decision recorded before the checkpoint is rewritten, the chain re-hashed: plain verify is fooled
    _rewrite(cli.db_url, wf, a.id, 2, "HSN 2023-05-01 § 9")
    assert [e.reference for e in wf.history(a.id)][1] == "HSN 2023-05-01 § 9"
    assert cli("audit", "verify").output.startswith("ok: 3 case(s)")
    caught = cli("audit", "verify", "--checkpoint", token, code=9)
    assert f"case {a.id}" in caught.output and "differs from the checkpoint" in caught.output
    assert b.id not in caught.output and c.id not in caught.output
    report = json.loads(cli("audit", "verify", "--checkpoint", token, "--json", code=9).stdout)
    assert [(p["case"], p["seq"]) for p in report["problems"]] == [(a.id, pinned)]

    # a case removed altogether is named too
    engine_ = sa.create_engine(cli.db_url)
    with engine_.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_entries_no_delete")
        for table in ("due_dates", "case_numbers", "audit_entries", "cases"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {'id' if table == 'cases' else 'case_id'} = :c"),
                         {"c": b.id})
    engine_.dispose()
    caught = cli("audit", "verify", "--checkpoint", token, code=9).output
    assert f"case {b.id}: chain: the case and its" in caught and "are gone" in caught


@pytest.mark.parametrize("token", [
    "", "wfcp1", "wfcp2.1.20260323T090000Z." + "0" * 64 + ".eJw", "wfcp1.1.20260323T090000Z." + "0" * 64 + ".!!",
    "wfcp1.1.20260323T090000Z." + "0" * 64 + ".eJyLjgUAARUAuQ", "wfcp1.3.20260323T090000Z." + "a" * 64 + ".eJyLjgUAARUAuQ",
])
def test_a_malformed_checkpoint_is_a_clear_error(cli: Cli, token: str) -> None:
    result = cli("audit", "verify", "--checkpoint", token, code=5)
    assert "malformed checkpoint" in result.output


# -- who may decide --------------------------------------------------------------------------


@pytest.fixture
def rolled(tmp_path: Path) -> dict[str, str]:
    """A test-only definition: commissioning is for registrars, postponing for secretaries."""
    from workflow.paths import definitions_dir

    text = (definitions_dir() / "systemledning.yaml").read_text(encoding="utf-8")
    text = text.replace("id: systemledning", "id: rolled", 1)
    text = text.replace("  - trigger: commission_pre_study\n", "  - trigger: commission_pre_study\n    roles: [registrar]\n")
    text = text.replace("  - trigger: postpone\n", "  - trigger: postpone\n    roles: [secretary]\n")
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "rolled.yaml").write_text(text, encoding="utf-8")
    return {"WF_DEFINITIONS_PATH": str(folder)}


def test_roles_in_the_database(cli: Cli, rolled: dict[str, str]) -> None:
    def wf(*args: str, code: int = 0) -> str:
        return cli(*args, code=code, env=rolled).output

    commission = ("commission_pre_study", "--due", "report_back=2023-12")
    # nobody configured: everyone may record
    assert "everyone may record" in wf("roles", "list")
    free = json.loads(wf("case", "open", "rolled", "--date", "2021", "--title", "Fri", "--actor", "anyone", "--json"))["id"]
    wf("case", "advance", free, *commission, "--decision", "HSN 2023-05-01 § 1", "--actor", "anyone")

    assert "granted registrar to anna" in wf("roles", "grant", "anna", "registrar")
    assert "already holds" in wf("roles", "grant", "anna", "registrar")
    assert "unknown role 'chair'" in wf("roles", "grant", "anna", "chair", code=5)
    before = dump(cli.db_url)
    refused = wf("case", "open", "rolled", "--date", "2021", "--title", "X", "--actor", "anyone", code=10)
    assert "'anyone' may not record on rolled cases" in refused
    refused = wf("case", "advance", free, *commission, "--decision", "KS 2023-05-02 § 2", "--actor", "anyone", code=10)
    assert "needs registrar, holds no role" in refused
    assert dump(cli.db_url) == before

    case = json.loads(wf("case", "open", "rolled", "--date", "2021", "--title", "Y", "--actor", "anna", "--json"))["id"]
    for ref in ("HSN 2023-05-01 § 1", "KS 2023-05-02 § 2"):
        wf("case", "advance", case, *commission, "--decision", ref, "--actor", "anna")
    postpone = ("postpone", "--decision", "KF 2023-12-04 § 102", "--due", "report_back=2024-02")
    before = dump(cli.db_url)
    assert "needs secretary, holds registrar" in wf("case", "advance", case, *postpone, "--actor", "anna", code=10)
    assert "needs secretary" in wf("case", "advance", case, *postpone, "--actor", "bo", "--request-id", "x", code=10)
    assert dump(cli.db_url) == before
    wf("roles", "grant", "bo", "secretary")
    wf("case", "advance", case, *postpone, "--actor", "bo")
    assert ["bo", "secretary"] in [line.split() for line in wf("roles", "list").splitlines()]
    assert "revoked secretary from bo" in wf("roles", "revoke", "bo", "secretary")
    wf("roles", "revoke", "bo", "secretary", code=3)
    wf("case", "advance", case, "postpone", "--decision", "HSN 2024-02-28 § 15", "--due", "report_back=2024-05",
       "--actor", "bo", code=10)
    assert anomalies(cli.db_url) == []


def test_roles_from_a_file(cli: Cli, rolled: dict[str, str], tmp_path: Path, clock: Any) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text("actors:\n  carl: [registrar, secretary]\n  dora: officer\n", encoding="utf-8")
    env = {**rolled, "WF_ROLES_FILE": str(roles)}
    listed = json.loads(cli("roles", "list", "--json", env=env).output)
    assert listed == {"carl": ["registrar", "secretary"], "dora": ["officer"]}
    case = json.loads(cli("case", "open", "rolled", "--date", "2021", "--title", "Z", "--actor", "carl", "--json", env=env).output)["id"]
    cli("case", "open", "rolled", "--date", "2021", "--title", "Z", "--actor", "erik", env=env, code=10)
    # dora holds a declared role, but commissioning needs a registrar
    cli("case", "advance", case, "commission_pre_study", "--decision", "HSN 2023-05-01 § 1",
        "--due", "report_back=2023-12", "--actor", "dora", env=env, code=10)
    # the global option works as the variable does
    cli("--roles", str(roles), "case", "note", case, "by the book", "--actor", "dora", env=rolled)
    cli("--roles", str(roles), "case", "note", case, "not allowed", "--actor", "erik", env=rolled, code=10)

    for bad in ("actors: [carl]\n", "actors:\n  carl: 5\n", "{{{{", "other: {}\n"):
        roles.write_text(bad, encoding="utf-8")
        assert "roles file" in cli("case", "note", case, "x", "--actor", "carl", env=env, code=5).output
    cli("--roles", str(tmp_path / "missing.yaml"), "case", "note", case, "x", env=rolled, code=5)

    roles.write_text("actors:\n  carl: [registrar]\n", encoding="utf-8")
    from workflow.registry import Registry, default_registry

    registry = default_registry()
    registry.add_text((Path(rolled["WF_DEFINITIONS_PATH"]) / "rolled.yaml").read_text(), "rolled.yaml")
    with Workflow(cli.db_url, clock=clock, roles_file=str(roles), registry=registry) as wf:
        assert isinstance(registry, Registry)
        with pytest.raises(PermissionDenied):
            wf.open_case("rolled", title="W", actor="dora")
        wf.advance(case, Decision(trigger="commission_pre_study", reference=DecisionRef.parse("HSN 2023-05-01 § 1"),
                                  actor="carl", due=(DueSpec.parse("report_back=2023-12"),)))
