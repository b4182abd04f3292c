"""Idempotent retries, and who may decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, dump
from tests.reliability.helpers import anomalies, pre_study
from workflow import Decision, DecisionRef, DueSpec, InvalidInput, PermissionDenied, Workflow


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")

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
    assert text.startswith(f"already recorded #{first['entries'][0]['seq']} (KF 2023-12-04 § 102)")

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


def test_each_step_needs_the_roles_its_transition_names(db_url: str, rolled: dict[str, str], clock: Any) -> None:
    """Commissioning is for registrars, postponing for secretaries; refusals write nothing."""
    from workflow.registry import default_registry

    registry = default_registry()
    registry.add_text((Path(rolled["WF_DEFINITIONS_PATH"]) / "rolled.yaml").read_text(), "rolled.yaml")

    def as_(user: str) -> Workflow:
        return Workflow(db_url, clock=clock, registry=registry, user=user)

    commission = dict(trigger="commission_pre_study", due=(DueSpec.parse("report_back=2023-12"),))
    with Workflow(db_url, clock=clock, registry=registry) as owner:
        owner.grant_role(owner.identity.login, "service")  # this test process vouches for the people below
        owner.grant_role("anna", "registrar")
    with as_("anna") as anna:
        case = anna.open_case("rolled", title="Y", effective="2021").id
        for ref in ("HSN 2023-05-01 § 1", "KS 2023-05-02 § 2"):
            anna.advance(case, Decision(**commission, reference=DecisionRef.parse(ref)))  # type: ignore[arg-type]
        postpone = Decision(trigger="postpone", reference=DecisionRef.parse("KF 2023-12-04 § 102"),
                            due=(DueSpec.parse("report_back=2024-02"),))
        before = dump(db_url)
        with pytest.raises(PermissionDenied, match="needs secretary, holds registrar"):
            anna.advance(case, postpone)
    with as_("bo") as bo:
        with pytest.raises(PermissionDenied, match="needs secretary, holds no role"):
            bo.advance(case, postpone)
        assert dump(db_url) == before
    with Workflow(db_url, clock=clock, registry=registry) as owner:
        owner.grant_role("bo", "secretary")
    with as_("bo") as bo:
        bo.advance(case, postpone)
    assert anomalies(db_url) == []
