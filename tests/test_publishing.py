"""Published definitions: cases are opened only under versions the register has published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from workflow import Workflow
from workflow.core.errors import DecisionRefused, PermissionDenied
from workflow.paths import definitions_dir


def _variant(tmp_path: Path, version: int, label: str = "Utredning (ändrad)") -> Path:
    text = (definitions_dir() / "utredning.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", f"version: {version}", 1)
    text = text.replace("sv: Utredning", f"sv: {label}", 1) if "sv: Utredning" in text else text + "\n# ändrad\n"
    path = tmp_path / f"utredning-v{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_opening_on_an_open_register_publishes_on_the_way(wf: Workflow) -> None:
    case = wf.open_case("utredning", title="Första", effective="2026")
    published = {(p.id, p.version): p for p in wf.published()}
    p = published[("utredning", 1)]
    assert p.published_by == wf.identity.login and p.cases == 1 and p.open_cases == 1
    assert [e.kind for e in wf.register_log()] == ["definition_published"]
    wf.open_case("utredning", title="Andra", effective="2026")
    assert len(wf.register_log()) == 1  # published once
    assert case.definition_version == 1 and wf.verify().ok


def test_a_changed_text_under_a_published_version_is_refused(wf: Workflow, tmp_path: Path) -> None:
    wf.open_case("utredning", title="Första", effective="2026")
    changed = _variant(tmp_path, 1)
    with pytest.raises(DecisionRefused, match="a changed definition is a new version"):
        wf.publish_definition(changed)
    assert wf.publish_definition(_variant(tmp_path, 2)) is True
    assert wf.publish_definition(_variant(tmp_path, 2)) is False
    versions = sorted((p.id, p.version, p.source) for p in wf.published() if p.id == "utredning")
    assert versions == [("utredning", 1, "utredning.yaml"), ("utredning", 2, "utredning-v2.yaml")]


def test_a_shared_register_opens_only_published_versions(wf: Workflow, db_url: str, clock: Any,
                                                         tmp_path: Path) -> None:
    wf.grant_role(wf.identity.login, "service")  # roles enabled: the known definitions are published
    wf.grant_role("anna", "registrar")
    assert {("utredning", 1), ("systemledning", 1), ("finansiering", 1)} <= {(p.id, p.version) for p in wf.published()}
    new = _variant(tmp_path, 3)
    with Workflow(db_url, clock=clock, user="anna") as anna:
        anna.registry.add_text(new.read_text(encoding="utf-8"), str(new))
        anna.open_case("utredning", title="Publicerad", effective="2026", version=1)
        with pytest.raises(PermissionDenied, match="not published"):
            anna.open_case("utredning", title="Opublicerad", effective="2026", version=3)
        with pytest.raises(PermissionDenied, match="publish"):
            anna.publish_definition(new)
    wf.publish_definition(new)
    with Workflow(db_url, clock=clock, user="anna") as anna:
        anna.registry.add_text(new.read_text(encoding="utf-8"), str(new))
        assert anna.open_case("utredning", title="Nu publicerad", effective="2026", version=3).definition_version == 3


def test_cli_publish_and_list(cli: Cli, tmp_path: Path) -> None:
    cli("case", "open", "utredning", "--title", "X", "--date", "2026")
    out = cli("definitions", "publish", str(_variant(tmp_path, 2))).output
    assert "utredning v2" in out
    assert "utredning v1" in cli("definitions", "publish", str(_variant(tmp_path, 1)), code=4).output
    listed = cli("--lang", "en", "definitions", "published").output
    assert "utredning-v2.yaml" in listed and "utredning.yaml" in listed


def test_a_case_opens_under_the_published_text_not_a_local_copy(wf: Workflow, db_url: str, clock: Any,
                                                                tmp_path: Path) -> None:
    from workflow.registry import Registry

    wf.open_case("utredning", title="Första", effective="2026")
    digest = {(p.id, p.version): p.digest for p in wf.published()}[("utredning", 1)]
    changed = _variant(tmp_path, 1)  # a clerk's edited copy, same id and version
    registry = Registry()
    registry.add_text(changed.read_text(encoding="utf-8"), str(changed))
    with Workflow(db_url, clock=clock, registry=registry) as clerk:
        case = clerk.open_case("utredning", title="Andra", effective="2026")
        assert case.definition_version == 1
        assert {(p.id, p.version): p.digest for p in clerk.published()}[("utredning", 1)] == digest
    assert wf.verify().ok
